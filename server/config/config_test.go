package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestREADMEDocumentsEveryVariable keeps the README's configuration table
// in step with what Load reads.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, v := range Vars {
		require.True(t, strings.Contains(string(readme), "`"+v.Name+"`"), "README.md's configuration table lacks %s", v.Name)
	}
}

func TestLoadDefaultsAndErrors(t *testing.T) {
	t.Parallel()
	c, err := Load(func(string) string { return "" })
	require.NoError(t, err)
	require.True(t, c.Embedded())
	require.True(t, c.Development())
	require.Equal(t, ":8080", c.Addr)
	require.Equal(t, "STANDARD", c.DefaultTier)
	require.Equal(t, []string{"*"}, c.CORSOrigins)
	require.Equal(t, 200000, c.MaxComplexity)
	require.Equal(t, 50, c.MaxAliases)
	require.Equal(t, int64(8<<20), c.MaxResponseBytes)
	require.True(t, c.Relay, "every process relays its outboxes unless told otherwise")

	set, err := Load(func(k string) string {
		return map[string]string{"SIMGRAPH_MAX_ALIASES": "7", "SIMGRAPH_MAX_RESPONSE_BYTES": "4096", "SIMGRAPH_RELAY": "false"}[k]
	})
	require.NoError(t, err)
	require.Equal(t, 7, set.MaxAliases)
	require.Equal(t, int64(4096), set.MaxResponseBytes)
	require.False(t, set.Relay)

	bad := []map[string]string{
		{"SIMGRAPH_ENV": "staging"},
		{"SIMGRAPH_DEFAULT_TIER": "GOLD"},
		{"SIMGRAPH_SHUTDOWN_GRACE": "soon"},
		{"SIMGRAPH_MAX_QUERY_DEPTH": "0"},
		{"SIMGRAPH_MAX_ALIASES": "0"},
		{"SIMGRAPH_MAX_ALIASES": "many"},
		{"SIMGRAPH_MAX_RESPONSE_BYTES": "-1"},
		{"SIMGRAPH_MAX_RESPONSE_BYTES": "8MB"},
		{"SIMGRAPH_WORKERS": "-1"},
		{"SIMGRAPH_INTROSPECTION": "maybe"},
		{"SIMGRAPH_RELAY": "sometimes"},
		{"SIMGRAPH_QUOTA_STANDARD_ITERATIONS": "0"},
		{"SIMGRAPH_QUOTA_TRIAL_UPLOAD_BYTES": "10MB"},
	}
	for _, env := range bad {
		_, err := Load(func(k string) string { return env[k] })
		require.Error(t, err, "%v", env)
	}
	prod, err := Load(func(k string) string { return map[string]string{"SIMGRAPH_ENV": "production"}[k] })
	require.NoError(t, err)
	require.False(t, prod.Introspection, "production turns introspection off by default")
	require.Empty(t, prod.CORSOrigins, "production allows no foreign origin by default")
}

func TestLoadQuotaLimits(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SIMGRAPH_QUOTA_STANDARD_ITERATIONS": "2000000", "SIMGRAPH_QUOTA_TRIAL_STORAGE_BYTES": "5000000000"}
	c, err := Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"STANDARD_ITERATIONS": 2_000_000, "TRIAL_STORAGE_BYTES": 5_000_000_000}, c.QuotaLimits)
}

// Behind PgBouncer every PostgreSQL URL gets a query mode that prepares
// nothing on the server; a mode the user chose is kept if safe there and
// refused if not.
func TestLoadPostgresPooler(t *testing.T) {
	t.Parallel()
	const pg = "postgres://u@pgbouncer:6432/postgres?sslmode=disable"
	tests := []struct {
		name        string
		env         map[string]string
		wantURL     string
		wantService string
		wantErr     bool
	}{
		{"NoPooler", map[string]string{"SIMGRAPH_POSTGRES_URL": pg}, pg, "", false},
		{"PgBouncer", map[string]string{"SIMGRAPH_POSTGRES_URL": pg, "SIMGRAPH_POSTGRES_POOLER": "PgBouncer"},
			"postgres://u@pgbouncer:6432/postgres?default_query_exec_mode=exec&sslmode=disable", "", false},
		{"PgBouncerServiceURL", map[string]string{"SIMGRAPH_FILE_DATABASE_URL": "postgres://u@pgbouncer/file", "SIMGRAPH_POSTGRES_POOLER": "pgbouncer"},
			"", "postgres://u@pgbouncer/file?default_query_exec_mode=exec", false},
		{"SimpleProtocolKept", map[string]string{"SIMGRAPH_POSTGRES_URL": pg + "&default_query_exec_mode=simple_protocol", "SIMGRAPH_POSTGRES_POOLER": "pgbouncer"},
			"postgres://u@pgbouncer:6432/postgres?default_query_exec_mode=simple_protocol&sslmode=disable", "", false},
		{"StatementCacheRefused", map[string]string{"SIMGRAPH_POSTGRES_URL": pg + "&default_query_exec_mode=cache_statement", "SIMGRAPH_POSTGRES_POOLER": "pgbouncer"}, "", "", true},
		{"DescribeExecRefused", map[string]string{"SIMGRAPH_POSTGRES_URL": pg + "&default_query_exec_mode=describe_exec", "SIMGRAPH_POSTGRES_POOLER": "pgbouncer"}, "", "", true},
		{"UnknownPooler", map[string]string{"SIMGRAPH_POSTGRES_URL": pg, "SIMGRAPH_POSTGRES_POOLER": "pgpool"}, "", "", true},
		{"KeywordDSNRefused", map[string]string{"SIMGRAPH_POSTGRES_URL": "host=pgbouncer port=6432", "SIMGRAPH_POSTGRES_POOLER": "pgbouncer"}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(func(k string) string { return tt.env[k] })
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantURL, c.PostgresURL)
			require.Equal(t, tt.wantService, c.ServiceURLs["file"])
		})
	}
}

func TestLoadOIDC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		wantName string
		wantErr  string
	}{
		{"Off", map[string]string{}, "", ""},
		{"HTTPSIssuer", map[string]string{"SIMGRAPH_ENV": "production", "SIMGRAPH_OIDC_ISSUER": "https://tenant.auth0.com/", "SIMGRAPH_OIDC_CLIENT_ID": "web"}, "tenant.auth0.com", ""},
		{"Named", map[string]string{"SIMGRAPH_OIDC_ISSUER": "https://id.example", "SIMGRAPH_OIDC_CLIENT_ID": "web", "SIMGRAPH_OIDC_NAME": "Example ID", "SIMGRAPH_OIDC_SCOPES": "openid  profile email"}, "Example ID", ""},
		{"HTTPInDevelopment", map[string]string{"SIMGRAPH_OIDC_ISSUER": "http://id.internal:8081", "SIMGRAPH_OIDC_CLIENT_ID": "web"}, "id.internal:8081", ""},
		{"HTTPOnLocalhostInProduction", map[string]string{"SIMGRAPH_ENV": "production", "SIMGRAPH_OIDC_ISSUER": "http://127.0.0.1:8081", "SIMGRAPH_OIDC_CLIENT_ID": "web"}, "127.0.0.1:8081", ""},
		{"HTTPElsewhereInProduction", map[string]string{"SIMGRAPH_ENV": "production", "SIMGRAPH_OIDC_ISSUER": "http://id.example", "SIMGRAPH_OIDC_CLIENT_ID": "web"}, "", "must be https"},
		{"NoClient", map[string]string{"SIMGRAPH_OIDC_ISSUER": "https://id.example"}, "", "SIMGRAPH_OIDC_CLIENT_ID"},
		{"ClientWithoutIssuer", map[string]string{"SIMGRAPH_OIDC_CLIENT_ID": "web"}, "", "need SIMGRAPH_OIDC_ISSUER"},
		{"NotAURL", map[string]string{"SIMGRAPH_OIDC_ISSUER": "id.example", "SIMGRAPH_OIDC_CLIENT_ID": "web"}, "", "the issuer's URL"},
		{"NoOpenIDScope", map[string]string{"SIMGRAPH_OIDC_ISSUER": "https://id.example", "SIMGRAPH_OIDC_CLIENT_ID": "web", "SIMGRAPH_OIDC_SCOPES": "email profile"}, "", "must include openid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantName, c.OIDCName)
			if c.OIDCIssuer != "" {
				require.Equal(t, []string{"openid", "profile", "email"}, c.OIDCScopes)
			}
		})
	}
	// Server mode may rely on the issuer's keys alone.
	c, err := Load(func(k string) string {
		return map[string]string{"SIMGRAPH_POSTGRES_URL": "postgres://x/y", "SIMGRAPH_OIDC_ISSUER": "https://id.example", "SIMGRAPH_OIDC_CLIENT_ID": "web"}[k]
	})
	require.NoError(t, err)
	secret, err := c.Secret()
	require.NoError(t, err)
	require.Nil(t, secret)
}
