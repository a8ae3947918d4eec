package tenancy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/server/tenancy/tenancytest"
)

var errCrash = errors.New("simulated crash")

// A move that stops after any step leaves the tenant's rows readable, all
// of them, from where the placement says; writes are refused retryably
// until the move is rerun, which completes it.
func TestMoveCrashAndResume(t *testing.T) {
	t.Parallel()
	steps := []string{tenancy.StepIntent, tenancy.StepFenced, tenancy.StepCopied, tenancy.StepSwitched, tenancy.StepCleaned}
	for _, be := range servertest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := tenancytest.New(t, be.Config(t))
			for _, step := range steps {
				t.Run(step, func(t *testing.T) {
					ctx := b.Viewer(t, "crash")
					for _, n := range []string{"a.xlsx", "b.xlsx", "c.xlsx"} {
						b.CreateWorkbook(t, ctx, n)
					}
					crashing := tenancy.NewMover(b.Router)
					tenancy.SetStepFunc(crashing, func(s string) error {
						if s == step {
							return errCrash
						}
						return nil
					})
					err := crashing.SetTier(context.Background(), tenancytest.OrgID(ctx), tenancy.Professional)
					require.ErrorIs(t, err, errCrash)

					read := tenancytest.Fresh(ctx)
					n, err := b.File(t, read).Workbook.Query().Count(read)
					require.NoError(t, err, "readable after a crash at %s", step)
					require.Equal(t, 3, n, "every row exactly once after a crash at %s", step)
					p, err := b.Router.Placement(read, tenancytest.Tenant(ctx))
					require.NoError(t, err)
					require.True(t, p.Moving, "the move is recorded until rerun")
					if step == tenancy.StepFenced || step == tenancy.StepCopied || step == tenancy.StepSwitched {
						// Once the source is fenced, writes wait for the move.
						_, err = tenancytest.NewWorkbook(b.File(t, read), read, "during.xlsx").Save(read)
						require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "write during an interrupted move: %v", err)
					}

					b.SetTier(t, ctx, tenancy.Professional)
					read = tenancytest.Fresh(ctx)
					p, err = b.Router.Placement(read, tenancytest.Tenant(ctx))
					require.NoError(t, err)
					require.False(t, p.Moving)
					require.Equal(t, tenancy.Professional, p.Tier)
					b.CreateWorkbook(t, read, "after.xlsx")
					n, err = b.File(t, read).Workbook.Query().Count(read)
					require.NoError(t, err)
					require.Equal(t, 4, n)
				})
			}
			t.Run("OtherTargetRollsBack", func(t *testing.T) {
				ctx := b.Viewer(t, "rollback")
				b.CreateWorkbook(t, ctx, "a.xlsx")
				crashing := tenancy.NewMover(b.Router)
				tenancy.SetStepFunc(crashing, func(s string) error {
					if s == tenancy.StepCopied {
						return errCrash
					}
					return nil
				})
				require.ErrorIs(t, crashing.SetTier(context.Background(), tenancytest.OrgID(ctx), tenancy.Professional), errCrash)
				b.SetTier(t, ctx, tenancy.Trial)
				read := tenancytest.Fresh(ctx)
				p, err := b.Router.Placement(read, tenancytest.Tenant(ctx))
				require.NoError(t, err)
				require.Equal(t, tenancy.Trial, p.Tier)
				require.False(t, p.Moving)
				b.CreateWorkbook(t, read, "b.xlsx")
				n, err := b.File(t, read).Workbook.Query().Count(read)
				require.NoError(t, err)
				require.Equal(t, 2, n)
			})
		})
	}
}

// BenchmarkRouterClient measures what routing adds to a request: Client
// for a shared and for a dedicated tenant (placement cached, pool open),
// and Client plus one read by ID, the shape of a resolver's work.
func BenchmarkRouterClient(b *testing.B) {
	for _, be := range servertest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			bundle := tenancytest.New(b, be.Config(b))
			shared := bundle.Viewer(b, "shared")
			dedicated := bundle.Viewer(b, "dedicated")
			bundle.SetTier(b, dedicated, tenancy.Professional)
			cases := []struct {
				name string
				ctx  context.Context
			}{{"Shared", shared}, {"Dedicated", dedicated}}
			for _, c := range cases {
				w := bundle.CreateWorkbook(b, c.ctx, "bench.xlsx")
				b.Run(c.name+"/Client", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := bundle.Router.Client(c.ctx, database.File); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(c.name+"/ClientAndGet", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						cl, err := bundle.Router.Client(c.ctx, database.File)
						if err != nil {
							b.Fatal(err)
						}
						if _, err := cl.Workbook.Get(c.ctx, w.ID); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
