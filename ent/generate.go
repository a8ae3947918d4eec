// Package ent holds simgraph's generated data access layer; the schemas are
// in ent/schema and the generator configuration in entc.go.
package ent

//go:generate go run entc.go
