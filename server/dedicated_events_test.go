package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// TestDedicatedTenantEventsAreRelayed: a PROFESSIONAL tenant's simulation
// writes its events into its own database's outbox; the relay reads those
// too, so billing counts the run like any other.
func TestDedicatedTenantEventsAreRelayed(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		s := servertest.Start(t, cfg(t))
		admin := s.Token(t, auth.TokenParams{Email: "root@platform.example", Org: "platform", Roles: []string{"SYSTEM_ADMIN"}})
		token := s.Token(t, auth.TokenParams{Email: "pro@dedicated.example", Org: "dedicated"})
		var me struct {
			Me struct{ Organization struct{ ID string } }
		}
		s.Query(t, token, `{ me { organization { id } } }`, nil).Decode(t, &me)
		var moved struct{ SetOrganizationTier struct{ DatabaseTier string } }
		s.Query(t, admin, `mutation($org: ID!) { setOrganizationTier(organizationId: $org, tier: PROFESSIONAL) { databaseTier } }`,
			map[string]any{"org": me.Me.Organization.ID}).Decode(t, &moved)
		require.Equal(t, "DEDICATED", moved.SetOrganizationTier.DatabaseTier)

		wb := s.UploadID(t, token, "project-dcf.xlsx", dcfWorkbook(t))
		id := createSimulation(t, s, token, dcfSimulation(wb, 2000))
		var summary struct {
			UserDataSummary struct {
				Usage   struct{ BilledSimulationsThisMonth int }
				Routing struct{ Dedicated bool }
			}
		}
		require.Eventually(t, func() bool {
			var sim struct{ Simulation struct{ Status string } }
			s.Query(t, token, `query($id: ID!) { simulation(id: $id) { status } }`, map[string]any{"id": id}).Decode(t, &sim)
			if sim.Simulation.Status != "COMPLETED" {
				return false
			}
			s.Query(t, token, `{ userDataSummary { usage { billedSimulationsThisMonth } routing { dedicated } } }`, nil).Decode(t, &summary)
			return summary.UserDataSummary.Usage.BilledSimulationsThisMonth == 1
		}, 60*time.Second, 200*time.Millisecond, "the completed run of a dedicated tenant is billed exactly once: %+v", summary)
		require.True(t, summary.UserDataSummary.Routing.Dedicated)

		// migrate covers the tenant's own databases too, idempotently.
		var tenant struct{ TenantInfo struct{ TenantID string } }
		s.Query(t, token, `{ tenantInfo { tenantId } }`, nil).Decode(t, &tenant)
		for range 2 {
			var rep struct {
				Migrate struct {
					Databases []struct {
						TenantID          *string
						Status            string
						StatementsApplied int
					}
				}
			}
			s.Query(t, admin, `mutation { migrate { databases { tenantId status statementsApplied } } }`, nil).Decode(t, &rep)
			dedicated := 0
			for _, d := range rep.Migrate.Databases {
				require.NotEqual(t, "FAILED", d.Status)
				if d.TenantID != nil && *d.TenantID == tenant.TenantInfo.TenantID {
					dedicated++
				}
			}
			require.Equal(t, 3, dedicated, "the tenant's simulation, file and results databases are migrated")
		}
	})
}
