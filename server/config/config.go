// Package config reads simgraph's configuration: environment variables with
// the SIMGRAPH_ prefix, the same for every subcommand, so that `simgraph
// token` signs with the secret `simgraph serve` verifies.
package config

import (
	"fmt"
	"os"
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
	}
	if c.Env != "development" && c.Env != "production" {
		return nil, fmt.Errorf("SIMGRAPH_ENV: want development or production, got %q", c.Env)
	}
	for _, s := range Services {
		if u := get("SIMGRAPH_"+strings.ToUpper(s)+"_DATABASE_URL", ""); u != "" {
			c.ServiceURLs[s] = u
		}
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

func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("want true or false, got %q", s)
	}
	return b, nil
}
