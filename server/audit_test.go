package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

type auditGot struct {
	AuditLog struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
		Edges []struct {
			Node struct {
				EventID, Action, ActorKind, ObjectType, ObjectID, ObjectName string
				ActorID                                                      *string
				OccurredAt                                                   time.Time
			}
		}
	}
}

const auditLogOp = `query($first: Int, $after: Cursor, $filter: AuditLogFilter) {
	auditLog(first: $first, after: $after, filter: $filter) {
		totalCount pageInfo { hasNextPage endCursor }
		edges { node { eventId action actorKind actorId objectType objectId objectName occurredAt } } } }`

func auditLog(t *testing.T, s *servertest.Server, token string, vars map[string]any) auditGot {
	t.Helper()
	var got auditGot
	s.Query(t, token, auditLogOp, vars).Decode(t, &got)
	return got
}

// waitAudit waits until the viewer's audit log holds n entries: the
// consumer records them after the changes commit.
func waitAudit(t *testing.T, s *servertest.Server, token string, n int) auditGot {
	t.Helper()
	var got auditGot
	require.Eventually(t, func() bool {
		got = auditLog(t, s, token, map[string]any{"first": 100})
		return got.AuditLog.TotalCount >= n
	}, 30*time.Second, 20*time.Millisecond, "audit log never reached %d entries", n)
	require.Equal(t, n, got.AuditLog.TotalCount)
	return got
}

func meID(t *testing.T, s *servertest.Server, token string) (user, org string) {
	t.Helper()
	var me struct {
		Me struct {
			ID           string
			Organization struct{ ID string }
		}
	}
	s.Query(t, token, `{ me { id organization { id } } }`, nil).Decode(t, &me)
	return me.Me.ID, me.Me.Organization.ID
}

// TestAuditLog makes changes as a member and as an administrator and
// reads the log back: the administrator sees every change with its actor,
// a member only their own, another organization nothing; filters and
// pages narrow it; and the entries move with the tenant to a dedicated
// database and back.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 0, false
		s := servertest.Start(t, c)
		root := s.Token(t, auth.TokenParams{Email: "root@platform.example", Org: "platform", Roles: []string{"SYSTEM_ADMIN"}})
		member := s.Token(t, auth.TokenParams{Email: "member@audit.example", Org: "audit", Roles: []string{"MEMBER"}})
		admin := s.Token(t, auth.TokenParams{Email: "admin@audit.example", Org: "audit", Roles: []string{"ORG_ADMIN"}})
		stranger := s.Token(t, auth.TokenParams{Email: "admin@elsewhere.example", Org: "elsewhere", Roles: []string{"ORG_ADMIN"}})
		memberID, orgID := meID(t, s, member)
		adminID, _ := meID(t, s, admin)
		meID(t, s, stranger)

		wb := s.UploadID(t, member, "audited.xlsx", labelledWorkbook(t))
		in := priceModel(100)
		in["workbookId"] = wb
		var sim struct{ CreateSimulation struct{ ID string } }
		s.Query(t, member, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in}).Decode(t, &sim)
		simID := sim.CreateSimulation.ID
		m := createModel(t, s, member, wb, "audited", priceModel(100))
		require.Equal(t, "", s.Query(t, admin, `mutation($id: ID!) { cancelSimulation(id: $id) { id } }`, map[string]any{"id": simID}).Code())
		require.Equal(t, "", updateModel(t, s, admin, m.ID, 1, map[string]any{"definition": priceModel(200)}).Code())

		// Two users provisioned (the member's and the admin's), then the five changes.
		all := waitAudit(t, s, admin, 7)
		type entry struct{ action, actor, object string }
		var got []entry
		for _, e := range all.AuditLog.Edges {
			n := e.Node
			actor := n.ActorKind
			if n.ActorID != nil {
				actor += ":" + *n.ActorID
			}
			got = append(got, entry{n.Action, actor, n.ObjectType + ":" + n.ObjectID})
		}
		require.ElementsMatch(t, []entry{
			{"user.created", "SYSTEM", "user:" + memberID},
			{"user.created", "SYSTEM", "user:" + adminID},
			{"workbook.uploaded", "USER:" + memberID, "workbook:" + wb},
			{"simulation.created", "USER:" + memberID, "simulation:" + simID},
			{"model.created", "USER:" + memberID, "model:" + m.ID},
			{"simulation.cancelled", "USER:" + adminID, "simulation:" + simID},
			{"model.updated", "USER:" + adminID, "model:" + m.ID},
		}, got)
		for i := 1; i < len(all.AuditLog.Edges); i++ {
			require.False(t, all.AuditLog.Edges[i].Node.OccurredAt.After(all.AuditLog.Edges[i-1].Node.OccurredAt), "newest first")
		}

		t.Run("MemberSeesOwnActions", func(t *testing.T) {
			own := auditLog(t, s, member, map[string]any{"first": 100})
			require.Equal(t, 3, own.AuditLog.TotalCount)
			for _, e := range own.AuditLog.Edges {
				require.Equal(t, memberID, *e.Node.ActorID)
			}
		})
		t.Run("OtherOrganizationSeesNothing", func(t *testing.T) {
			other := auditLog(t, s, stranger, map[string]any{"first": 100})
			for _, e := range other.AuditLog.Edges {
				require.NotEqual(t, wb, e.Node.ObjectID)
				require.NotEqual(t, simID, e.Node.ObjectID)
			}
			require.Equal(t, 1, other.AuditLog.TotalCount, "only its own user")
		})
		t.Run("Filters", func(t *testing.T) {
			tests := []struct {
				name   string
				filter map[string]any
				want   int
			}{
				{"ObjectType", map[string]any{"objectType": "simulation"}, 2},
				{"Object", map[string]any{"objectId": m.ID}, 2},
				{"Actor", map[string]any{"actor": adminID}, 2},
				{"ActorAndType", map[string]any{"actor": memberID, "objectType": "model"}, 1},
				{"Action", map[string]any{"action": "simulation.cancelled"}, 1},
				{"ActionOfKind", map[string]any{"action": "simulation."}, 2},
				{"ActionOfKindCaseAndSpace", map[string]any{"action": " Model. "}, 2},
				{"ActionIsNotAPrefix", map[string]any{"action": "simulation"}, 0},
				{"UnknownAction", map[string]any{"action": "simulation.exploded"}, 0},
				{"ActionAndActor", map[string]any{"action": "model.", "actor": adminID}, 1},
				{"ActionOfOtherKindThanType", map[string]any{"action": "model.", "objectType": "simulation"}, 0},
				{"Future", map[string]any{"since": time.Now().Add(time.Hour).Format(time.RFC3339)}, 0},
				{"Past", map[string]any{"until": time.Now().Add(-time.Hour).Format(time.RFC3339)}, 0},
				{"Window", map[string]any{"since": time.Now().Add(-time.Hour).Format(time.RFC3339), "until": time.Now().Add(time.Hour).Format(time.RFC3339)}, 7},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					require.Equal(t, tt.want, auditLog(t, s, admin, map[string]any{"first": 100, "filter": tt.filter}).AuditLog.TotalCount)
				})
			}
		})
		t.Run("Pages", func(t *testing.T) {
			seen := map[string]bool{}
			var after any
			for page := 0; ; page++ {
				require.Less(t, page, 10)
				got := auditLog(t, s, admin, map[string]any{"first": 3, "after": after})
				for _, e := range got.AuditLog.Edges {
					require.False(t, seen[e.Node.EventID], "an entry on two pages")
					seen[e.Node.EventID] = true
				}
				if !got.AuditLog.PageInfo.HasNextPage {
					break
				}
				after = *got.AuditLog.PageInfo.EndCursor
			}
			require.Len(t, seen, 7)
		})

		// The log moves with the tenant: every entry is there on the
		// dedicated database, new ones are recorded there, and all come back.
		expected := 7
		for _, tier := range []string{"PROFESSIONAL", "STANDARD"} {
			require.Equal(t, "", s.Query(t, root, `mutation($org: ID!, $tier: Tier!) { setOrganizationTier(organizationId: $org, tier: $tier) { tier } }`,
				map[string]any{"org": orgID, "tier": tier}).Code())
			require.Equal(t, expected, auditLog(t, s, admin, map[string]any{"first": 100}).AuditLog.TotalCount, "after the move to %s", tier)
			require.Equal(t, "", s.Query(t, member, `mutation($id: ID!, $n: String!) { renameWorkbook(id: $id, name: $n) { id } }`,
				map[string]any{"id": wb, "n": "on " + tier}).Code())
			expected++
			renamed := waitAudit(t, s, admin, expected)
			require.Equal(t, "workbook.renamed", renamed.AuditLog.Edges[0].Node.Action)
			require.Equal(t, "on "+tier, renamed.AuditLog.Edges[0].Node.ObjectName)
		}
	})
}
