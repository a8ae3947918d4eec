// Package database opens simgraph's six service databases: SQLite files in
// embedded mode, PostgreSQL databases (created when missing) in server mode.
// Each service owns its tables and migrates only those.
package database

import (
	"entgo.io/ent/dialect/sql/schema"

	"github.com/simgraph/simgraph/ent/migrate"
)

// PoolSettings are a connection pool's steady size and the extra connections
// it may open under load. (PoolSettings is this type: the tenant
// router builds on this package, not the other way round.)
type PoolSettings struct {
	Size     int
	Overflow int
}

// Max is the most connections the pool opens.
func (p PoolSettings) Max() int { return p.Size + p.Overflow }

// Service names.
const (
	Simulation = "simulation"
	User       = "user"
	File       = "file"
	Results    = "results"
	Billing    = "billing"
	Analytics  = "analytics"
)

// ServiceSpec is what DESIGN.md says of a service: its database, its pool
// and the tables it owns.
type ServiceSpec struct {
	Name     string
	Database string
	Pool     PoolSettings
	// TenantRouted services hold tenant data and follow the tenant router.
	TenantRouted bool
	Tables       []*schema.Table
}

// Specs lists the services in a fixed order. Pool sizes are DESIGN.md's:
// results and simulation take the most traffic (progress, results writes).
var Specs = []ServiceSpec{
	{Name: Simulation, Database: "simulation_db", Pool: PoolSettings{Size: 20, Overflow: 30}, TenantRouted: true,
		Tables: []*schema.Table{migrate.SimulationsTable, migrate.ModelsTable, migrate.ModelVersionsTable, migrate.AuditEntriesTable, migrate.OutboxTable, migrate.SimulationTasksTable}},
	{Name: User, Database: "user_db", Pool: PoolSettings{Size: 10, Overflow: 10},
		Tables: []*schema.Table{migrate.OrganizationsTable, migrate.UsersTable, migrate.APIKeysTable, migrate.WebhooksTable, migrate.WebhookDeliveriesTable, migrate.OutboxTable, migrate.NotificationsTable, migrate.ProcessedEventsTable}},
	{Name: File, Database: "file_db", Pool: PoolSettings{Size: 15, Overflow: 15}, TenantRouted: true,
		Tables: []*schema.Table{migrate.WorkbooksTable, migrate.OutboxTable}},
	{Name: Results, Database: "results_db", Pool: PoolSettings{Size: 25, Overflow: 25}, TenantRouted: true,
		Tables: []*schema.Table{migrate.ResultsTable, migrate.ScenarioResultsTable}},
	{Name: Billing, Database: "billing_db", Pool: PoolSettings{Size: 10, Overflow: 10},
		Tables: []*schema.Table{migrate.UsageRecordsTable, migrate.QuotaOverridesTable, migrate.QuotaAccountsTable, migrate.ProcessedEventsTable}},
	{Name: Analytics, Database: "analytics_db", Pool: PoolSettings{Size: 15, Overflow: 15},
		Tables: []*schema.Table{migrate.AnalyticsEventsTable, migrate.ProcessedEventsTable}},
}

// Spec returns the spec of the named service.
func Spec(name string) (ServiceSpec, bool) {
	for _, s := range Specs {
		if s.Name == name {
			return s, true
		}
	}
	return ServiceSpec{}, false
}
