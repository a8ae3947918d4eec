// Package admin is the operators' view of the platform: the service
// databases' status and live statistics, a viewer's data summary,
// versioned migrations and the public health report. The GraphQL
// resolvers and the REST endpoints (/enterprise/database/...) both call it.
package admin

import (
	"context"
	"time"

	"entgo.io/ent/dialect/sql/schema"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/migrate"
	"github.com/simgraph/simgraph/ent/organization"
	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/health"
	"github.com/simgraph/simgraph/viewer"
)

// ServiceTables are the operational tables (outbox, inbox, usage, ...), by the service whose database
// owns them. They belong in database.Specs; until they are there, the
// Migrator adds them to each service's own.
var ServiceTables = map[string][]*schema.Table{
	database.Simulation: {migrate.OutboxTable},
	database.User:       {migrate.OutboxTable, migrate.NotificationsTable, migrate.ProcessedEventsTable},
	database.File:       {migrate.OutboxTable},
	database.Billing:    {migrate.UsageRecordsTable, migrate.QuotaOverridesTable, migrate.QuotaAccountsTable, migrate.ProcessedEventsTable},
	database.Analytics:  {migrate.AnalyticsEventsTable, migrate.ProcessedEventsTable},
}

// TablesOf returns every table of a service: its spec's and ServiceTables',
// each once.
func TablesOf(spec database.ServiceSpec) []*schema.Table {
	out := append([]*schema.Table(nil), spec.Tables...)
	for _, t := range ServiceTables[spec.Name] {
		dup := false
		for _, have := range out {
			dup = dup || have.Name == t.Name
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

// Clients returns the ent client of a service for the tenant in ctx.
type Clients func(ctx context.Context, service string) (*ent.Client, error)

// Service answers the admin and summary questions.
type Service struct {
	Store    *database.Store
	Accounts *account.Service
	// Clients reaches the tenant-routed databases for the viewer's tenant.
	Clients Clients
	// Recorders are the statement counters of each service's client.
	Recorders map[string]*Recorder
	Migrator  *Migrator
	Checker   *health.Checker
	// OpenPools, if set (the tenant router), counts open dedicated pools.
	OpenPools func() int
	// Databases, if set (the tenant router), names the databases holding a
	// tenant's data; without it, the shared databases.
	Databases func(ctx context.Context) ([]string, error)
}

// requireAdmin lets ORG_ADMIN and SYSTEM_ADMIN through.
func requireAdmin(ctx context.Context) error {
	v := viewer.FromContext(ctx)
	if v == nil {
		return apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token in the Authorization header")
	}
	if !v.Has(viewer.OrgAdmin) {
		return apperr.Errorf(apperr.Forbidden, "only an organization or system administrator may see the platform's databases")
	}
	return nil
}

// PoolStats are database/sql's live pool statistics.
type PoolStats struct {
	MaxOpen           int     `json:"maxOpen"`
	Open              int     `json:"open"`
	InUse             int     `json:"inUse"`
	Idle              int     `json:"idle"`
	WaitCount         int64   `json:"waitCount"`
	WaitDurationMs    float64 `json:"waitDurationMs"`
	MaxIdleClosed     int64   `json:"maxIdleClosed"`
	MaxIdleTimeClosed int64   `json:"maxIdleTimeClosed"`
	MaxLifetimeClosed int64   `json:"maxLifetimeClosed"`
}

// Pool is a service pool's configuration and live statistics.
type Pool struct {
	Size     int       `json:"size"`
	Overflow int       `json:"overflow"`
	Max      int       `json:"max"`
	Stats    PoolStats `json:"stats"`
}

// ServiceStatus is one service database as it is now.
type ServiceStatus struct {
	Name          string    `json:"name"`
	Database      string    `json:"database"`
	Dialect       string    `json:"dialect"`
	TenantRouted  bool      `json:"tenantRouted"`
	Healthy       bool      `json:"healthy"`
	LatencyMs     float64   `json:"latencyMs"`
	SchemaVersion int       `json:"schemaVersion"`
	Tables        []string  `json:"tables"`
	Pool          Pool      `json:"pool"`
	CheckedAt     time.Time `json:"checkedAt"`
	Error         *string   `json:"error"`
}

func poolOf(c *database.Conn) Pool {
	s := c.DB.Stats()
	return Pool{Size: c.Spec.Pool.Size, Overflow: c.Spec.Pool.Overflow, Max: c.Spec.Pool.Max(), Stats: PoolStats{
		MaxOpen: s.MaxOpenConnections, Open: s.OpenConnections, InUse: s.InUse, Idle: s.Idle,
		WaitCount: s.WaitCount, WaitDurationMs: ms(s.WaitDuration),
		MaxIdleClosed: s.MaxIdleClosed, MaxIdleTimeClosed: s.MaxIdleTimeClosed, MaxLifetimeClosed: s.MaxLifetimeClosed,
	}}
}

// Services pings every service database and reports it (ORG_ADMIN and
// SYSTEM_ADMIN).
func (s *Service) Services(ctx context.Context) ([]*ServiceStatus, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	conns := s.Store.All()
	out := make([]*ServiceStatus, len(conns))
	done := make(chan struct{}, len(conns))
	for i, c := range conns {
		go func() {
			defer func() { done <- struct{}{} }()
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			start := time.Now()
			err := c.Ping(pctx)
			st := &ServiceStatus{Name: c.Spec.Name, Database: displayName(c), Dialect: c.Dialect, TenantRouted: c.Spec.TenantRouted,
				Healthy: err == nil, LatencyMs: ms(time.Since(start)), CheckedAt: time.Now().UTC()}
			if err != nil {
				msg := "unreachable"
				st.Error = &msg
			} else if v, err := version(pctx, Target{DB: c.DB, Dialect: c.Dialect}); err == nil {
				st.SchemaVersion = v
			}
			for _, t := range TablesOf(c.Spec) {
				st.Tables = append(st.Tables, t.Name)
			}
			st.Tables = append(st.Tables, VersionTable)
			st.Pool = poolOf(c)
			out[i] = st
		}()
	}
	for range conns {
		<-done
	}
	return out, nil
}

// ServiceMetrics are one service database's live figures.
type ServiceMetrics struct {
	Name          string  `json:"name"`
	Database      string  `json:"database"`
	Queries       int64   `json:"queries"`
	Errors        int64   `json:"errors"`
	AcquiredConns int     `json:"acquiredConns"`
	IdleConns     int     `json:"idleConns"`
	TotalConns    int     `json:"totalConns"`
	MaxConns      int     `json:"maxConns"`
	Waits         int64   `json:"waits"`
	WaitTimeMs    float64 `json:"waitTimeMs"`
	LatencyP50Ms  float64 `json:"latencyP50Ms"`
	LatencyP90Ms  float64 `json:"latencyP90Ms"`
	LatencyP95Ms  float64 `json:"latencyP95Ms"`
	LatencyP99Ms  float64 `json:"latencyP99Ms"`
	LatencyMaxMs  float64 `json:"latencyMaxMs"`
	// LatencySamples is how many recent statements the quantiles cover.
	LatencySamples int `json:"latencySamples"`
}

// TierCount is how many organizations a tier has.
type TierCount struct {
	Tier    string `json:"tier"`
	Tenants int    `json:"tenants"`
}

// DatabaseMetrics are every service's figures and the tenants'.
type DatabaseMetrics struct {
	Services           []*ServiceMetrics `json:"services"`
	TenantsByTier      []*TierCount      `json:"tenantsByTier"`
	DedicatedPoolsOpen int               `json:"dedicatedPoolsOpen"`
	CollectedAt        time.Time         `json:"collectedAt"`
}

// Metrics returns live connection statistics and statement figures per
// service, tenants by tier and open dedicated pools (ORG_ADMIN and
// SYSTEM_ADMIN).
func (s *Service) Metrics(ctx context.Context) (*DatabaseMetrics, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	m := &DatabaseMetrics{CollectedAt: time.Now().UTC()}
	for _, c := range s.Store.All() {
		st := c.DB.Stats()
		sm := &ServiceMetrics{Name: c.Spec.Name, Database: displayName(c),
			AcquiredConns: st.InUse, IdleConns: st.Idle, TotalConns: st.OpenConnections, MaxConns: st.MaxOpenConnections,
			Waits: st.WaitCount, WaitTimeMs: ms(st.WaitDuration)}
		if r := s.Recorders[c.Spec.Name]; r != nil {
			var l Latency
			sm.Queries, sm.Errors, l = r.Snapshot()
			sm.LatencyP50Ms, sm.LatencyP90Ms, sm.LatencyP95Ms, sm.LatencyP99Ms, sm.LatencyMaxMs, sm.LatencySamples = l.P50, l.P90, l.P95, l.P99, l.Max, l.Samples
		}
		m.Services = append(m.Services, sm)
	}
	var rows []struct {
		Tier  string `json:"tier"`
		Count int    `json:"count"`
	}
	err := s.Store.Service(database.User).Client.Organization.Query().
		GroupBy(organization.FieldTier).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Tier] = r.Count
	}
	for _, t := range []organization.Tier{organization.TierTRIAL, organization.TierSTANDARD, organization.TierPROFESSIONAL, organization.TierENTERPRISE} {
		m.TenantsByTier = append(m.TenantsByTier, &TierCount{Tier: string(t), Tenants: counts[string(t)]})
	}
	if s.OpenPools != nil {
		m.DedicatedPoolsOpen = s.OpenPools()
	}
	return m, nil
}

// Migrate applies pending migrations everywhere (SYSTEM_ADMIN only).
func (s *Service) Migrate(ctx context.Context, dryRun bool) (*MigrationReport, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token in the Authorization header")
	}
	if !v.Has(viewer.SystemAdmin) {
		return nil, apperr.Errorf(apperr.Forbidden, "only a system administrator may run migrations")
	}
	return s.Migrator.Run(ctx, dryRun)
}
