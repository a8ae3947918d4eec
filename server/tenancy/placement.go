package tenancy

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/organization"
	"github.com/simgraph/simgraph/ent/rule"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/database"
)

// placementTable records, per tenant, the tier whose databases hold its
// data, its enterprise servers and the state of a tier move. It lives in
// the user service's database, beside organizations, and is the only thing
// the router trusts: a token's tier may be stale.
const placementTable = "simgraph_tenant_placement"

// Move states.
const (
	moveNone     = ""
	moveCopying  = "copying"  // source fenced, rows being copied; source authoritative
	moveSwitched = "switched" // destination authoritative; source being cleaned
)

// placementMigrations create the placement table. They are idempotent and
// run at every start.
var placementMigrations = []string{
	`CREATE TABLE IF NOT EXISTS ` + placementTable + ` (
		tenant_id TEXT PRIMARY KEY,
		organization_id TEXT NOT NULL,
		tier TEXT NOT NULL,
		primary_url TEXT NOT NULL DEFAULT '',
		replica_urls TEXT NOT NULL DEFAULT '[]',
		move_tier TEXT NOT NULL DEFAULT '',
		move_from TEXT NOT NULL DEFAULT '',
		move_state TEXT NOT NULL DEFAULT '',
		updated_at TEXT NOT NULL DEFAULT ''
	)`,
}

// placementRow is one row of the placement table.
type placementRow struct {
	TenantID    ID
	OrgID       string
	Tier        Tier
	PrimaryURL  string
	ReplicaURLs []string
	MoveTier    Tier
	MoveFrom    Tier
	MoveState   string
}

// Location is where one service's data of a tenant lives.
type Location struct {
	Service string
	// Shared is true for the service's shared database.
	Shared  bool
	Dialect string
	// Server is host:port of the PostgreSQL primary (credentials never
	// shown); empty on SQLite.
	Server string
	// Database is the database name, or the SQLite file.
	Database string
	// Replicas are host:port of the read replicas.
	Replicas []string
}

// Placement is where a tenant's data really is, as recorded.
type Placement struct {
	TenantID     ID
	Tier         Tier
	DatabaseTier DatabaseTier
	// Locations has one entry per tenant-routed service.
	Locations []Location
	// Moving is set while a tier move is under way (or interrupted): writes
	// are refused with UNAVAILABLE until it completes.
	Moving bool
	// MoveTarget is the tier being moved to.
	MoveTarget Tier
}

// location is a Location with what it takes to open it.
type location struct {
	Location
	key        string // identity: equal keys are the same database
	ownerURL   string // PostgreSQL: the migration role's URL of the database
	serverURL  string // PostgreSQL: the server, for EnsurePostgresDatabase
	replicaURL []string
	dbTier     DatabaseTier
}

// rebind turns $n placeholders into SQLite's ?n.
func rebind(dialectName, q string) string {
	if dialectName == dialect.SQLite {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}

func (r *Router) userDB() *database.Conn { return r.store.Service(database.User) }

func (r *Router) migratePlacement(ctx context.Context) error {
	u := r.userDB()
	for _, m := range placementMigrations {
		if _, err := u.DB.ExecContext(ctx, m); err != nil {
			return fmt.Errorf("creating %s: %w", placementTable, err)
		}
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *stdsql.Row
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}

// readPlacement reads a tenant's row; ok is false when it has none.
func (r *Router) readPlacement(ctx context.Context, q querier, tenant ID) (row placementRow, ok bool, err error) {
	var replicas string
	err = q.QueryRowContext(ctx, rebind(r.userDB().Dialect, `SELECT tenant_id, organization_id, tier, primary_url, replica_urls, move_tier, move_from, move_state
		FROM `+placementTable+` WHERE tenant_id = $1`), string(tenant)).
		Scan(&row.TenantID, &row.OrgID, &row.Tier, &row.PrimaryURL, &replicas, &row.MoveTier, &row.MoveFrom, &row.MoveState)
	if errors.Is(err, stdsql.ErrNoRows) {
		return row, false, nil
	}
	if err != nil {
		return row, false, fmt.Errorf("reading placement of %s: %w", tenant, err)
	}
	if err := json.Unmarshal([]byte(replicas), &row.ReplicaURLs); err != nil {
		return row, false, fmt.Errorf("placement of %s: replica URLs: %w", tenant, err)
	}
	return row, true, nil
}

// ensurePlacement returns a tenant's placement row, creating it from the
// organization's stored tier on the tenant's first routed request: that is
// where a newly provisioned organization's data starts.
func (r *Router) ensurePlacement(ctx context.Context, tenant ID) (placementRow, error) {
	u := r.userDB()
	row, ok, err := r.readPlacement(ctx, u.DB, tenant)
	if err != nil || ok {
		return row, err
	}
	// System code: the organization is looked up by tenant to learn its
	// tier, whoever asks.
	sys := rule.SystemContext(ctx, "tenant router: initial placement from the organization's tier")
	org, err := u.Client.Organization.Query().Where(organization.TenantID(string(tenant))).Only(sys)
	if ent.IsNotFound(err) {
		return row, apperr.Errorf(apperr.NotFound, "no organization has tenant %s", tenant)
	}
	if err != nil {
		return row, fmt.Errorf("reading organization of tenant %s: %w", tenant, err)
	}
	_, err = u.DB.ExecContext(ctx, rebind(u.Dialect, `INSERT INTO `+placementTable+` (tenant_id, organization_id, tier, updated_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO NOTHING`),
		string(tenant), org.ID.String(), string(org.Tier), time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return row, fmt.Errorf("recording placement of %s: %w", tenant, err)
	}
	row, ok, err = r.readPlacement(ctx, u.DB, tenant)
	if err == nil && !ok {
		err = fmt.Errorf("placement of %s vanished", tenant)
	}
	return row, err
}

// cachedPlacement is a placement row and when it was read.
type cachedPlacement struct {
	row placementRow
	at  time.Time
}

// placement returns the tenant's placement row, from the cache when it is
// younger than the TTL. A stale entry is harmless: every tenant transaction
// checks the fence of the database it lands on, so a write to where the
// tenant no longer lives is refused (UNAVAILABLE, retryable) and the entry
// dropped.
func (r *Router) placement(ctx context.Context, tenant ID) (placementRow, error) {
	r.cacheMu.RLock()
	c, ok := r.cache[tenant]
	r.cacheMu.RUnlock()
	if ok && time.Since(c.at) < r.ttl {
		return c.row, nil
	}
	row, err := r.ensurePlacement(ctx, tenant)
	if err != nil {
		return row, err
	}
	r.cacheMu.Lock()
	r.cache[tenant] = cachedPlacement{row: row, at: time.Now()}
	r.cacheMu.Unlock()
	return row, nil
}

// invalidate drops the cached placement of tenant.
func (r *Router) invalidate(tenant ID) {
	r.cacheMu.Lock()
	delete(r.cache, tenant)
	r.cacheMu.Unlock()
}

// locate returns where service's data of a tenant on tier lives.
func (r *Router) locate(service string, tenant ID, tier Tier, row placementRow) (location, error) {
	dbTier := DatabaseTierOf(tier)
	shared := r.store.Service(service)
	if dbTier == Shared {
		return location{Location: Location{Service: service, Shared: true, Dialect: shared.Dialect, Server: serverOf(shared.URL), Database: shared.Name},
			key: "shared/" + service, ownerURL: shared.URL, dbTier: Shared}, nil
	}
	name := r.prefix + service + "_t_" + string(tenant)
	if r.embedded {
		path := filepath.Join(r.dataDir, "tenants", name+".sqlite")
		return location{Location: Location{Service: service, Dialect: dialect.SQLite, Database: path}, key: "sqlite:" + path, dbTier: dbTier}, nil
	}
	server := r.serverURL(service)
	var replicas []string
	if dbTier == Replicated {
		if row.PrimaryURL != "" {
			server = row.PrimaryURL
		}
		replicas = row.ReplicaURLs
	}
	if server == "" {
		return location{}, fmt.Errorf("no PostgreSQL server for %s's dedicated database", service)
	}
	owner, err := withDatabase(server, name)
	if err != nil {
		return location{}, err
	}
	loc := location{Location: Location{Service: service, Dialect: dialect.Postgres, Server: serverOf(server), Database: name},
		key: "pg:" + serverOf(server) + "/" + name, ownerURL: owner, serverURL: server, dbTier: dbTier}
	for _, rep := range replicas {
		u, err := withDatabase(rep, name)
		if err != nil {
			return location{}, err
		}
		loc.replicaURL = append(loc.replicaURL, u)
		loc.Replicas = append(loc.Replicas, serverOf(rep))
	}
	if len(replicas) > 0 {
		// Replicas are part of the pool: changing them opens a new one.
		loc.key += "+r:" + strings.Join(loc.Replicas, ",")
	}
	return loc, nil
}

// dataKey is a location's identity as far as data goes: replicas are
// copies of the primary.
func (l location) dataKey() string {
	k, _, _ := strings.Cut(l.key, "+r:")
	return k
}

// serverURL is the server on which service's dedicated databases are
// created: the configured server, or that of the service's own URL.
func (r *Router) serverURL(service string) string {
	if r.cfg.PostgresURL != "" {
		return r.cfg.PostgresURL
	}
	return r.cfg.ServiceURLs[service]
}

// withDatabase returns serverURL with its database set to name.
func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("parsing PostgreSQL URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// serverOf returns host:port of a URL, without credentials.
func serverOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Host
}

// Placement returns where a tenant's data is, read from the placement
// table (never from a cache or a token).
func (r *Router) Placement(ctx context.Context, tenant ID) (Placement, error) {
	if !tenant.Valid() {
		return Placement{}, apperr.Errorf(apperr.BadUserInput, "malformed tenant ID")
	}
	row, err := r.ensurePlacement(ctx, tenant)
	if err != nil {
		return Placement{}, err
	}
	return r.placementOf(tenant, row)
}

// RoutingPlacement returns where the router sends a tenant's requests now:
// the placement as Placement describes it, read through the same cache the
// router routes by (fresh within the router's TTL, dropped at once by a
// move on this process), so that what it tells a client and where the
// client's requests go always agree and a request path that asks costs no
// database read.
func (r *Router) RoutingPlacement(ctx context.Context, tenant ID) (Placement, error) {
	if !tenant.Valid() {
		return Placement{}, apperr.Errorf(apperr.BadUserInput, "malformed tenant ID")
	}
	row, err := r.placement(ctx, tenant)
	if err != nil {
		return Placement{}, err
	}
	return r.placementOf(tenant, row)
}

func (r *Router) placementOf(tenant ID, row placementRow) (Placement, error) {
	p := Placement{TenantID: tenant, Tier: row.Tier, DatabaseTier: DatabaseTierOf(row.Tier), Moving: row.MoveState != moveNone}
	if p.Moving {
		p.MoveTarget = row.MoveTier
	}
	for _, spec := range database.Specs {
		if !spec.TenantRouted {
			continue
		}
		loc, err := r.locate(spec.Name, tenant, row.Tier, row)
		if err != nil {
			return Placement{}, err
		}
		p.Locations = append(p.Locations, loc.Location)
	}
	return p, nil
}

// EnterpriseDatabases are an enterprise tenant's servers. Empty PrimaryURL
// means the configured server. Each is a server URL (the migration role's
// credentials for the primary); the tenant's databases on them are named as
// on the configured server. Replicas must be physical standbys of the
// primary.
type EnterpriseDatabases struct {
	PrimaryURL  string
	ReplicaURLs []string
}

// SetEnterpriseDatabases records an organization's enterprise servers. The
// replicas may change at any time; the primary only while the tenant is
// not on ENTERPRISE (moving to it copies the data there).
func (r *Router) SetEnterpriseDatabases(ctx context.Context, tenant ID, dbs EnterpriseDatabases) error {
	if !tenant.Valid() {
		return apperr.Errorf(apperr.BadUserInput, "malformed tenant ID")
	}
	if r.embedded {
		return apperr.Errorf(apperr.BadUserInput, "enterprise databases need server mode (PostgreSQL)")
	}
	for _, u := range append([]string{dbs.PrimaryURL}, dbs.ReplicaURLs...) {
		if u == "" {
			continue
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "postgres" && pu.Scheme != "postgresql") || pu.Host == "" {
			return apperr.Errorf(apperr.BadUserInput, "not a PostgreSQL server URL: %s", serverOf(u))
		}
	}
	unlock, err := r.lockTenant(ctx, tenant)
	if err != nil {
		return err
	}
	defer unlock()
	row, err := r.ensurePlacement(ctx, tenant)
	if err != nil {
		return err
	}
	if dbs.PrimaryURL != row.PrimaryURL && (row.Tier == Enterprise || row.MoveState != moveNone) {
		return apperr.Errorf(apperr.BadUserInput, "the primary of an enterprise tenant changes only off the ENTERPRISE tier")
	}
	old := make([]string, 0, len(database.Specs))
	for _, spec := range database.Specs {
		if spec.TenantRouted {
			if loc, err := r.locate(spec.Name, tenant, Enterprise, row); err == nil {
				old = append(old, loc.key)
			}
		}
	}
	replicas, _ := json.Marshal(append([]string{}, dbs.ReplicaURLs...))
	u := r.userDB()
	_, err = u.DB.ExecContext(ctx, rebind(u.Dialect, `UPDATE `+placementTable+` SET primary_url = $1, replica_urls = $2, updated_at = $3 WHERE tenant_id = $4`),
		dbs.PrimaryURL, string(replicas), time.Now().UTC().Format(time.RFC3339Nano), string(tenant))
	if err != nil {
		return fmt.Errorf("recording enterprise databases of %s: %w", tenant, err)
	}
	r.invalidate(tenant)
	for _, k := range old {
		r.pools.remove(k)
		r.clients.Delete(k)
	}
	return nil
}
