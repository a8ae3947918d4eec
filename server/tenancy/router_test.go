package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/server/tenancy/tenancytest"
)

func TestRouterTiers(t *testing.T) {
	t.Parallel()
	for _, be := range servertest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := tenancytest.New(t, be.Config(t))
			tests := []struct {
				tier   tenancy.Tier
				shared bool
			}{
				{tenancy.Trial, true},
				{tenancy.Standard, true},
				{tenancy.Professional, false},
				{tenancy.Enterprise, false},
			}
			for _, tt := range tests {
				t.Run(string(tt.tier), func(t *testing.T) {
					ctx := b.Viewer(t, "tiers")
					w := b.CreateWorkbook(t, ctx, "before.xlsx")
					b.SetTier(t, ctx, tt.tier)
					p, err := b.Router.Placement(ctx, tenancytest.Tenant(ctx))
					require.NoError(t, err)
					require.Equal(t, tt.tier, p.Tier)
					require.False(t, p.Moving)
					for _, l := range p.Locations {
						require.Equal(t, tt.shared, l.Shared, "%s", l.Service)
					}
					ctx = tenancytest.Fresh(ctx)
					got, err := b.File(t, ctx).Workbook.Get(ctx, w.ID)
					require.NoError(t, err)
					require.Equal(t, "before.xlsx", got.Name)
					b.CreateWorkbook(t, ctx, "after.xlsx")
					n, err := b.File(t, ctx).Workbook.Query().Count(ctx)
					require.NoError(t, err)
					require.Equal(t, 2, n)
				})
			}
			// The professional and the enterprise tenant: three services each.
			n, err := b.Router.MigrateDedicated(context.Background())
			require.NoError(t, err)
			require.Equal(t, 6, n)
		})
	}
}
