// Package database opens simgraph's six service databases: SQLite files in
// embedded mode, PostgreSQL databases (created when missing) in server mode.
// Each service owns its tables and migrates only those.
package database

import (
	"entgo.io/ent/dialect/sql/schema"

	"github.com/simgraph/simgraph/ent/migrate"
	"github.com/simgraph/simgraph/server/tenancy"
)

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
	Pool     tenancy.PoolSettings
	// TenantRouted services hold tenant data and follow the tenant router.
	TenantRouted bool
	Tables       []*schema.Table
}

// Specs lists the services in a fixed order. Pool sizes are DESIGN.md's:
// results and simulation take the most traffic (progress, results writes).
var Specs = []ServiceSpec{
	{Name: Simulation, Database: "simulation_db", Pool: tenancy.PoolSettings{Size: 20, Overflow: 30}, TenantRouted: true,
		Tables: []*schema.Table{migrate.SimulationsTable}},
	{Name: User, Database: "user_db", Pool: tenancy.PoolSettings{Size: 10, Overflow: 10},
		Tables: []*schema.Table{migrate.OrganizationsTable, migrate.UsersTable}},
	{Name: File, Database: "file_db", Pool: tenancy.PoolSettings{Size: 15, Overflow: 15}, TenantRouted: true,
		Tables: []*schema.Table{migrate.WorkbooksTable}},
	{Name: Results, Database: "results_db", Pool: tenancy.PoolSettings{Size: 25, Overflow: 25}, TenantRouted: true,
		Tables: []*schema.Table{migrate.ResultsTable}},
	{Name: Billing, Database: "billing_db", Pool: tenancy.PoolSettings{Size: 10, Overflow: 10}},
	{Name: Analytics, Database: "analytics_db", Pool: tenancy.PoolSettings{Size: 15, Overflow: 15}},
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
