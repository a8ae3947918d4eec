// Package config reads simgraph's configuration: environment variables with
// the SIMGRAPH_ prefix, the same for every subcommand, so that `simgraph
// token` signs with the secret `simgraph serve` verifies.
package config

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Services are the six service databases, in a fixed order.
var Services = []string{"simulation", "user", "file", "results", "billing", "analytics"}

// Config is the whole configuration. Zero values are never used: Load fills
// every field with its documented default.
type Config struct {
	Env      string // "development" or "production"
	Addr     string
	DataDir  string
	LogLevel string

	// PostgresURL switches to server mode; ServiceURLs override it per service.
	PostgresURL    string
	ServiceURLs    map[string]string
	DatabasePrefix string // prepended to every database name (tests use a unique one)
	// PostgresPooler names the connection pooler between simgraph and
	// PostgreSQL: "" (none) or PoolerPgBouncer. Load has then already put
	// a pooler-safe query mode into PostgresURL and ServiceURLs.
	PostgresPooler string
	RedisURL       string

	JWTSecret    string
	JWKSURL      string
	JWTIssuer    string
	JWTAudience  string
	EmailClaim   string
	OrgClaim     string
	OrgNameClaim string
	RolesClaim   string
	DefaultTier  string

	// OIDCIssuer turns on browser sign-in with that OpenID Connect issuer
	// (authorization code + PKCE, OIDCClientID a public client): its
	// discovery document gives the endpoints and, unless JWKSURL is set,
	// the signing keys. OIDCAudience is the aud required of its tokens
	// (the client ID when empty: the ID token is then the bearer);
	// OIDCScopes are asked for; OIDCName labels the sign-in button.
	OIDCIssuer   string
	OIDCClientID string
	OIDCAudience string
	OIDCScopes   []string
	OIDCName     string

	ShutdownGrace  time.Duration
	MaxQueryDepth  int
	MaxComplexity  int
	MaxBodyBytes   int64
	MaxUploadBytes int64
	CORSOrigins    []string
	Introspection  bool
	MaxTenantPools int
	DemoOrg        bool

	// MaxAliases caps aliased fields per GraphQL operation,
	// MaxResponseBytes one GraphQL response's JSON.
	MaxAliases       int
	MaxResponseBytes int64

	MaxSubscriptionsPerConnection int

	Workers         int           // simulations this process runs at once
	MaxIterations   int           // platform bound per simulation; tier quotas apply below it
	JobReclaimAfter time.Duration // server mode: a job silent this long is rerun elsewhere

	// ChunkedAbove is the iterations beyond which a run is split into
	// chunk-range tasks that every replica's workers share (0: never);
	// ChunkTaskIterations is the size of a task.
	ChunkedAbove        int
	ChunkTaskIterations int
	// TaskSpillBytes bounds the disk a replica's kept first-pass outputs
	// of split runs take (0: none kept, every pass evaluates the model);
	// TaskAffinityWait is how long a later pass's task waits for the
	// replica that kept its range before any replica takes it (0: no
	// routing).
	TaskSpillBytes   int
	TaskAffinityWait time.Duration
	// EngineWorkers is each simulation's (and task's) engine parallelism
	// (0: every core); SummaryMemory the engine's Options.SummaryMemory
	// (0: its default, negative: always streamed).
	EngineWorkers int
	SummaryMemory int

	// RateLimits are API requests per minute per organization, by tier
	// (TRIAL, STANDARD, PROFESSIONAL, ENTERPRISE); a tier not set keeps
	// quota.DefaultRequestsPerMinute.
	RateLimits map[string]int
	// QuotaLimits are the configured tier quotas, by <TIER>_<LIMIT>
	// (SIMGRAPH_QUOTA_STANDARD_ITERATIONS is STANDARD_ITERATIONS); the
	// others keep quota.TierLimits.
	QuotaLimits map[string]int64
	// Quotas switches the tier quotas on (the default); off serves
	// development experiments and tests that need runs beyond a tier.
	Quotas bool
	// Relay runs the outbox relay in this process (the default). Replicas
	// may leave it to one process of their own, which can then be
	// restarted or killed apart from them; events wait in the outboxes.
	Relay bool
	// WebhookAllowPrivate lets webhooks reach loopback, private and
	// link-local addresses (tests, development); off, such URLs are
	// refused on creation and at every connection.
	WebhookAllowPrivate bool
	// WebhookRetryBase is the first retry delay of a failed delivery;
	// each further one doubles, up to an hour.
	WebhookRetryBase time.Duration
}

// Embedded reports whether the server runs on SQLite and in-process buses.
func (c *Config) Embedded() bool { return c.PostgresURL == "" && len(c.ServiceURLs) == 0 }

// Development reports whether development conveniences are on.
func (c *Config) Development() bool { return c.Env != "production" }

// Var documents one environment variable; the README's table is this list.
type Var struct {
	Name, Default, Help string
}

// Vars lists every variable Load reads, with its default.
var Vars = []Var{
	{"SIMGRAPH_ENV", "development", "development or production (production turns off development sign-in and introspection by default)"},
	{"SIMGRAPH_ADDR", ":8080", "listen address of `serve` (--addr overrides)"},
	{"SIMGRAPH_DATA_DIR", "./data", "embedded mode: SQLite files and the generated JWT secret"},
	{"SIMGRAPH_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"SIMGRAPH_POSTGRES_URL", "", "server mode: PostgreSQL server; service databases are created on it if missing"},
	{"SIMGRAPH_<SERVICE>_DATABASE_URL", "", "per-service PostgreSQL URL (SERVICE = SIMULATION, USER, FILE, RESULTS, BILLING, ANALYTICS)"},
	{"SIMGRAPH_POSTGRES_POOLER", "", "pgbouncer when the PostgreSQL URLs point at PgBouncer in transaction pooling mode: connections then use no server-side prepared statements (default_query_exec_mode=exec)"},
	{"SIMGRAPH_DATABASE_PREFIX", "", "prefix of every database name (e.g. per test run)"},
	{"SIMGRAPH_REDIS_URL", "", "server mode: Redis for jobs, events and progress"},
	{"SIMGRAPH_JWT_SECRET", "", "HS256 secret for development tokens (embedded: generated into the data dir)"},
	{"SIMGRAPH_JWKS_URL", "", "JWKS of an OIDC issuer (RS256/ES256), e.g. https://TENANT.auth0.com/.well-known/jwks.json"},
	{"SIMGRAPH_JWT_ISSUER", "simgraph", "required `iss` claim"},
	{"SIMGRAPH_JWT_AUDIENCE", "simgraph", "required `aud` claim"},
	{"SIMGRAPH_EMAIL_CLAIM", "email", "claim holding the email"},
	{"SIMGRAPH_ORG_CLAIM", "org", "claim holding the organization key (Auth0: a namespaced claim such as https://example.com/org)"},
	{"SIMGRAPH_ORG_NAME_CLAIM", "org_name", "claim holding the organization's display name"},
	{"SIMGRAPH_ROLES_CLAIM", "roles", "claim holding the roles (MEMBER, ORG_ADMIN, SYSTEM_ADMIN)"},
	{"SIMGRAPH_OIDC_ISSUER", "", "OpenID Connect issuer for browser sign-in (authorization code + PKCE), e.g. https://TENANT.auth0.com/; its tokens (RS256/ES256) are verified with the keys of its discovery document's jwks_uri unless SIMGRAPH_JWKS_URL is set, and must carry this `iss`"},
	{"SIMGRAPH_OIDC_CLIENT_ID", "", "the issuer's public client (no secret) for the web app; its redirect URI is https://HOST/auth/callback"},
	{"SIMGRAPH_OIDC_AUDIENCE", "", "`aud` required of the issuer's tokens; empty: the client ID (the web app sends the ID token); set (an API identifier): the web app asks for it and sends the access token"},
	{"SIMGRAPH_OIDC_SCOPES", "openid profile email", "scopes the web app asks for (space-separated, must include openid; add offline_access for refresh tokens where the issuer needs it)"},
	{"SIMGRAPH_OIDC_NAME", "", "the issuer's name on the sign-in button (\"Sign in with NAME\"); default its host"},
	{"SIMGRAPH_DEFAULT_TIER", "STANDARD", "tier of a newly provisioned organization"},
	{"SIMGRAPH_SHUTDOWN_GRACE", "10s", "time allowed to finish in-flight requests on SIGINT/SIGTERM"},
	{"SIMGRAPH_MAX_QUERY_DEPTH", "12", "deepest selection a GraphQL operation may have"},
	{"SIMGRAPH_MAX_COMPLEXITY", "200000", "highest cost a GraphQL operation may have (paged fields count each item they can return)"},
	{"SIMGRAPH_MAX_ALIASES", "50", "most aliased fields (alias differing from the field name) a GraphQL operation may have, fragments counted where spread"},
	{"SIMGRAPH_MAX_RESPONSE_BYTES", "8388608", "largest GraphQL response (JSON bytes); a larger one is replaced by a BAD_USER_INPUT error"},
	{"SIMGRAPH_MAX_BODY_BYTES", "1048576", "largest non-upload request body"},
	{"SIMGRAPH_MAX_UPLOAD_BYTES", "524288000", "largest multipart upload (tier quotas apply below it)"},
	{"SIMGRAPH_CORS_ORIGINS", "", "comma-separated allowed origins; * allows any (development default: *)"},
	{"SIMGRAPH_INTROSPECTION", "", "true/false; default true in development, false in production"},
	{"SIMGRAPH_MAX_TENANT_POOLS", "64", "open dedicated tenant database pools kept (LRU)"},
	{"SIMGRAPH_DEMO", "true", "embedded mode: create a demo organization and print a token at first start"},
	{"SIMGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION", "20", "subscriptions one websocket may hold at once"},
	{"SIMGRAPH_WORKERS", "2", "simulations this process runs at once (each uses every core); 0 serves the API only"},
	{"SIMGRAPH_MAX_ITERATIONS", "10000000", "most iterations any simulation may ask for"},
	{"SIMGRAPH_RELAY", "true", "run the outbox relay (outbox to event bus) in this process; false leaves it to another process, e.g. one started with SIMGRAPH_WORKERS=0 SIMGRAPH_RELAY=true"},
	{"SIMGRAPH_CHUNKED_ABOVE", "2000000", "a run of more iterations is split into chunk-range tasks that the workers of every replica share (the same result, bit for bit); 0 never splits"},
	{"SIMGRAPH_CHUNK_TASK_ITERATIONS", "262144", "iterations per task of a split run (rounded up to whole chunks of 1,024)"},
	{"SIMGRAPH_TASK_SPILL_BYTES", "2147483648", "disk (an unlinked temporary file per split run) a replica may take to keep the outputs of the ranges it evaluated in a split run's first pass, so that it replays them in the later passes; 0 keeps none (every pass evaluates the model)"},
	{"SIMGRAPH_TASK_AFFINITY_WAIT", "3s", "server mode: a later pass's task goes first to the replica that kept its range; after this long without a partial from that replica, any replica takes it (and evaluates the model); 0 does not route"},
	{"SIMGRAPH_ENGINE_WORKERS", "0", "engine goroutines per simulation or task; 0 uses every core"},
	{"SIMGRAPH_SUMMARY_MEMORY", "0", "bytes a simulation's exact summary may take (0: the engine's 16 MiB; negative: always streamed, as split runs are)"},
	{"SIMGRAPH_JOB_RECLAIM_AFTER", "30s", "server mode: a running job not heard from for this long is taken over by another replica"},
	{"SIMGRAPH_WEBHOOK_ALLOW_PRIVATE", "false", "let webhooks reach loopback, private and link-local addresses (development and tests only: otherwise refused, against SSRF)"},
	{"SIMGRAPH_WEBHOOK_RETRY_BASE", "10s", "delay before a failed webhook delivery is retried; doubled at each attempt up to 1h, 10 attempts in all"},
	{"SIMGRAPH_QUOTAS", "true", "enforce the tier quotas (concurrent simulations, iterations, simulations per month, upload, storage); false turns them off"},
	{"SIMGRAPH_RATE_LIMIT_TRIAL", "600", "API requests per minute of a TRIAL organization (RATE_LIMITED, HTTP 429, beyond)"},
	{"SIMGRAPH_RATE_LIMIT_STANDARD", "3000", "API requests per minute of a STANDARD organization"},
	{"SIMGRAPH_RATE_LIMIT_PROFESSIONAL", "12000", "API requests per minute of a PROFESSIONAL organization"},
	{"SIMGRAPH_RATE_LIMIT_ENTERPRISE", "60000", "API requests per minute of an ENTERPRISE organization"},
	{"SIMGRAPH_QUOTA_<TIER>_<LIMIT>", "", "a tier's quota (TIER = TRIAL, STANDARD, PROFESSIONAL, ENTERPRISE; LIMIT = CONCURRENT_SIMULATIONS, ITERATIONS, SIMULATIONS_PER_MONTH, UPLOAD_BYTES, STORAGE_BYTES), e.g. SIMGRAPH_QUOTA_STANDARD_ITERATIONS=2000000"},
}

// quotaTiers and quotaLimits name the SIMGRAPH_QUOTA_<TIER>_<LIMIT>
// settings (quota.SettingNames; quota.Configure checks them).
var (
	quotaTiers  = []string{"TRIAL", "STANDARD", "PROFESSIONAL", "ENTERPRISE"}
	quotaLimits = []string{"CONCURRENT_SIMULATIONS", "ITERATIONS", "SIMULATIONS_PER_MONTH", "UPLOAD_BYTES", "STORAGE_BYTES"}
)

// Load reads the environment through getenv (os.Getenv when nil).
func Load(getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := &Config{
		Env:            get("SIMGRAPH_ENV", "development"),
		Addr:           get("SIMGRAPH_ADDR", ":8080"),
		DataDir:        get("SIMGRAPH_DATA_DIR", "./data"),
		LogLevel:       get("SIMGRAPH_LOG_LEVEL", "info"),
		PostgresURL:    get("SIMGRAPH_POSTGRES_URL", ""),
		ServiceURLs:    map[string]string{},
		DatabasePrefix: get("SIMGRAPH_DATABASE_PREFIX", ""),
		RedisURL:       get("SIMGRAPH_REDIS_URL", ""),
		JWTSecret:      get("SIMGRAPH_JWT_SECRET", ""),
		JWKSURL:        get("SIMGRAPH_JWKS_URL", ""),
		JWTIssuer:      get("SIMGRAPH_JWT_ISSUER", "simgraph"),
		JWTAudience:    get("SIMGRAPH_JWT_AUDIENCE", "simgraph"),
		EmailClaim:     get("SIMGRAPH_EMAIL_CLAIM", "email"),
		OrgClaim:       get("SIMGRAPH_ORG_CLAIM", "org"),
		OrgNameClaim:   get("SIMGRAPH_ORG_NAME_CLAIM", "org_name"),
		RolesClaim:     get("SIMGRAPH_ROLES_CLAIM", "roles"),
		DefaultTier:    strings.ToUpper(get("SIMGRAPH_DEFAULT_TIER", "STANDARD")),
		OIDCIssuer:     get("SIMGRAPH_OIDC_ISSUER", ""),
		OIDCClientID:   get("SIMGRAPH_OIDC_CLIENT_ID", ""),
		OIDCAudience:   get("SIMGRAPH_OIDC_AUDIENCE", ""),
		OIDCScopes:     strings.Fields(get("SIMGRAPH_OIDC_SCOPES", "openid profile email")),
		OIDCName:       get("SIMGRAPH_OIDC_NAME", ""),
	}
	if c.Env != "development" && c.Env != "production" {
		return nil, fmt.Errorf("SIMGRAPH_ENV: want development or production, got %q", c.Env)
	}
	if err := c.checkOIDC(); err != nil {
		return nil, err
	}
	for _, s := range Services {
		if u := get("SIMGRAPH_"+strings.ToUpper(s)+"_DATABASE_URL", ""); u != "" {
			c.ServiceURLs[s] = u
		}
	}
	if err := c.applyPooler(strings.ToLower(get("SIMGRAPH_POSTGRES_POOLER", ""))); err != nil {
		return nil, err
	}
	switch c.DefaultTier {
	case "TRIAL", "STANDARD", "PROFESSIONAL", "ENTERPRISE":
	default:
		return nil, fmt.Errorf("SIMGRAPH_DEFAULT_TIER: want TRIAL, STANDARD, PROFESSIONAL or ENTERPRISE, got %q", c.DefaultTier)
	}
	var err error
	if c.ShutdownGrace, err = time.ParseDuration(get("SIMGRAPH_SHUTDOWN_GRACE", "10s")); err != nil {
		return nil, fmt.Errorf("SIMGRAPH_SHUTDOWN_GRACE: %w", err)
	}
	ints := []struct {
		name, def string
		dst       *int
	}{
		{"SIMGRAPH_MAX_QUERY_DEPTH", "12", &c.MaxQueryDepth},
		{"SIMGRAPH_MAX_COMPLEXITY", "200000", &c.MaxComplexity},
		{"SIMGRAPH_MAX_ALIASES", "50", &c.MaxAliases},
		{"SIMGRAPH_MAX_TENANT_POOLS", "64", &c.MaxTenantPools},
		{"SIMGRAPH_MAX_ITERATIONS", "10000000", &c.MaxIterations},
		{"SIMGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION", "20", &c.MaxSubscriptionsPerConnection},
	}
	if c.Workers, err = strconv.Atoi(get("SIMGRAPH_WORKERS", "2")); err != nil || c.Workers < 0 {
		return nil, fmt.Errorf("SIMGRAPH_WORKERS: want 0 (API only) or more")
	}
	for _, v := range ints {
		n, err := strconv.Atoi(get(v.name, v.def))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s: want a positive integer, got %q", v.name, get(v.name, v.def))
		}
		*v.dst = n
	}
	if c.JobReclaimAfter, err = time.ParseDuration(get("SIMGRAPH_JOB_RECLAIM_AFTER", "30s")); err != nil || c.JobReclaimAfter < time.Second {
		return nil, fmt.Errorf("SIMGRAPH_JOB_RECLAIM_AFTER: want a duration of at least 1s")
	}
	if c.MaxBodyBytes, err = strconv.ParseInt(get("SIMGRAPH_MAX_BODY_BYTES", "1048576"), 10, 64); err != nil || c.MaxBodyBytes <= 0 {
		return nil, fmt.Errorf("SIMGRAPH_MAX_BODY_BYTES: want a positive integer")
	}
	if c.MaxResponseBytes, err = strconv.ParseInt(get("SIMGRAPH_MAX_RESPONSE_BYTES", "8388608"), 10, 64); err != nil || c.MaxResponseBytes <= 0 {
		return nil, fmt.Errorf("SIMGRAPH_MAX_RESPONSE_BYTES: want a positive integer")
	}
	if c.MaxUploadBytes, err = strconv.ParseInt(get("SIMGRAPH_MAX_UPLOAD_BYTES", "524288000"), 10, 64); err != nil || c.MaxUploadBytes <= 0 {
		return nil, fmt.Errorf("SIMGRAPH_MAX_UPLOAD_BYTES: want a positive integer")
	}
	c.RateLimits = map[string]int{}
	for _, tier := range []string{"TRIAL", "STANDARD", "PROFESSIONAL", "ENTERPRISE"} {
		name := "SIMGRAPH_RATE_LIMIT_" + tier
		if v := get(name, ""); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%s: want a positive integer, got %q", name, v)
			}
			c.RateLimits[tier] = n
		}
	}
	c.QuotaLimits = map[string]int64{}
	for _, tier := range quotaTiers {
		for _, limit := range quotaLimits {
			name := "SIMGRAPH_QUOTA_" + tier + "_" + limit
			if v := get(name, ""); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n <= 0 {
					return nil, fmt.Errorf("%s: want a positive integer, got %q", name, v)
				}
				c.QuotaLimits[tier+"_"+limit] = n
			}
		}
	}
	origins := get("SIMGRAPH_CORS_ORIGINS", "")
	if origins == "" && c.Development() {
		origins = "*"
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	if c.Introspection, err = parseBool(get("SIMGRAPH_INTROSPECTION", strconv.FormatBool(c.Development()))); err != nil {
		return nil, fmt.Errorf("SIMGRAPH_INTROSPECTION: %w", err)
	}
	for _, v := range []struct {
		name, def string
		dst       *int
		min       int
	}{
		{"SIMGRAPH_CHUNKED_ABOVE", "2000000", &c.ChunkedAbove, 0},
		{"SIMGRAPH_CHUNK_TASK_ITERATIONS", "262144", &c.ChunkTaskIterations, 1},
		{"SIMGRAPH_TASK_SPILL_BYTES", "2147483648", &c.TaskSpillBytes, 0},
		{"SIMGRAPH_ENGINE_WORKERS", "0", &c.EngineWorkers, 0},
		{"SIMGRAPH_SUMMARY_MEMORY", "0", &c.SummaryMemory, math.MinInt},
	} {
		n, err := strconv.Atoi(get(v.name, v.def))
		if err != nil || n < v.min {
			return nil, fmt.Errorf("%s: want an integer of at least %d, got %q", v.name, v.min, get(v.name, v.def))
		}
		*v.dst = n
	}
	if c.TaskAffinityWait, err = time.ParseDuration(get("SIMGRAPH_TASK_AFFINITY_WAIT", "3s")); err != nil || c.TaskAffinityWait < 0 {
		return nil, fmt.Errorf("SIMGRAPH_TASK_AFFINITY_WAIT: a duration of 0 or more, e.g. 3s")
	}
	if c.Quotas, err = parseBool(get("SIMGRAPH_QUOTAS", "true")); err != nil {
		return nil, fmt.Errorf("SIMGRAPH_QUOTAS: %w", err)
	}
	if c.WebhookAllowPrivate, err = parseBool(get("SIMGRAPH_WEBHOOK_ALLOW_PRIVATE", "false")); err != nil {
		return nil, fmt.Errorf("SIMGRAPH_WEBHOOK_ALLOW_PRIVATE: %w", err)
	}
	if c.WebhookRetryBase, err = time.ParseDuration(get("SIMGRAPH_WEBHOOK_RETRY_BASE", "10s")); err != nil || c.WebhookRetryBase <= 0 {
		return nil, fmt.Errorf("SIMGRAPH_WEBHOOK_RETRY_BASE: a positive duration, e.g. 10s")
	}
	if c.Relay, err = parseBool(get("SIMGRAPH_RELAY", "true")); err != nil {
		return nil, fmt.Errorf("SIMGRAPH_RELAY: %w", err)
	}
	if c.DemoOrg, err = parseBool(get("SIMGRAPH_DEMO", "true")); err != nil {
		return nil, fmt.Errorf("SIMGRAPH_DEMO: %w", err)
	}
	return c, nil
}

// checkOIDC refuses an OIDC configuration that cannot work or is unsafe:
// an issuer needs a client, asks for openid, and is https except on this
// machine or in development (a token's keys and endpoints come from it).
func (c *Config) checkOIDC() error {
	if c.OIDCIssuer == "" {
		if c.OIDCClientID != "" || c.OIDCAudience != "" {
			return fmt.Errorf("SIMGRAPH_OIDC_CLIENT_ID and SIMGRAPH_OIDC_AUDIENCE need SIMGRAPH_OIDC_ISSUER")
		}
		return nil
	}
	u, err := url.Parse(c.OIDCIssuer)
	if err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("SIMGRAPH_OIDC_ISSUER: want the issuer's URL, e.g. https://TENANT.auth0.com/, got %q", c.OIDCIssuer)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && c.OIDCAllowHTTP()) {
		return fmt.Errorf("SIMGRAPH_OIDC_ISSUER: must be https (http only in development or on localhost), got %q", c.OIDCIssuer)
	}
	if c.OIDCClientID == "" {
		return fmt.Errorf("SIMGRAPH_OIDC_ISSUER needs SIMGRAPH_OIDC_CLIENT_ID (the web app's public client)")
	}
	if !slices.Contains(c.OIDCScopes, "openid") {
		return fmt.Errorf("SIMGRAPH_OIDC_SCOPES: must include openid, got %q", strings.Join(c.OIDCScopes, " "))
	}
	if c.OIDCName == "" {
		c.OIDCName = u.Host
	}
	return nil
}

// OIDCAllowHTTP reports whether the issuer and its endpoints may be plain
// http: in development, or when the issuer is on this machine.
func (c *Config) OIDCAllowHTTP() bool {
	if c.Development() {
		return true
	}
	u, err := url.Parse(c.OIDCIssuer)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// PoolerPgBouncer is SIMGRAPH_POSTGRES_POOLER's value for PgBouncer in
// transaction pooling mode.
const PoolerPgBouncer = "pgbouncer"

// PoolerQueryExecMode is the pgx query mode used through a transaction
// pooler. pgx's default (cache_statement) prepares named statements on the
// server connection, which the pooler hands to other clients after each
// transaction: the next statement finds its prepared statement missing, or
// another client's of the same name present. exec sends each statement in
// one round trip as an unnamed statement, leaving nothing behind, and keeps
// parameters server-side (simple_protocol would interpolate them).
const PoolerQueryExecMode = "exec"

// applyPooler puts PoolerQueryExecMode into every PostgreSQL URL when a
// transaction pooler sits in front of PostgreSQL, unless a URL already
// names a mode that is safe there. Dedicated tenant databases on the same
// server inherit it through PostgresURL.
func (c *Config) applyPooler(pooler string) error {
	switch pooler {
	case "", "none":
		return nil
	case PoolerPgBouncer:
	default:
		return fmt.Errorf("SIMGRAPH_POSTGRES_POOLER: want pgbouncer or nothing, got %q", pooler)
	}
	c.PostgresPooler = pooler
	fix := func(name, dsn string) (string, error) {
		if dsn == "" {
			return "", nil
		}
		u, err := url.Parse(dsn)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return "", fmt.Errorf("%s: SIMGRAPH_POSTGRES_POOLER needs a postgres:// URL", name)
		}
		q := u.Query()
		switch q.Get("default_query_exec_mode") {
		case "":
			q.Set("default_query_exec_mode", PoolerQueryExecMode)
		case "exec", "simple_protocol":
		default:
			return "", fmt.Errorf("%s: default_query_exec_mode=%s prepares statements on the server, which a transaction pooler does not keep; use exec or simple_protocol", name, q.Get("default_query_exec_mode"))
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	var err error
	if c.PostgresURL, err = fix("SIMGRAPH_POSTGRES_URL", c.PostgresURL); err != nil {
		return err
	}
	for s, dsn := range c.ServiceURLs {
		if c.ServiceURLs[s], err = fix("SIMGRAPH_"+strings.ToUpper(s)+"_DATABASE_URL", dsn); err != nil {
			return err
		}
	}
	return nil
}

func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("want true or false, got %q", s)
	}
	return b, nil
}
