// Package graph translates GraphQL to simgraph's domain packages. A resolver
// reads the viewer, calls one domain function and maps the result; rules live
// in the domain packages.
package graph

//go:generate go tool gqlgen generate

import (
	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/admin"
	"github.com/simgraph/simgraph/server/apikey"
	"github.com/simgraph/simgraph/server/audit"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/server/files"
	"github.com/simgraph/simgraph/server/health"
	"github.com/simgraph/simgraph/server/quota"
	"github.com/simgraph/simgraph/server/simulation"
	"github.com/simgraph/simgraph/server/webhook"
)

// Resolver holds the domain services resolvers call.
type Resolver struct {
	Accounts          *account.Service
	Checker           *health.Checker
	FileService       *files.Service
	SimulationService *simulation.Service
	// Admin, Inbox and Quotas serve the operational fields (services,
	// metrics, userDataSummary, migrate; notifications; quotas).
	Admin  *admin.Service
	Inbox  *events.Inbox
	Quotas *quota.Service
	// Audit serves auditLog.
	Audit *audit.Service
	// KeyService serves apiKeys, createApiKey and revokeApiKey.
	KeyService *apikey.Service
	// Webhooks serves webhooks, createWebhook and deleteWebhook.
	WebhookService *webhook.Service
}
