package server

import (
	"context"
	"fmt"
	"github.com/simgraph/simgraph/server/audit"
	"log/slog"
	"net/http"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/server/admin"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/server/files"
	"github.com/simgraph/simgraph/server/health"
	"github.com/simgraph/simgraph/server/quota"
	"github.com/simgraph/simgraph/server/rest"
	"github.com/simgraph/simgraph/server/tenancy"
)

// Operations is the machinery beside the request path: statement metrics on every service
// client, versioned migrations, the outbox relay and its consumers,
// notifications, quotas and the rate limit, and the enterprise REST API.
type Operations struct {
	log       *slog.Logger
	Recorders map[string]*admin.Recorder
	Migrator  *admin.Migrator
	Admin     *admin.Service
	Quotas    *quota.Service
	Inbox     *events.Inbox
	Bus       events.Bus
	Relay     *events.Relay
	Consumers *events.Runner
	Audit     *audit.Service
	counter   quota.Counter
	tiers     map[tenancy.Tier]quota.Limits // the configured tier quotas
}

// openOperations instruments every service database's ent client with a
// statement recorder and brings each database to the current schema
// version (the tables of admin.ServiceTables included). It runs after
// database.Store.Migrate and before anything uses a client.
func openOperations(ctx context.Context, cfg *config.Config, store *database.Store, log *slog.Logger) (*Operations, error) {
	p := &Operations{log: log, Recorders: map[string]*admin.Recorder{}}
	tiers, err := quota.Configure(cfg.QuotaLimits)
	if err != nil {
		return nil, err
	}
	p.tiers = tiers
	for _, c := range store.All() {
		rec := &admin.Recorder{}
		p.Recorders[c.Spec.Name] = rec
		c.Client = ent.NewClient(ent.Driver(admin.Instrument(entsql.OpenDB(c.Dialect, c.DB), rec)))
	}
	p.Migrator = &admin.Migrator{Targets: func() []admin.Target { return admin.ServiceTargets(store, true) }}
	if !cfg.Embedded() {
		p.Migrator.LockDB = store.Service(database.User).DB
	}
	start := &admin.Migrator{Targets: func() []admin.Target { return admin.ServiceTargets(store, false) }, LockDB: p.Migrator.LockDB}
	rep, err := start.Run(ctx, false)
	if err != nil {
		return nil, err
	}
	for _, d := range rep.Databases {
		if d.Status == admin.StatusFailed {
			return nil, fmt.Errorf("migrating %s: %s", d.Database, *d.Error)
		}
	}
	return p, nil
}

// wire connects the operations to the App's services (outbox writers, quota
// checks), builds the admin service, and starts the consumers and (unless
// SIMGRAPH_RELAY=false) the relay in the App's background context. clients is the App's router of service
// clients.
func (p *Operations) wire(a *App, checker *health.Checker, clients files.Clients) {
	store, cfg := a.Store, a.cfg
	var hub events.Notifier
	if a.Redis != nil {
		prefix := redisPrefix(cfg)
		bus := events.NewRedis(a.Redis, RedisKeyPrefix(cfg), p.log)
		bus.ClaimAfter = cfg.JobReclaimAfter
		p.Bus, hub = bus, events.NewRedisNotifier(a.Redis, prefix, p.log)
		p.counter = &quota.RedisCounter{RDB: a.Redis, Prefix: prefix}
	} else {
		p.Bus, hub = events.NewMemory(), events.NewMemoryNotifier()
		p.counter = &quota.MemoryCounter{}
	}
	client := func(name string) *ent.Client { return store.Service(name).Client }
	p.Relay = &events.Relay{Bus: p.Bus, Log: p.log, Sources: func() []events.Source {
		// The owner's clients: the relay reads every tenant's rows, in the
		// shared databases and in every dedicated one.
		sources := []events.Source{
			{Name: database.Simulation, Client: client(database.Simulation)},
			{Name: database.File, Client: client(database.File)},
			{Name: database.User, Client: client(database.User)},
		}
		if a.Router == nil {
			return sources
		}
		for _, svc := range []string{database.Simulation, database.File} {
			owners, err := a.Router.DedicatedOwners(a.bg, svc)
			if err != nil {
				p.log.Warn("events: listing dedicated outboxes", "service", svc, "err", err)
			}
			for _, o := range owners {
				sources = append(sources, events.Source{Name: svc + "/" + string(o.TenantID), Client: o.Client})
			}
		}
		return sources
	}}
	p.Relay.AfterLoss = func(ctx context.Context) error {
		var databases []*ent.Client
		for _, s := range p.Relay.Sources() {
			if s.Name == database.Simulation || strings.HasPrefix(s.Name, database.Simulation+"/") {
				databases = append(databases, s.Client)
			}
		}
		n, err := a.Simulations.Requeue(ctx, databases, client(database.User))
		if n > 0 {
			p.log.InfoContext(ctx, "jobs: the queue lost its jobs; unfinished simulations queued again", "simulations", n)
		}
		return err
	}
	a.Accounts.Outbox, a.Accounts.OnCommit = events.Write, p.Relay.Notify
	a.Files.Outbox, a.Files.OnCommit = events.Write, p.Relay.Notify
	a.Simulations.Outbox, a.Simulations.OnCommit = events.Write, p.Relay.Notify
	a.APIKeys.Outbox, a.APIKeys.OnCommit = events.Write, p.Relay.Notify
	a.Webhooks.Outbox, a.Webhooks.OnCommit = events.Write, p.Relay.Notify

	rpm := map[tenancy.Tier]int{}
	for tier, n := range cfg.RateLimits {
		rpm[tenancy.Tier(tier)] = n
	}
	p.Quotas = &quota.Service{Billing: client(database.Billing), Users: client(database.User), Clients: quota.Clients(clients), RequestsPerMinute: rpm, Tiers: p.tiers}
	if !cfg.Embedded() {
		p.Quotas.LockDB = store.Service(database.Billing).DB
	}
	if cfg.Quotas {
		a.Files.CheckQuota = p.Quotas.CheckUpload
		a.Simulations.CheckQuota = p.Quotas.CheckSimulation
	}

	effects := &events.Effects{Billing: client(database.Billing), Analytics: client(database.Analytics), Users: client(database.User), Hub: hub}
	p.Consumers = &events.Runner{Bus: p.Bus, Log: p.log}
	for _, c := range effects.Consumers() {
		p.Consumers.Add(c)
	}
	p.Audit = &audit.Service{Clients: audit.Clients(clients)}
	p.Consumers.Add(p.Audit.Consumer())
	p.Consumers.Add(a.Webhooks.Consumer())
	a.Webhooks.Start(a.bg)
	p.Inbox = &events.Inbox{Users: client(database.User), Hub: hub}
	p.Admin = &admin.Service{Store: store, Accounts: a.Accounts, Clients: admin.Clients(clients), Recorders: p.Recorders,
		Migrator: p.Migrator, Checker: checker}
	if cfg.Relay {
		p.Relay.Start(a.bg)
	}
	p.Consumers.Start(a.bg)
}

// REST is the /enterprise/database/ handler.
func (p *Operations) REST(a *App) http.Handler {
	return rest.New(rest.Deps{Log: p.log, Accounts: a.Accounts, Admin: p.Admin})
}

// RateLimit wraps an authenticated handler with the per-tenant rate limit.
func (p *Operations) RateLimit(next http.Handler) http.Handler {
	return p.Quotas.RateLimit(p.counter, p.log, next)
}

// Stop stops the relay and the consumers and waits for them.
func (p *Operations) Stop() {
	if p.Relay != nil {
		p.Relay.Stop()
	}
	if p.Consumers != nil {
		p.Consumers.Stop()
	}
}
