package account_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/server/tenancy/tenancytest"
	"github.com/simgraph/simgraph/viewer"
)

// The viewer cache must give every request the viewer the full path would:
// tenants kept apart, a subject that changes organization still refused,
// roles and tier changes seen at once.
func TestViewerCache(t *testing.T) {
	t.Parallel()
	for _, be := range servertest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := tenancytest.New(t, be.Config(t))
			b.Accounts.Mover = b.Mover
			ctx := context.Background()
			suffix := servertest.UniquePrefix()
			alice := &auth.Identity{Subject: "alice" + suffix, Email: "alice@a.example", OrgKey: "a" + suffix, OrgName: "A"}
			bob := &auth.Identity{Subject: "bob" + suffix, Email: "bob@b.example", OrgKey: "b" + suffix, OrgName: "B"}
			admin := &auth.Identity{Subject: "admin" + suffix, Email: "admin@c.example", OrgKey: "c" + suffix, Roles: []string{"SYSTEM_ADMIN"}}
			first := map[*auth.Identity]*viewer.Viewer{}
			for _, id := range []*auth.Identity{alice, bob, admin} {
				v, err := b.Accounts.Viewer(ctx, id)
				require.NoError(t, err)
				first[id] = v
			}
			require.NotEqual(t, first[alice].TenantID, first[bob].TenantID)

			tests := []struct {
				name    string
				id      *auth.Identity
				before  func(t *testing.T)
				want    func(t *testing.T, v *viewer.Viewer)
				wantErr bool
			}{
				{name: "same identity, same viewer", id: alice, want: func(t *testing.T, v *viewer.Viewer) {
					require.Equal(t, first[alice], v)
				}},
				{name: "another tenant's identity, its own viewer", id: bob, want: func(t *testing.T, v *viewer.Viewer) {
					require.Equal(t, first[bob], v)
				}},
				{name: "same subject naming another organization is refused",
					id: &auth.Identity{Subject: alice.Subject, Email: alice.Email, OrgKey: bob.OrgKey, OrgName: "B"}, wantErr: true},
				{name: "roles follow the token", id: &auth.Identity{Subject: alice.Subject, Email: alice.Email, OrgKey: alice.OrgKey, OrgName: "A", Roles: []string{"ORG_ADMIN"}},
					want: func(t *testing.T, v *viewer.Viewer) {
						require.True(t, v.Has(viewer.OrgAdmin))
						require.Equal(t, first[alice].TenantID, v.TenantID)
					}},
				{name: "a tier change shows at once", id: bob,
					before: func(t *testing.T) {
						_, err := b.Accounts.SetTier(viewer.NewContext(ctx, first[admin]), first[bob].OrganizationID.String(), tenancy.Professional)
						require.NoError(t, err)
					},
					want: func(t *testing.T, v *viewer.Viewer) {
						require.Equal(t, string(tenancy.Professional), v.Tier)
						require.Equal(t, first[bob].TenantID, v.TenantID)
					}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if tt.before != nil {
						tt.before(t)
					}
					v, err := b.Accounts.Viewer(ctx, tt.id)
					if tt.wantErr {
						require.Error(t, err)
						return
					}
					require.NoError(t, err)
					tt.want(t, v)
				})
			}
		})
	}
}
