package account

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/viewer"
)

func TestViewerCacheEntries(t *testing.T) {
	id := &auth.Identity{Subject: "s", Email: "s@example.com", OrgKey: "org", Roles: []string{"MEMBER"}}
	org := uuid.New()
	v := &viewer.Viewer{Subject: "s", OrganizationID: org, TenantID: "0123456789abcdef", Roles: []viewer.Role{viewer.Member}}
	t0 := time.Unix(1_000_000, 0)
	tests := []struct {
		name   string
		lookup *auth.Identity
		at     time.Time
		forget bool
		hit    bool
	}{
		{"same identity within the TTL", id, t0.Add(viewerTTL - time.Nanosecond), false, true},
		{"same identity at the TTL", id, t0.Add(viewerTTL), false, false},
		{"another organization claim", &auth.Identity{Subject: "s", Email: "s@example.com", OrgKey: "other", Roles: []string{"MEMBER"}}, t0, false, false},
		{"other roles", &auth.Identity{Subject: "s", Email: "s@example.com", OrgKey: "org", Roles: []string{"MEMBER", "SYSTEM_ADMIN"}}, t0, false, false},
		{"another email", &auth.Identity{Subject: "s", Email: "t@example.com", OrgKey: "org", Roles: []string{"MEMBER"}}, t0, false, false},
		{"organization forgotten", id, t0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c viewerCache
			c.put(id, v, t0)
			if tt.forget {
				c.forgetOrganization(org)
			}
			got, ok := c.get(tt.lookup, tt.at)
			require.Equal(t, tt.hit, ok)
			if ok {
				require.Equal(t, v, got)
				got.Roles[0] = viewer.SystemAdmin // a caller's change stays its own
				again, _ := c.get(tt.lookup, tt.at)
				require.Equal(t, viewer.Member, again.Roles[0])
			}
		})
	}
}
