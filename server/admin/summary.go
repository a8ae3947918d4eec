package admin

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/simgraph/simgraph/ent"
	entsimulation "github.com/simgraph/simgraph/ent/simulation"
	"github.com/simgraph/simgraph/ent/usagerecord"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/health"
	"github.com/simgraph/simgraph/server/quota"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/viewer"
)

// StatusCount is how many simulations have a status.
type StatusCount struct {
	Status entsimulation.Status `json:"status"`
	Count  int                  `json:"count"`
}

// SimulationSummary is the organization's simulations.
type SimulationSummary struct {
	Total    int               `json:"total"`
	ByStatus []*StatusCount    `json:"byStatus"`
	Recent   []*ent.Simulation `json:"recent"`
}

// WorkbookSummary is the organization's stored workbooks.
type WorkbookSummary struct {
	Count int   `json:"count"`
	Bytes int64 `json:"bytes"`
}

// ResultSummary is the organization's stored results.
type ResultSummary struct {
	Count int `json:"count"`
}

// UsageSummary is this calendar month's use (UTC).
type UsageSummary struct {
	SimulationsThisMonth int   `json:"simulationsThisMonth"`
	IterationsThisMonth  int64 `json:"iterationsThisMonth"`
	StorageBytes         int64 `json:"storageBytes"`
	// Billed* come from the billing service's usage records (completed
	// simulations, as the billing consumer has recorded them).
	BilledSimulationsThisMonth    int     `json:"billedSimulationsThisMonth"`
	BilledComputeSecondsThisMonth float64 `json:"billedComputeSecondsThisMonth"`
}

// RoutingSummary says where the organization's data lives.
type RoutingSummary struct {
	DatabaseTier string   `json:"databaseTier"`
	Dedicated    bool     `json:"dedicated"`
	Databases    []string `json:"databases"`
}

// UserDataSummary is the viewer's organization's data, as far as the
// viewer's tenant sees it: never another tenant's.
type UserDataSummary struct {
	TenantID    string             `json:"tenantId"`
	Simulations *SimulationSummary `json:"simulations"`
	Workbooks   *WorkbookSummary   `json:"workbooks"`
	Results     *ResultSummary     `json:"results"`
	Usage       *UsageSummary      `json:"usage"`
	Routing     *RoutingSummary    `json:"routing"`
}

// UserDataSummary summarises the viewer's organization's data (any
// signed-in user).
func (s *Service) UserDataSummary(ctx context.Context) (*UserDataSummary, error) {
	if v := viewer.FromContext(ctx); v != nil && !tenancy.ID(v.TenantID).Valid() {
		return nil, apperr.Errorf(apperr.Forbidden, "the viewer has no tenant")
	}
	info, err := s.Accounts.TenantInfo(ctx)
	if err != nil {
		return nil, err
	}
	out := &UserDataSummary{TenantID: string(info.TenantID)}
	sims, err := s.Clients(ctx, database.Simulation)
	if err != nil {
		return nil, err
	}
	var byStatus []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	if err := sims.Simulation.Query().GroupBy(entsimulation.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &byStatus); err != nil {
		return nil, fmt.Errorf("counting simulations: %w", err)
	}
	ss := &SimulationSummary{ByStatus: []*StatusCount{}}
	for _, r := range byStatus {
		ss.Total += r.Count
		ss.ByStatus = append(ss.ByStatus, &StatusCount{Status: entsimulation.Status(r.Status), Count: r.Count})
	}
	if ss.Recent, err = sims.Simulation.Query().Order(ent.Desc(entsimulation.FieldCreatedAt)).Limit(5).All(ctx); err != nil {
		return nil, fmt.Errorf("reading recent simulations: %w", err)
	}
	out.Simulations = ss

	files, err := s.Clients(ctx, database.File)
	if err != nil {
		return nil, err
	}
	wb := &WorkbookSummary{}
	if wb.Count, err = files.Workbook.Query().Count(ctx); err != nil {
		return nil, fmt.Errorf("counting workbooks: %w", err)
	}
	if wb.Bytes, err = quota.SumWorkbookBytes(ctx, files); err != nil {
		return nil, err
	}
	out.Workbooks = wb

	results, err := s.Clients(ctx, database.Results)
	if err != nil {
		return nil, err
	}
	n, err := results.Result.Query().Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("counting results: %w", err)
	}
	out.Results = &ResultSummary{Count: n}

	month := quota.MonthStart(time.Now())
	u := &UsageSummary{StorageBytes: wb.Bytes}
	var sums []struct {
		Count int           `json:"count"`
		Sum   sql.NullInt64 `json:"sum"`
	}
	if err := sims.Simulation.Query().Where(entsimulation.CreatedAtGTE(month)).
		Aggregate(ent.Count(), ent.Sum(entsimulation.FieldIterations)).Scan(ctx, &sums); err != nil {
		return nil, fmt.Errorf("summing this month's simulations: %w", err)
	}
	if len(sums) > 0 {
		u.SimulationsThisMonth, u.IterationsThisMonth = sums[0].Count, sums[0].Sum.Int64
	}
	var billed []struct {
		Count int             `json:"count"`
		Sum   sql.NullFloat64 `json:"sum"`
	}
	if err := s.Store.Service(database.Billing).Client.UsageRecord.Query().
		Where(usagerecord.TenantID(out.TenantID), usagerecord.RecordedAtGTE(month)).
		Aggregate(ent.Count(), ent.Sum(usagerecord.FieldComputeSeconds)).Scan(ctx, &billed); err != nil {
		return nil, fmt.Errorf("reading usage records: %w", err)
	}
	if len(billed) > 0 {
		u.BilledSimulationsThisMonth, u.BilledComputeSecondsThisMonth = billed[0].Count, billed[0].Sum.Float64
	}
	out.Usage = u

	r := &RoutingSummary{DatabaseTier: string(info.DatabaseTier), Dedicated: info.Dedicated()}
	if s.Databases != nil {
		if r.Databases, err = s.Databases(ctx); err != nil {
			return nil, err
		}
	} else {
		for _, c := range s.Store.All() {
			if c.Spec.TenantRouted {
				r.Databases = append(r.Databases, displayName(c))
			}
		}
	}
	out.Routing = r
	return out, nil
}

// Check is one dependency's health.
type Check struct {
	Name      string  `json:"name"`
	Status    string  `json:"status"`
	LatencyMs float64 `json:"latencyMs"`
	Error     *string `json:"error"`
}

// HealthReport is the public health report: the existing fields, each
// service's database and each dependency (Redis) on its own.
type HealthReport struct {
	Status        string   `json:"status"`
	Version       string   `json:"version"`
	UptimeSeconds float64  `json:"uptimeSeconds"`
	Mode          string   `json:"mode"`
	Checks        []*Check `json:"checks"`
	Services      []*Check `json:"services"`
	Dependencies  []*Check `json:"dependencies"`
}

// Health turns a checker report into the public report. Errors say only
// that a dependency failed: their text may carry hosts or credentials.
func Health(r health.Report) *HealthReport {
	h := &HealthReport{Status: string(r.Status), Version: r.Version, UptimeSeconds: r.Uptime.Seconds(), Mode: r.Mode,
		Checks: []*Check{}, Services: []*Check{}, Dependencies: []*Check{}}
	for _, c := range r.Checks {
		ch := &Check{Name: c.Name, Status: string(c.Status), LatencyMs: ms(c.Latency)}
		if c.Err != nil {
			msg := "unreachable"
			ch.Error = &msg
		}
		h.Checks = append(h.Checks, ch)
		if name, ok := strings.CutPrefix(c.Name, "database:"); ok {
			svc := *ch
			svc.Name = name
			h.Services = append(h.Services, &svc)
		} else {
			h.Dependencies = append(h.Dependencies, ch)
		}
	}
	return h
}

// Health runs the checks (public).
func (s *Service) Health(ctx context.Context) *HealthReport { return Health(s.Checker.Run(ctx)) }
