// Package server wires simgraph's pieces into a running server: databases,
// Redis, authentication, GraphQL and HTTP. Each concern is a subpackage;
// this package only connects them.
package server

import (
	"context"
	"github.com/simgraph/simgraph/server/apikey"
	"github.com/simgraph/simgraph/server/webhook"

	"encoding/json"
	"entgo.io/ent/dialect"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/simgraph/simgraph/graph"
	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/admin"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/files"
	"github.com/simgraph/simgraph/server/health"
	"github.com/simgraph/simgraph/server/httpserver"
	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/server/metrics"
	"github.com/simgraph/simgraph/server/progress"
	"github.com/simgraph/simgraph/server/report"
	"github.com/simgraph/simgraph/server/simulation"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/viewer"
	"github.com/simgraph/simgraph/web"
)

// Version is set at build time with -ldflags.
var Version = "dev"

// RunOpts are what a caller of Run may observe or replace.
type RunOpts struct {
	Log *slog.Logger
	// Out receives the human-readable start banner (URL, demo token).
	Out io.Writer
	// Listening is called with the App and the bound address once the
	// server accepts connections (tests listen on :0).
	Listening func(app *App, addr net.Addr)
}

// App is a configured, not yet listening server.
type App struct {
	cfg         *config.Config
	log         *slog.Logger
	Store       *database.Store
	Redis       redis.UniversalClient
	Accounts    *account.Service
	Authn       *account.Authenticator
	APIKeys     *apikey.Service
	Webhooks    *webhook.Service
	Files       *files.Service
	Simulations *simulation.Service
	Reports     *report.Service
	Worker      *simulation.Worker
	Queue       jobs.Queue
	Progress    progress.Broker
	// Shared runs each distinct progress subscription once for all its
	// subscribers.
	Shared *graph.SharedSubscriptions
	HTTP   *httpserver.Server
	Secret []byte

	// bg lives until Close: the broker's and queue's subscriptions and the
	// workers run in it.
	bg          context.Context
	stopBg      context.CancelFunc
	workersDone chan struct{}
	// work, a child of bg, is the workers' context: ending it first lets
	// them hand their jobs back while Redis is still open.
	work     context.Context
	stopWork context.CancelFunc

	// tasks and partials carry split runs' chunk-range tasks (chunked.go).
	tasks    jobs.TaskQueue
	partials jobs.Partials
	// replica names this process in task records: its consumer name.
	replica string

	// Operations is the machinery beside the request path (server/operations.go).
	Operations *Operations
	// Router picks each tenant's database; Mover moves tenants between
	// tiers.
	Router *tenancy.Router
	Mover  *tenancy.Mover
}

// Open builds the App: opens and migrates the databases, connects to Redis
// in server mode and assembles the handlers.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	started := time.Now()
	secret, err := cfg.Secret()
	if err != nil {
		return nil, err
	}
	oidc := newOIDC(cfg)
	verifier, err := newVerifier(cfg, secret, oidc)
	if err != nil {
		return nil, err
	}
	store, err := database.Open(ctx, DatabaseOptions(cfg))
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	ops, err := openOperations(ctx, cfg, store, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	router, err := tenancy.NewRouter(ctx, tenancy.RouterOpts{Store: store, Config: cfg, Log: log,
		WrapDriver: func(service string, d dialect.Driver) dialect.Driver {
			return admin.Instrument(d, ops.Recorders[service])
		}})
	if err != nil {
		store.Close()
		return nil, err
	}
	a := &App{cfg: cfg, log: log, Store: store, Secret: secret, Operations: ops, Router: router, Mover: tenancy.NewMover(router)}
	mode := "embedded"
	checker := &health.Checker{Version: Version, Started: started}
	for _, c := range store.All() {
		checker.Add("database:"+c.Spec.Name, c.Ping)
	}
	if !cfg.Embedded() {
		mode = "server"
		if cfg.RedisURL == "" {
			store.Close()
			return nil, fmt.Errorf("server mode needs SIMGRAPH_REDIS_URL")
		}
		rdb, err := config.NewRedisClient(cfg.RedisURL)
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("SIMGRAPH_REDIS_URL: %w", err)
		}
		a.Redis = rdb
		checker.Add("redis", func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() })
	}
	checker.Mode = mode

	a.bg, a.stopBg = context.WithCancel(context.WithoutCancel(ctx))
	if err := a.openQueues(a.bg, cfg); err != nil {
		a.Close()
		return nil, err
	}
	// Tenant traffic goes through the router: the tenant's own database on a
	// dedicated tier, the shared one as the row-level-secured application
	// role otherwise.
	clients := router.Client
	a.Accounts = &account.Service{Users: store.Service(database.User).Client, DefaultTier: tenancy.Tier(cfg.DefaultTier), Placement: router.RoutingPlacement, Mover: a.Mover}
	a.APIKeys = &apikey.Service{Users: store.Service(database.User).Client}
	a.Webhooks = &webhook.Service{Users: store.Service(database.User).Client, AllowPrivate: cfg.WebhookAllowPrivate, RetryBase: cfg.WebhookRetryBase, Log: log}
	a.Authn = &account.Authenticator{Verifier: verifier, Accounts: a.Accounts, APIKey: a.APIKeys.Authenticate, BindAPIKey: a.APIKeys.Bind}
	if a.Redis != nil {
		if err := a.watchRevocations(a.bg, redisPrefix(cfg)); err != nil {
			a.Close()
			return nil, err
		}
	}
	a.Files = files.New(clients, cfg.MaxUploadBytes, 32)
	a.Simulations = &simulation.Service{Clients: clients, Files: a.Files, Queue: a.Queue, Progress: a.Progress, MaxIterations: cfg.MaxIterations}
	a.Worker = &simulation.Worker{Service: a.Simulations, Log: log, PersistEvery: 2 * time.Second, MaxAttempts: 3,
		EngineWorkers: cfg.EngineWorkers, SummaryMemory: cfg.SummaryMemory, Chunking: a.chunking(cfg)}
	a.Operations.wire(a, checker, clients)
	a.Operations.Admin.OpenPools = router.OpenPools
	a.Operations.Admin.Databases = a.tenantDatabases
	a.Operations.Migrator.Dedicated = a.dedicatedTargets
	a.Reports = &report.Service{Simulations: a.Simulations, Files: a.Files, Version: Version}
	m := metrics.New()
	a.Shared = graph.NewSharedSubscriptions()
	m.Register(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "simgraph_shared_subscriptions", Help: "Distinct progress subscriptions executed on behalf of their subscribers."},
			func() float64 { g, _ := a.Shared.Groups(); return float64(g) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "simgraph_shared_subscribers", Help: "Subscribers served by shared progress subscriptions."},
			func() float64 { _, n := a.Shared.Groups(); return float64(n) }),
	)
	gql := graph.NewHandler(&graph.Resolver{Accounts: a.Accounts, Checker: checker, FileService: a.Files, SimulationService: a.Simulations,
		Admin: a.Operations.Admin, Inbox: a.Operations.Inbox, Quotas: a.Operations.Quotas, Audit: a.Operations.Audit, KeyService: a.APIKeys, WebhookService: a.Webhooks}, graph.HandlerOpts{
		Log:            log,
		MaxDepth:       cfg.MaxQueryDepth,
		MaxComplexity:  cfg.MaxComplexity,
		MaxUploadBytes: cfg.MaxUploadBytes,
		Introspection:  cfg.Introspection,
		Origins:        cfg.CORSOrigins,
		WebsocketInit:  a.websocketInit,

		MaxSubscriptionsPerConnection: cfg.MaxSubscriptionsPerConnection,
		Shared:                        a.Shared,

		MaxAliases:       cfg.MaxAliases,
		MaxResponseBytes: cfg.MaxResponseBytes,
	})
	a.HTTP = httpserver.New(httpserver.Deps{
		Log:             log,
		GraphQL:         gql,
		Health:          checker,
		Metrics:         m,
		Authenticate:    a.Authn.Authenticate,
		Bearer:          account.BearerToken,
		CORSOrigins:     cfg.CORSOrigins,
		MaxBodyBytes:    cfg.MaxBodyBytes,
		DevSignIn:       a.devSignIn(),
		AuthConfig:      authConfig(oidc, log),
		Web:             web.Handler(),
		Enterprise:      a.Operations.REST(a),
		Downloads:       a.Reports.Handler(log),
		DownloadsPrefix: report.Prefix,
		RateLimit:       a.Operations.RateLimit,
	})
	// One request scope per request, outermost: an enterprise tenant's
	// reads go to a replica until the request writes (read-your-writes).
	scoped := a.HTTP.Handler
	a.HTTP.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scoped.ServeHTTP(w, r.WithContext(tenancy.WithRequestScope(r.Context())))
	})
	return a, nil
}

// openQueues picks the job queue and progress broker of the mode: Redis in
// server mode (shared by every replica), in-process when embedded.
func (a *App) openQueues(ctx context.Context, cfg *config.Config) error {
	if a.Redis == nil {
		mem := jobs.NewMemory()
		a.Queue = mem
		a.tasks, a.partials = jobs.NewMemoryTasks(mem), jobs.NewMemoryPartials()
		a.Progress = progress.NewMemory(10000)
		return nil
	}
	q, err := jobs.NewRedis(ctx, a.Redis, RedisKeyPrefix(cfg), a.log)
	if err != nil {
		return err
	}
	q.ReclaimAfter = cfg.JobReclaimAfter
	a.Queue = q
	tasks, err := jobs.NewRedisTasks(ctx, q)
	if err != nil {
		return err
	}
	a.tasks, a.partials, a.replica = tasks, jobs.NewRedisPartials(q), q.Consumer()
	if a.Progress, err = progress.NewRedis(ctx, a.Redis, redisPrefix(cfg), a.log); err != nil {
		return err
	}
	return nil
}

// redisPrefix starts every Redis key and channel of the deployment.
func redisPrefix(cfg *config.Config) string { return "simgraph:" + cfg.DatabasePrefix }

// RedisKeyPrefix is redisPrefix as a hash tag, for the job stream, the
// event stream and the event bus's epoch key: on a Redis Cluster they share
// one slot, hence one master, so that a loss the epoch key reveals is a
// loss of the job stream too (the relay queues the jobs again when the
// epoch key is lost). The autoscaler's manifests name the job stream
// through it.
func RedisKeyPrefix(cfg *config.Config) string { return "{" + redisPrefix(cfg) + "}" }

// chunking is how the worker splits large runs, per cfg.
func (a *App) chunking(cfg *config.Config) *simulation.Chunking {
	if cfg.ChunkedAbove <= 0 || a.tasks == nil {
		return nil
	}
	c := &simulation.Chunking{Tasks: a.tasks, Partials: a.partials, Above: cfg.ChunkedAbove, TaskIterations: cfg.ChunkTaskIterations, Replica: a.replica,
		SpillBytes: int64(cfg.TaskSpillBytes)}
	if a.Redis != nil {
		// Routing needs replicas; in process every task runs here.
		c.AffinityWait = cfg.TaskAffinityWait
	}
	return c
}

// StartWorkers runs n simulation workers until the App closes. A process
// started with SIMGRAPH_WORKERS=0 serves the API only; tests start its
// workers when they are ready for jobs to run.
func (a *App) StartWorkers(n int) {
	done := make(chan struct{})
	prev := a.workersDone
	a.workersDone = done
	if a.work == nil {
		a.work, a.stopWork = context.WithCancel(a.bg)
	}
	work := a.work
	go func() {
		defer close(done)
		var tasks sync.WaitGroup
		if c := a.Worker.Chunking; c != nil {
			tasks.Go(func() { a.Worker.WorkTasks(work, n) })
		}
		a.Queue.Work(work, n, a.Worker.Handle)
		tasks.Wait()
		if prev != nil {
			<-prev
		}
	}()
}

// devSignIn hands out the demo user's token in embedded development mode
// only (the web app's one-click sign-in); elsewhere the route is absent.
func (a *App) devSignIn() http.Handler {
	if !a.cfg.Embedded() || !a.cfg.Development() || a.Secret == nil {
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := DemoToken()
		if _, err := a.Accounts.Viewer(r.Context(), &auth.Identity{Subject: p.Subject, Email: p.Email, OrgKey: p.Org, OrgName: p.OrgName, Roles: p.Roles}); err != nil {
			a.log.ErrorContext(r.Context(), "dev sign-in", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		tok, err := auth.Mint(a.Secret, a.cfg.JWTIssuer, a.cfg.JWTAudience, ClaimNames(a.cfg), p)
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]string{"token": tok, "email": p.Email})
	})
}

// websocketInit authenticates a websocket from its connection_init payload
// (Authorization, authorization or authToken; "Bearer " optional), falling
// back to the upgrade request's Authorization header. No token is
// UNAUTHENTICATED like a bad one: the socket closes with 4401.
func (a *App) websocketInit(ctx context.Context, payload transport.InitPayload) (context.Context, error) {
	token := payload.Authorization()
	if token == "" {
		token = payload.GetString("authToken")
	}
	if token == "" {
		if viewer.FromContext(ctx) != nil {
			return ctx, nil
		}
		return ctx, apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token as Authorization in connection_init's payload")
	}
	// The returned context ends at the token's expiry or with the socket,
	// whichever is first; its timer is released either way.
	authed, _, err := a.Authn.Authenticate(ctx, account.BearerToken(token)) //nolint:lostcancel
	return tenancy.WithRequestScope(authed), err
}

// StopWorkers stops taking jobs and tasks and interrupts the running ones,
// which the queue hands back for another replica (server mode), and waits
// for the workers until ctx ends.
func (a *App) StopWorkers(ctx context.Context) {
	if a.stopWork == nil {
		return
	}
	a.stopWork()
	select {
	case <-a.workersDone:
	case <-ctx.Done():
	}
}

// Close stops the workers and releases the databases and Redis.
func (a *App) Close() error {
	if a.stopBg != nil {
		a.stopBg()
	}
	if a.workersDone != nil {
		<-a.workersDone
	}
	if a.Operations != nil {
		a.Operations.Stop()
	}
	var errs []error
	if a.Redis != nil {
		errs = append(errs, a.Redis.Close())
	}
	if a.Router != nil {
		errs = append(errs, a.Router.Close())
	}
	errs = append(errs, a.Store.Close())
	return errors.Join(errs...)
}

// Run serves until ctx ends, then shuts down gracefully: it stops accepting,
// lets in-flight requests finish and ends websockets (with a close frame)
// and SSE streams, all within cfg.ShutdownGrace.
func Run(ctx context.Context, cfg *config.Config, opts RunOpts) error {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	app, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	if cfg.Workers > 0 {
		app.StartWorkers(cfg.Workers)
	}
	srv := &http.Server{Handler: app.HTTP, ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(app.HTTP.CloseStreams)

	if err := app.banner(ctx, opts.Out, ln.Addr()); err != nil {
		ln.Close()
		return err
	}
	log.Info("simgraph serving", "addr", ln.Addr().String(), "mode", map[bool]string{true: "embedded", false: "server"}[cfg.Embedded()], "version", Version)
	if opts.Listening != nil {
		opts.Listening(app, ln.Addr())
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	// The workers hand their running jobs and tasks back while requests
	// drain.
	workersStopped := make(chan struct{})
	go func() {
		defer close(workersStopped)
		app.StopWorkers(shutdownCtx)
	}()
	defer func() { <-workersStopped }()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// banner prints where the server is and, in embedded development mode, a
// token for the demo organization (provisioned on first start).
func (a *App) banner(ctx context.Context, out io.Writer, addr net.Addr) error {
	url := "http://" + displayAddr(addr)
	fmt.Fprintf(out, "simgraph %s listening on %s (GraphQL: %s/graphql)\n", Version, url, url)
	if !a.cfg.Embedded() || !a.cfg.DemoOrg || !a.cfg.Development() || a.Secret == nil {
		return nil
	}
	p := DemoToken()
	if _, err := a.Accounts.Viewer(ctx, &auth.Identity{Subject: p.Subject, Email: p.Email, OrgKey: p.Org, OrgName: p.OrgName, Roles: p.Roles}); err != nil {
		return fmt.Errorf("provisioning demo organization: %w", err)
	}
	token, err := auth.Mint(a.Secret, a.cfg.JWTIssuer, a.cfg.JWTAudience, ClaimNames(a.cfg), p)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo organization %q; development token (valid %s):\n%s\n", p.OrgName, p.TTL, token)
	fmt.Fprintf(out, "try: curl -s %s/graphql -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d '{\"query\":\"{ tenantInfo { tenantId tier databaseTier } me { email } }\"}'\n", url, token)
	return nil
}

// DemoToken describes the embedded demo user.
func DemoToken() auth.TokenParams {
	return auth.TokenParams{Subject: "demo@simgraph.local", Email: "demo@simgraph.local", Org: "demo", OrgName: "Demo Organization", Roles: []string{"ORG_ADMIN"}, TTL: 24 * time.Hour}
}

func displayAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		port := 0
		if ok {
			port = tcp.Port
		}
		return fmt.Sprintf("localhost:%d", port)
	}
	return tcp.String()
}

// ClaimNames are the configured claim names.
func ClaimNames(cfg *config.Config) auth.ClaimNames {
	return auth.ClaimNames{Email: cfg.EmailClaim, Org: cfg.OrgClaim, OrgName: cfg.OrgNameClaim, Roles: cfg.RolesClaim}
}

// DatabaseOptions maps the configuration to where the databases are.
func DatabaseOptions(cfg *config.Config) database.Options {
	return database.Options{DataDir: cfg.DataDir, PostgresURL: cfg.PostgresURL, URLs: cfg.ServiceURLs, Prefix: cfg.DatabasePrefix}
}

// newOIDC is browser sign-in with the configured issuer, or nil.
func newOIDC(cfg *config.Config) *auth.OIDC {
	if cfg.OIDCIssuer == "" {
		return nil
	}
	return &auth.OIDC{Discovery: auth.NewDiscovery(cfg.OIDCIssuer, cfg.OIDCAllowHTTP()), ClientID: cfg.OIDCClientID,
		Audience: cfg.OIDCAudience, Scopes: cfg.OIDCScopes, Name: cfg.OIDCName}
}

// newVerifier accepts development tokens (HS256, SIMGRAPH_JWT_ISSUER and
// _AUDIENCE) when there is a secret, and tokens signed with a JWKS: the
// OIDC issuer's (its iss and audience, keys from SIMGRAPH_JWKS_URL or its
// jwks_uri) or, without one, SIMGRAPH_JWKS_URL's with the JWT issuer and
// audience.
func newVerifier(cfg *config.Config, secret []byte, oidc *auth.OIDC) (*auth.Verifier, error) {
	opts := auth.VerifierOpts{Secret: secret, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, Claims: ClaimNames(cfg), Leeway: 30 * time.Second}
	if cfg.JWKSURL != "" {
		opts.JWKS = auth.NewJWKS(cfg.JWKSURL)
	}
	if oidc != nil {
		if opts.JWKS == nil {
			opts.JWKS = auth.NewJWKS("")
			opts.JWKS.URLFunc = oidc.Discovery.JWKSURL
		}
		opts.KeysIssuer, opts.KeysAudience = cfg.OIDCIssuer, oidc.TokenAudience()
	}
	return auth.NewVerifier(opts)
}

// authConfig serves GET /api/auth/config: the web app's browser sign-in
// settings, {"oidc": null} when there is none. An issuer that cannot be
// discovered is a 503 (the web app offers the other sign-ins meanwhile).
func authConfig(oidc *auth.OIDC, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		if oidc == nil {
			_ = json.NewEncoder(w).Encode(map[string]any{"oidc": nil})
			return
		}
		s, err := oidc.BrowserSignIn(r.Context())
		if err != nil {
			log.WarnContext(r.Context(), "oidc discovery", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]any{"oidc": nil, "error": "the identity provider cannot be reached; try again shortly"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"oidc": s})
	})
}

// OpenDatabases opens every service database without migrating them.
func OpenDatabases(ctx context.Context, cfg *config.Config) (*database.Store, error) {
	return database.Open(ctx, DatabaseOptions(cfg))
}

// tenantDatabases names the databases that hold the viewer's data, as the
// router places them (userDataSummary's routing).
func (a *App) tenantDatabases(ctx context.Context) ([]string, error) {
	v, err := account.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.Router.Placement(ctx, tenancy.ID(v.TenantID))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range p.Locations {
		name := l.Service + ": " + l.Database
		if l.Server != "" {
			name = l.Service + ": " + l.Server + "/" + l.Database
		}
		if len(l.Replicas) > 0 {
			name += " (replicas: " + strings.Join(l.Replicas, ", ") + ")"
		}
		out = append(out, name)
	}
	return out, nil
}

// dedicatedTargets lists every dedicated tenant database for the migrate
// mutation, after the service databases.
func (a *App) dedicatedTargets(ctx context.Context) ([]admin.Target, error) {
	var out []admin.Target
	for _, spec := range database.Specs {
		if !spec.TenantRouted {
			continue
		}
		owners, err := a.Router.DedicatedOwners(ctx, spec.Name)
		if err != nil {
			return nil, err
		}
		for _, o := range owners {
			c := o.Conn
			out = append(out, admin.Target{
				Service: spec.Name, TenantID: string(o.TenantID), Database: c.Name, Dialect: c.Dialect, DB: c.DB,
				Tables: admin.TablesOf(spec), After: c.Migrate,
			})
		}
	}
	return out, nil
}
