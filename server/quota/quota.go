// Package quota enforces the tiers' quotas (concurrent simulations,
// iterations per simulation, simulations per month, upload size, storage)
// and the per-tier API rate limit, with per-organization overrides set by a
// system administrator.
//
// Checks are atomic per tenant: CheckSimulation and CheckUpload take the
// tenant's quota lock (an in-process mutex, plus a PostgreSQL advisory lock
// in server mode so every replica agrees), count what the tenant has in the
// databases, and hand back the lock's release, which the caller runs after
// it has stored the simulation or workbook. Counting the rows themselves
// means there is no counter to drift: a simulation that ends or a row
// that was never stored frees its share at once.
package quota

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/organization"
	"github.com/simgraph/simgraph/ent/quotaoverride"
	entsimulation "github.com/simgraph/simgraph/ent/simulation"
	entworkbook "github.com/simgraph/simgraph/ent/workbook"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/viewer"
)

// Quota names, as they appear in a QUOTA_EXCEEDED error's extensions.quota.
const (
	ConcurrentSimulations   = "concurrentSimulations"
	IterationsPerSimulation = "iterationsPerSimulation"
	SimulationsPerMonth     = "simulationsPerMonth"
	UploadBytes             = "uploadBytes"
	StorageBytes            = "storageBytes"
)

// MB and GB are decimal, as the tier table states them (10 MB = 10,000,000 bytes).
const (
	MB int64 = 1000 * 1000
	GB       = 1000 * MB
	TB       = 1000 * GB
)

// Limits are one organization's quotas.
type Limits struct {
	ConcurrentSimulations   int   `json:"concurrentSimulations"`
	IterationsPerSimulation int   `json:"iterationsPerSimulation"`
	SimulationsPerMonth     int   `json:"simulationsPerMonth"`
	UploadBytes             int64 `json:"uploadBytes"`
	StorageBytes            int64 `json:"storageBytes"`
	RequestsPerMinute       int   `json:"requestsPerMinute"`
}

// DefaultRequestsPerMinute are the tiers' API rate limits unless
// configured (SIMGRAPH_RATE_LIMIT_<TIER>): generous enough that an
// interactive user or a polling dashboard never meets them, low enough to
// stop a runaway script.
var DefaultRequestsPerMinute = map[tenancy.Tier]int{
	tenancy.Trial:        600,
	tenancy.Standard:     3000,
	tenancy.Professional: 12000,
	tenancy.Enterprise:   60000,
}

// TierLimits are the default quotas per tier (README's table; each can be
// configured, see Configure). Iterations per simulation allow the runs
// tail measures need: a 99% expected shortfall averages the worst 1%, so a
// million iterations give it 10,000 outcomes, and the engine summarises a
// run in memory that does not grow with its iterations.
var TierLimits = map[tenancy.Tier]Limits{
	tenancy.Trial:        {ConcurrentSimulations: 1, IterationsPerSimulation: 100_000, SimulationsPerMonth: 50, UploadBytes: 10 * MB, StorageBytes: 100 * MB},
	tenancy.Standard:     {ConcurrentSimulations: 2, IterationsPerSimulation: 1_000_000, SimulationsPerMonth: 1000, UploadBytes: 50 * MB, StorageBytes: 10 * GB},
	tenancy.Professional: {ConcurrentSimulations: 5, IterationsPerSimulation: 5_000_000, SimulationsPerMonth: 10000, UploadBytes: 200 * MB, StorageBytes: 50 * GB},
	tenancy.Enterprise:   {ConcurrentSimulations: 10, IterationsPerSimulation: 10_000_000, SimulationsPerMonth: 100000, UploadBytes: 500 * MB, StorageBytes: 1 * TB},
}

// SettingNames are the configurable limits, as Configure's keys name them
// (<TIER>_<NAME>, e.g. STANDARD_ITERATIONS).
var SettingNames = []string{"CONCURRENT_SIMULATIONS", "ITERATIONS", "SIMULATIONS_PER_MONTH", "UPLOAD_BYTES", "STORAGE_BYTES"}

// Configure returns TierLimits with the configured settings applied:
// settings maps <TIER>_<NAME> (a tier and one of SettingNames) to a
// positive limit. An unknown key or a value that is not positive is an
// error.
func Configure(settings map[string]int64) (map[tenancy.Tier]Limits, error) {
	out := make(map[tenancy.Tier]Limits, len(TierLimits))
	for t, l := range TierLimits {
		out[t] = l
	}
	for key, v := range settings {
		applied := false
		for t, l := range out {
			for _, name := range SettingNames {
				if key != string(t)+"_"+name {
					continue
				}
				if v <= 0 {
					return nil, fmt.Errorf("quota %s: want a positive limit, got %d", key, v)
				}
				switch name {
				case "CONCURRENT_SIMULATIONS":
					l.ConcurrentSimulations = int(v)
				case "ITERATIONS":
					l.IterationsPerSimulation = int(v)
				case "SIMULATIONS_PER_MONTH":
					l.SimulationsPerMonth = int(v)
				case "UPLOAD_BYTES":
					l.UploadBytes = v
				case "STORAGE_BYTES":
					l.StorageBytes = v
				}
				out[t] = l
				applied = true
			}
		}
		if !applied {
			return nil, fmt.Errorf("quota %s: no such tier limit", key)
		}
	}
	return out, nil
}

// Clients returns the ent client of a service for the tenant in ctx.
type Clients func(ctx context.Context, service string) (*ent.Client, error)

// Service checks and administers quotas.
type Service struct {
	// Billing is the billing service's database (overrides); Users the
	// user service's (organizations and their tiers).
	Billing, Users *ent.Client
	// Clients reaches the tenant-routed simulation and file databases.
	Clients Clients
	// LockDB, if set (PostgreSQL), holds the cross-process advisory locks.
	LockDB *sql.DB
	// RequestsPerMinute overrides DefaultRequestsPerMinute per tier.
	RequestsPerMinute map[tenancy.Tier]int
	// Tiers are the tiers' limits (see Configure); TierLimits when nil.
	Tiers map[tenancy.Tier]Limits

	mu    sync.Mutex
	locks map[string]chan struct{}
	cache sync.Map // tenant -> cachedLimits
}

type cachedLimits struct {
	limits Limits
	at     time.Time
}

// Status is an organization's quotas and, for the viewer's own, its use.
type Status struct {
	TenantID   string `json:"tenantId"`
	Tier       string `json:"tier"`
	Limits     Limits `json:"limits"`
	TierLimits Limits `json:"tierLimits"`
	Overridden bool   `json:"overridden"`
	Usage      *Usage `json:"usage"`
}

// Usage is what counts against the quotas now.
type Usage struct {
	ConcurrentSimulations int   `json:"concurrentSimulations"`
	SimulationsThisMonth  int   `json:"simulationsThisMonth"`
	StorageBytes          int64 `json:"storageBytes"`
}

// Override replaces some of a tier's limits; nil keeps the tier's.
type Override struct {
	ConcurrentSimulations   *int   `json:"concurrentSimulations"`
	IterationsPerSimulation *int   `json:"iterationsPerSimulation"`
	SimulationsPerMonth     *int   `json:"simulationsPerMonth"`
	UploadBytes             *int64 `json:"uploadBytes"`
	StorageBytes            *int64 `json:"storageBytes"`
	RequestsPerMinute       *int   `json:"requestsPerMinute"`
}

func (o Override) empty() bool {
	return o.ConcurrentSimulations == nil && o.IterationsPerSimulation == nil && o.SimulationsPerMonth == nil &&
		o.UploadBytes == nil && o.StorageBytes == nil && o.RequestsPerMinute == nil
}

// tierLimits returns a tier's limits with the configured rate limit.
func (s *Service) tierLimits(t tenancy.Tier) Limits {
	tiers := s.Tiers
	if tiers == nil {
		tiers = TierLimits
	}
	l, ok := tiers[t]
	if !ok {
		l = tiers[tenancy.Standard]
	}
	l.RequestsPerMinute = DefaultRequestsPerMinute[t]
	if n, ok := s.RequestsPerMinute[t]; ok && n > 0 {
		l.RequestsPerMinute = n
	}
	return l
}

// limits returns the limits of a tenant of tier t, override applied.
func (s *Service) limits(ctx context.Context, tenant string, t tenancy.Tier) (Limits, bool, error) {
	l := s.tierLimits(t)
	o, err := s.Billing.QuotaOverride.Query().Where(quotaoverride.ID(tenant)).Only(ctx)
	if ent.IsNotFound(err) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("reading quota override: %w", err)
	}
	if o.ConcurrentSimulations != nil {
		l.ConcurrentSimulations = *o.ConcurrentSimulations
	}
	if o.IterationsPerSimulation != nil {
		l.IterationsPerSimulation = *o.IterationsPerSimulation
	}
	if o.SimulationsPerMonth != nil {
		l.SimulationsPerMonth = *o.SimulationsPerMonth
	}
	if o.UploadBytes != nil {
		l.UploadBytes = *o.UploadBytes
	}
	if o.StorageBytes != nil {
		l.StorageBytes = *o.StorageBytes
	}
	if o.RequestsPerMinute != nil {
		l.RequestsPerMinute = *o.RequestsPerMinute
	}
	return l, true, nil
}

// viewerTier returns the viewer and their organization's current tier (the
// stored one: a token's may be stale).
func (s *Service) viewerTier(ctx context.Context) (*viewer.Viewer, tenancy.Tier, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, "", apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token in the Authorization header")
	}
	if !tenancy.ID(v.TenantID).Valid() {
		return nil, "", apperr.Errorf(apperr.Forbidden, "the viewer has no tenant")
	}
	org, err := s.Users.Organization.Get(ctx, v.OrganizationID)
	if err != nil {
		return nil, "", fmt.Errorf("reading organization: %w", err)
	}
	return v, tenancy.Tier(org.Tier), nil
}

// Exceeded is the QUOTA_EXCEEDED error of quota name for what is in use
// already (concurrent simulations, simulations this month, storage):
// extensions.used.
func Exceeded(name string, limit, used int64) error {
	e := apperr.Errorf(apperr.QuotaExceeded, "quota exceeded: %s is limited to %d (in use: %d)", name, limit, used)
	e.Extensions = map[string]any{"quota": name, "limit": limit, "used": used}
	return e
}

// ExceededRequest is the QUOTA_EXCEEDED error of quota name for what a
// request asks for (iterations of a simulation, bytes of an upload):
// extensions.requested.
func ExceededRequest(name string, limit, requested int64) error {
	e := apperr.Errorf(apperr.QuotaExceeded, "quota exceeded: %s is limited to %d (requested: %d)", name, limit, requested)
	e.Extensions = map[string]any{"quota": name, "limit": limit, "requested": requested}
	return e
}

// CheckSimulation is the simulation service's QuotaFunc: iterations per
// simulation, concurrent (QUEUED or RUNNING) simulations and simulations
// this month, atomically with the insert the caller makes before release.
func (s *Service) CheckSimulation(ctx context.Context, iterations int) (func(), error) {
	v, tier, err := s.viewerTier(ctx)
	if err != nil {
		return nil, err
	}
	l, _, err := s.limits(ctx, v.TenantID, tier)
	if err != nil {
		return nil, err
	}
	if iterations > l.IterationsPerSimulation {
		return nil, ExceededRequest(IterationsPerSimulation, int64(l.IterationsPerSimulation), int64(iterations))
	}
	release, err := s.lock(ctx, v.TenantID)
	if err != nil {
		return nil, err
	}
	u, err := s.usage(ctx, false)
	switch {
	case err != nil:
	case u.ConcurrentSimulations >= l.ConcurrentSimulations:
		err = Exceeded(ConcurrentSimulations, int64(l.ConcurrentSimulations), int64(u.ConcurrentSimulations))
	case u.SimulationsThisMonth >= l.SimulationsPerMonth:
		err = Exceeded(SimulationsPerMonth, int64(l.SimulationsPerMonth), int64(u.SimulationsThisMonth))
	}
	if err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// CheckUpload is the file service's QuotaFunc: upload size and storage,
// atomically with the insert the caller makes before release.
func (s *Service) CheckUpload(ctx context.Context, size int64) (func(), error) {
	v, tier, err := s.viewerTier(ctx)
	if err != nil {
		return nil, err
	}
	l, _, err := s.limits(ctx, v.TenantID, tier)
	if err != nil {
		return nil, err
	}
	if size > l.UploadBytes {
		return nil, ExceededRequest(UploadBytes, l.UploadBytes, size)
	}
	release, err := s.lock(ctx, v.TenantID)
	if err != nil {
		return nil, err
	}
	stored, err := s.storage(ctx)
	if err == nil && stored+size > l.StorageBytes {
		e := apperr.Errorf(apperr.QuotaExceeded, "quota exceeded: %s is limited to %d (in use: %d, requested: %d more)", StorageBytes, l.StorageBytes, stored, size)
		e.Extensions = map[string]any{"quota": StorageBytes, "limit": l.StorageBytes, "used": stored, "requested": size}
		err = e
	}
	if err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// MonthStart is the first instant of t's month, UTC: monthly quotas reset then.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// usage counts the viewer's tenant's simulations (and storage when asked).
func (s *Service) usage(ctx context.Context, withStorage bool) (Usage, error) {
	var u Usage
	sims, err := s.Clients(ctx, "simulation")
	if err != nil {
		return u, err
	}
	if u.ConcurrentSimulations, err = sims.Simulation.Query().
		Where(entsimulation.StatusIn(entsimulation.StatusQUEUED, entsimulation.StatusRUNNING)).Count(ctx); err != nil {
		return u, fmt.Errorf("counting simulations: %w", err)
	}
	if u.SimulationsThisMonth, err = sims.Simulation.Query().
		Where(entsimulation.CreatedAtGTE(MonthStart(time.Now()))).Count(ctx); err != nil {
		return u, fmt.Errorf("counting simulations: %w", err)
	}
	if withStorage {
		if u.StorageBytes, err = s.storage(ctx); err != nil {
			return u, err
		}
	}
	return u, nil
}

// storage sums the viewer's tenant's stored workbooks.
func (s *Service) storage(ctx context.Context) (int64, error) {
	files, err := s.Clients(ctx, "file")
	if err != nil {
		return 0, err
	}
	return SumWorkbookBytes(ctx, files)
}

// SumWorkbookBytes returns the bytes of the workbooks client sees.
func SumWorkbookBytes(ctx context.Context, client *ent.Client) (int64, error) {
	var out []struct {
		Sum sql.NullInt64 `json:"sum"`
	}
	if err := client.Workbook.Query().Aggregate(ent.Sum(entworkbook.FieldSize)).Scan(ctx, &out); err != nil {
		return 0, fmt.Errorf("summing workbook sizes: %w", err)
	}
	if len(out) == 0 {
		return 0, nil
	}
	return out[0].Sum.Int64, nil
}

// Status returns the viewer's organization's quotas and use.
func (s *Service) Status(ctx context.Context) (*Status, error) {
	v, tier, err := s.viewerTier(ctx)
	if err != nil {
		return nil, err
	}
	l, over, err := s.limits(ctx, v.TenantID, tier)
	if err != nil {
		return nil, err
	}
	u, err := s.usage(ctx, true)
	if err != nil {
		return nil, err
	}
	return &Status{TenantID: v.TenantID, Tier: string(tier), Limits: l, TierLimits: s.tierLimits(tier), Overridden: over, Usage: &u}, nil
}

// SetOverride replaces an organization's quotas (SYSTEM_ADMIN only); an
// override with every limit nil removes it. Limits must be positive.
func (s *Service) SetOverride(ctx context.Context, organizationID string, o Override) (*Status, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token in the Authorization header")
	}
	if !v.Has(viewer.SystemAdmin) {
		return nil, apperr.Errorf(apperr.Forbidden, "only a system administrator may change quotas")
	}
	for name, n := range map[string]*int64{
		"concurrentSimulations": intp(o.ConcurrentSimulations), "iterationsPerSimulation": intp(o.IterationsPerSimulation),
		"simulationsPerMonth": intp(o.SimulationsPerMonth), "uploadBytes": o.UploadBytes, "storageBytes": o.StorageBytes,
		"requestsPerMinute": intp(o.RequestsPerMinute),
	} {
		if n != nil && *n < 0 {
			return nil, apperr.Errorf(apperr.BadUserInput, "%s must not be negative", name)
		}
	}
	org, err := s.organization(ctx, organizationID)
	if err != nil {
		return nil, err
	}
	if o.empty() {
		if _, err := s.Billing.QuotaOverride.Delete().Where(quotaoverride.ID(org.TenantID)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("removing quota override: %w", err)
		}
	} else {
		err := s.Billing.QuotaOverride.Create().
			SetID(org.TenantID).SetOrganizationID(org.ID.String()).
			SetNillableConcurrentSimulations(o.ConcurrentSimulations).
			SetNillableIterationsPerSimulation(o.IterationsPerSimulation).
			SetNillableSimulationsPerMonth(o.SimulationsPerMonth).
			SetNillableUploadBytes(o.UploadBytes).
			SetNillableStorageBytes(o.StorageBytes).
			SetNillableRequestsPerMinute(o.RequestsPerMinute).
			SetUpdatedBy(v.UserID.String()).
			OnConflictColumns(quotaoverride.FieldID).UpdateNewValues().
			Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("storing quota override: %w", err)
		}
	}
	s.cache.Delete(org.TenantID)
	tier := tenancy.Tier(org.Tier)
	l, over, err := s.limits(ctx, org.TenantID, tier)
	if err != nil {
		return nil, err
	}
	return &Status{TenantID: org.TenantID, Tier: string(tier), Limits: l, TierLimits: s.tierLimits(tier), Overridden: over}, nil
}

func intp(p *int) *int64 {
	if p == nil {
		return nil
	}
	n := int64(*p)
	return &n
}

// organization finds an organization by ID or tenant ID.
func (s *Service) organization(ctx context.Context, id string) (*ent.Organization, error) {
	q := s.Users.Organization.Query()
	if tenancy.ID(id).Valid() {
		q = q.Where(organization.TenantID(id))
	} else if uid, err := parseUUID(id); err == nil {
		q = q.Where(organization.ID(uid))
	} else {
		return nil, apperr.Errorf(apperr.NotFound, "organization %s not found", id)
	}
	org, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Errorf(apperr.NotFound, "organization %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading organization: %w", err)
	}
	return org, nil
}

// RequestsPerMinuteOf returns the rate limit of the viewer's tenant; the
// override is read at most every 15 s per tenant.
func (s *Service) RequestsPerMinuteOf(ctx context.Context, v *viewer.Viewer) int {
	if c, ok := s.cache.Load(v.TenantID); ok && time.Since(c.(cachedLimits).at) < 15*time.Second {
		return c.(cachedLimits).limits.RequestsPerMinute
	}
	l, _, err := s.limits(ctx, v.TenantID, tenancy.Tier(v.Tier))
	if err != nil {
		return s.tierLimits(tenancy.Tier(v.Tier)).RequestsPerMinute
	}
	s.cache.Store(v.TenantID, cachedLimits{limits: l, at: time.Now()})
	return l.RequestsPerMinute
}

// lock takes the tenant's quota lock: in-process first (so waiters do not
// each hold a database connection), then, in server mode, the PostgreSQL
// advisory lock every replica shares.
func (s *Service) lock(ctx context.Context, tenant string) (func(), error) {
	s.mu.Lock()
	if s.locks == nil {
		s.locks = map[string]chan struct{}{}
	}
	ch, ok := s.locks[tenant]
	if !ok {
		ch = make(chan struct{}, 1)
		s.locks[tenant] = ch
	}
	s.mu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, apperr.Wrap(apperr.Unavailable, ctx.Err(), "the quota check timed out; try again")
	}
	local := func() { <-ch }
	if s.LockDB == nil {
		return local, nil
	}
	unlock, err := database.AdvisoryLock(ctx, s.LockDB, lockKey(tenant))
	if err != nil {
		local()
		return nil, fmt.Errorf("quota lock: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			unlock()
			local()
		})
	}, nil
}

// lockKey is the advisory lock key of a tenant's quota: its 64-bit ID with
// the top bit cleared so it never equals the (small, positive) one-key
// locks of migrations.
func lockKey(tenant string) int64 {
	n, _ := strconv.ParseUint(tenant, 16, 64)
	return int64(n>>1) | 1<<61
}
