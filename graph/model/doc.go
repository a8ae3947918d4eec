// Package model holds the GraphQL types gqlgen generates from the schema.
package model
