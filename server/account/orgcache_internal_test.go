package account

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/organization"
)

// TestOrganizationCacheExpiresAndForgets: an organization read for
// tenantInfo is reused for organizationTTL at most, and not at all once a
// tier move on this process forgets it.
func TestOrganizationCacheExpiresAndForgets(t *testing.T) {
	t.Parallel()
	now := time.Now()
	org := &ent.Organization{ID: uuid.New(), Tier: organization.TierSTANDARD}
	tests := []struct {
		name   string
		at     time.Time
		forget bool
		hit    bool
	}{
		{"Fresh", now, false, true},
		{"Expired", now.Add(organizationTTL), false, false},
		{"Forgotten", now, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c organizationCache
			c.put(org, now)
			if tt.forget {
				c.forget(org.ID)
			}
			got, ok := c.get(org.ID, tt.at)
			require.Equal(t, tt.hit, ok)
			if tt.hit {
				require.Equal(t, org.Tier, got.Tier)
				require.NotSame(t, org, got, "callers get a copy")
			}
		})
	}
}
