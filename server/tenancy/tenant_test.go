package tenancy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDeriveID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
	}{
		{"Organization", "org:acme"},
		{"Personal", "user:auth0|123"},
		{"Unicode", "org:Société Générale"},
		{"Empty", ""},
	}
	seen := map[ID]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := DeriveID(tt.key)
			require.True(t, id.Valid(), "tenant ID %q must be 16 lowercase hex characters", id)
			require.Equal(t, id, DeriveID(tt.key), "derivation must be deterministic")
		})
		id := DeriveID(tt.key)
		require.NotContains(t, seen, id, "keys %q and %q collide", seen[id], tt.key)
		seen[id] = tt.key
	}
	// A known value pins the derivation: changing it would re-key every tenant.
	// Computed independently: printf 'simgraph/tenant\x00org:acme' | sha256sum | cut -c1-16
	require.Equal(t, ID("b12ad30635733e5a"), DeriveID("org:acme"))
}

func TestOrgKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, claim, sub, want string
		personal               bool
	}{
		{"OrgClaim", "acme", "auth0|1", "org:acme", false},
		{"NoClaimIsPersonal", "", "auth0|1", "user:auth0|1", true},
		{"BlankClaimIsPersonal", "  ", "auth0|2", "user:auth0|2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, personal := OrgKey(tt.claim, tt.sub)
			require.Equal(t, tt.want, key)
			require.Equal(t, tt.personal, personal)
		})
	}
	// Two people with the same email domain and no organization claim never
	// share a tenant.
	a, _ := OrgKey("", "alice@example.com")
	b, _ := OrgKey("", "bob@example.com")
	require.NotEqual(t, DeriveID(a), DeriveID(b))
}

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   ID
		want bool
	}{
		{"0123456789abcdef", true},
		{"0123456789ABCDEF", false},
		{"0123456789abcde", false},
		{"", false},
		{"0123456789abcdeg", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.id.Valid(), "%q", tt.id)
	}
}

func TestPoolByTier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tier           Tier
		db             DatabaseTier
		size, overflow int
	}{
		{Trial, Shared, 20, 30},
		{Standard, Shared, 20, 30},
		{Professional, Dedicated, 10, 20},
		{Enterprise, Replicated, 50, 100},
	}
	for _, tt := range tests {
		db := DatabaseTierOf(tt.tier)
		require.Equal(t, tt.db, db)
		require.Equal(t, PoolSettings{Size: tt.size, Overflow: tt.overflow}, db.Pool())
	}
}
