package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/simulation"
	"github.com/simgraph/simgraph/simspec"
	"github.com/simgraph/simgraph/viewer"
)

// downQueue is a job queue that is down: before refusing a job it may
// wait for something (the simulation's audit entry), so that the refusal
// comes after the creation has been seen.
type downQueue struct {
	jobs.Queue
	before  func(job jobs.Job)
	refused []string
}

func (q *downQueue) Enqueue(_ context.Context, job jobs.Job) error {
	if q.before != nil {
		q.before(job)
	}
	q.refused = append(q.refused, job.SimulationID)
	return errors.New("connection refused")
}

// TestFailedEnqueueLeavesNoTrace creates simulations while the job queue is
// down, once refused at once and once after the audit log has recorded the
// creation: each is UNAVAILABLE, and afterwards neither the simulation nor
// its audit entry is there, while a simulation created once the queue is
// back is, with its entry.
func TestFailedEnqueueLeavesNoTrace(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 0, false
		s := servertest.Start(t, c)
		admin := s.Token(t, auth.TokenParams{Email: "admin@enqueue.example", Org: "enqueue", Roles: []string{"ORG_ADMIN"}})
		userID, orgID := meID(t, s, admin)
		var info struct {
			TenantInfo struct{ TenantID, Tier string }
		}
		s.Query(t, admin, `{ tenantInfo { tenantId tier } }`, nil).Decode(t, &info)
		wb := s.UploadID(t, admin, "enqueue.xlsx", labelledWorkbook(t))
		ctx := viewer.NewContext(context.Background(), &viewer.Viewer{
			UserID: uuid.MustParse(userID), OrganizationID: uuid.MustParse(orgID),
			TenantID: info.TenantInfo.TenantID, Tier: info.TenantInfo.Tier, Roles: []viewer.Role{viewer.OrgAdmin},
		})
		mean, sd := 10.0, 1.0
		req := simspec.Request{WorkbookID: wb, Iterations: 100, Outputs: []string{"Model!B3"},
			Inputs: []simspec.Input{{Cell: "Model!$B$1", Distribution: simspec.Distribution{Type: "NORMAL", Mean: &mean, StdDev: &sd}}}}

		auditOf := func(id string) int {
			var got struct{ AuditLog struct{ TotalCount int } }
			s.Query(t, admin, `query($id: ID!) { auditLog(filter: {objectType: "simulation", objectId: $id}) { totalCount } }`,
				map[string]any{"id": id}).Decode(t, &got)
			return got.AuditLog.TotalCount
		}
		app := s.App.Simulations
		withQueue := func(q jobs.Queue) *simulation.Service {
			return &simulation.Service{Clients: app.Clients, Files: app.Files, Queue: q, Progress: app.Progress,
				MaxIterations: app.MaxIterations, CheckQuota: app.CheckQuota, Outbox: app.Outbox, OnCommit: app.OnCommit}
		}
		tests := []struct {
			name   string
			before func(job jobs.Job)
		}{
			{"RefusedAtOnce", nil},
			{"RefusedAfterTheAuditEntry", func(job jobs.Job) {
				require.Eventually(t, func() bool { return auditOf(job.SimulationID) == 1 }, 30*time.Second, 20*time.Millisecond,
					"the creation is recorded before the queue refuses")
			}},
		}
		var refused []string
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := &downQueue{Queue: s.App.Queue, before: tt.before}
				_, err := withQueue(q).Create(ctx, req)
				require.Error(t, err)
				require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
				require.Len(t, q.refused, 1)
				refused = append(refused, q.refused...)
			})
		}

		// A simulation created once the queue is back: once its entry is
		// there, the refused ones' events (earlier in the same outbox) have
		// been handled.
		ok, err := app.Create(ctx, req)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return auditOf(ok.ID.String()) == 1 }, 30*time.Second, 20*time.Millisecond)
		for _, id := range refused {
			require.Zero(t, auditOf(id), "no audit entry for %s, which never ran", id)
			resp := s.Query(t, admin, `query($id: ID!) { simulation(id: $id) { id } }`, map[string]any{"id": id})
			require.Equal(t, "NOT_FOUND", resp.Code(), "%s", json.RawMessage(resp.Data))
		}
		var list struct{ Simulations struct{ TotalCount int } }
		s.Query(t, admin, `{ simulations { totalCount } }`, nil).Decode(t, &list)
		require.Equal(t, 1, list.Simulations.TotalCount)
	})
}
