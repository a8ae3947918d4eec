package tenancy

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/viewer"
)

// RouterOpts configure a Router.
type RouterOpts struct {
	// Store is the opened and migrated service databases.
	Store  *database.Store
	Config *config.Config
	Log    *slog.Logger
	// ReplicaLag bounds replica reads; zero: DefaultReplicaLag.
	ReplicaLag ReplicaLag
	// PlacementTTL is how long a placement read is reused; zero: one
	// second. Correctness does not depend on it (see Router.placement).
	PlacementTTL time.Duration
	// PoolFunc returns the pool settings of a database tier; nil: the
	// service's own (DESIGN.md) for shared databases, DatabaseTier.Pool for
	// dedicated ones. Tests shrink pools with it.
	PoolFunc func(DatabaseTier) PoolSettings
	// WrapDriver, if set, wraps every tenant client's driver (the platform
	// counts statements and latencies with it).
	WrapDriver func(service string, d dialect.Driver) dialect.Driver
}

// Router hands out the ent client of (service, tenant): the service's
// shared database for trial and standard tenants, the tenant's own
// database for professional ones, a primary with read replicas for
// enterprise ones. It decides from the placement table in the user
// service's database, written by tier moves.
type Router struct {
	store      *database.Store
	cfg        *config.Config
	log        *slog.Logger
	embedded   bool
	dataDir    string
	prefix     string
	appRole    string
	lag        ReplicaLag
	ttl        time.Duration
	poolFunc   func(DatabaseTier) PoolSettings
	wrapDriver func(service string, d dialect.Driver) dialect.Driver

	shared  map[string]*sharedService
	pools   *lru
	clients sync.Map // location key -> *ent.Client
	// migrated records the dedicated databases this process has migrated.
	migrated sync.Map

	cacheMu sync.RWMutex
	cache   map[ID]cachedPlacement

	locksMu sync.Mutex
	locks   map[ID]*sync.Mutex

	openPools atomic.Int64
	stats     Stats
	owned     owners
}

// sharedService is a tenant-routed service's shared database as tenant
// traffic sees it.
type sharedService struct {
	pool   *pool
	client *ent.Client
	ownDB  bool // opened by the router (PostgreSQL application role)
}

// Stats count where statements went; tests and metrics read them.
type Stats struct {
	ReplicaReads atomic.Int64
	PrimaryReads atomic.Int64
}

// NewRouter opens the application-role pools of the shared databases and
// creates the placement table. The store must be migrated (which creates
// the application role and row-level security).
func NewRouter(ctx context.Context, o RouterOpts) (*Router, error) {
	if o.Store == nil || o.Config == nil {
		return nil, errors.New("tenancy: NewRouter needs Store and Config")
	}
	r := &Router{
		store:      o.Store,
		cfg:        o.Config,
		log:        o.Log,
		embedded:   o.Config.Embedded(),
		dataDir:    o.Config.DataDir,
		prefix:     o.Config.DatabasePrefix,
		appRole:    database.AppRoleName(o.Config.DatabasePrefix),
		lag:        o.ReplicaLag,
		ttl:        o.PlacementTTL,
		poolFunc:   o.PoolFunc,
		wrapDriver: o.WrapDriver,
		shared:     map[string]*sharedService{},
		pools:      newLRU(max(o.Config.MaxTenantPools, 1)),
		cache:      map[ID]cachedPlacement{},
		locks:      map[ID]*sync.Mutex{},
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.lag == (ReplicaLag{}) {
		r.lag = DefaultReplicaLag
	}
	if r.ttl == 0 {
		r.ttl = time.Second
	}
	if r.poolFunc == nil {
		r.poolFunc = DatabaseTier.Pool
	}
	if err := r.migratePlacement(ctx); err != nil {
		return nil, err
	}
	for _, spec := range database.Specs {
		if !spec.TenantRouted {
			continue
		}
		conn := r.store.Service(spec.Name)
		s := &sharedService{}
		if conn.Dialect == dialect.Postgres {
			ps := spec.Pool
			if o.PoolFunc != nil {
				ps = o.PoolFunc(Shared)
			}
			db, err := r.openApp(conn.URL, spec.Name+"/shared", ps)
			if err != nil {
				r.Close()
				return nil, err
			}
			s.pool, s.ownDB = &pool{primary: db, lag: r.lag}, true
		} else {
			s.pool = &pool{primary: conn.DB, lag: r.lag}
		}
		p := s.pool
		s.client = ent.NewClient(ent.Driver(r.wrap(spec.Name, &driver{
			dialect: conn.Dialect,
			acquire: func(context.Context) (*pool, error) {
				p.tryAcquire()
				return p, nil
			},
			invalidate: r.invalidate,
			stats:      &r.stats,
		})))
		r.shared[spec.Name] = s
	}
	return r, nil
}

// openApp opens a pool on ownerURL's database as the application role.
func (r *Router) openApp(ownerURL, name string, ps PoolSettings) (*stdsql.DB, error) {
	appURL, err := database.AppURL(ownerURL, r.appRole)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(appURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("application_name", "simgraph/"+name)
	u.RawQuery = q.Encode()
	db, err := stdsql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("opening %s as %s: %w", name, r.appRole, err)
	}
	db.SetMaxOpenConns(ps.Max())
	db.SetMaxIdleConns(ps.Size)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// wrap applies RouterOpts.WrapDriver.
func (r *Router) wrap(service string, d dialect.Driver) dialect.Driver {
	if r.wrapDriver == nil {
		return d
	}
	return r.wrapDriver(service, d)
}

// Close closes every pool the router opened. Clients handed out stop
// working.
func (r *Router) Close() error {
	r.pools.closeAll()
	errs := []error{r.owned.closeAll()}
	for _, s := range r.shared {
		if s.ownDB {
			errs = append(errs, s.pool.primary.Close())
		}
	}
	return errors.Join(errs...)
}

// Stats returns the router's counters.
func (r *Router) Stats() *Stats { return &r.stats }

// OpenPools returns the number of dedicated pools currently open
// (including evicted ones still finishing a statement).
func (r *Router) OpenPools() int { return int(r.openPools.Load()) }

// Client returns the ent client of service for the tenant of ctx's viewer.
// Services that hold no tenant data (user, billing, analytics) get their
// one database's client. The client runs every statement for the viewer's
// tenant (see driver); reads of an enterprise tenant go to a replica unless
// the request has written (WithRequestScope).
func (r *Router) Client(ctx context.Context, service string) (*ent.Client, error) {
	spec, ok := database.Spec(service)
	if !ok {
		return nil, fmt.Errorf("tenancy: unknown service %q", service)
	}
	if !spec.TenantRouted {
		return r.store.Service(service).Client, nil
	}
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token in the Authorization header")
	}
	tenant := ID(v.TenantID)
	if !tenant.Valid() {
		return nil, apperr.Errorf(apperr.Forbidden, "the viewer has no tenant")
	}
	row, err := r.placement(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if DatabaseTierOf(row.Tier) == Shared {
		return r.shared[service].client, nil
	}
	loc, err := r.locate(service, tenant, row.Tier, row)
	if err != nil {
		return nil, err
	}
	if c, ok := r.clients.Load(loc.key); ok {
		return c.(*ent.Client), nil
	}
	// First use in this process: open (creating and migrating) now, so a
	// broken database fails here rather than in the middle of a resolver.
	p, err := r.pools.get(ctx, loc.key, func(ctx context.Context) (*pool, error) { return r.openLocation(ctx, spec, tenant, loc) })
	if err != nil {
		return nil, err
	}
	p.release()
	c := ent.NewClient(ent.Driver(r.wrap(spec.Name, &driver{
		dialect: loc.Dialect,
		tenant:  tenant,
		acquire: func(ctx context.Context) (*pool, error) {
			return r.pools.get(ctx, loc.key, func(ctx context.Context) (*pool, error) { return r.openLocation(ctx, spec, tenant, loc) })
		},
		invalidate: r.invalidate,
		stats:      &r.stats,
	})))
	actual, _ := r.clients.LoadOrStore(loc.key, c)
	return actual.(*ent.Client), nil
}

// openLocation opens a dedicated database, creating and migrating it the
// first time this process sees it.
func (r *Router) openLocation(ctx context.Context, spec database.ServiceSpec, tenant ID, loc location) (*pool, error) {
	ps := r.poolFunc(loc.dbTier)
	if err := r.prepare(ctx, spec, loc); err != nil {
		return nil, err
	}
	var p *pool
	if loc.Dialect == dialect.SQLite {
		c, err := database.OpenSQLite(loc.Database, spec)
		if err != nil {
			return nil, err
		}
		c.DB.SetMaxOpenConns(ps.Max())
		c.DB.SetMaxIdleConns(ps.Size)
		p = &pool{primary: c.DB, lag: r.lag}
	} else {
		db, err := r.openApp(loc.ownerURL, spec.Name+"/"+string(tenant)+"/primary", ps)
		if err != nil {
			return nil, err
		}
		p = &pool{primary: db, lag: r.lag}
		for i, ru := range loc.replicaURL {
			rdb, err := r.openApp(ru, spec.Name+"/"+string(tenant)+"/replica", ps)
			if err != nil {
				p.closeDBs()
				return nil, err
			}
			p.replicas = append(p.replicas, &replica{db: rdb, display: loc.Replicas[i]})
		}
	}
	r.openPools.Add(1)
	p.onClose = func() { r.openPools.Add(-1) }
	p.lag = r.lag
	return p, nil
}

// prepare creates and migrates a dedicated database unless this process
// already did.
func (r *Router) prepare(ctx context.Context, spec database.ServiceSpec, loc location) error {
	if _, ok := r.migrated.Load(loc.dataKey()); ok {
		return nil
	}
	c, err := r.openOwner(ctx, spec, loc)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Migrate(ctx); err != nil {
		return fmt.Errorf("migrating %s: %w", loc.Database, err)
	}
	r.migrated.Store(loc.dataKey(), true)
	return nil
}

// openOwner opens a location as the migration role, creating the database
// if missing; the caller closes it. Shared locations return the store's
// connection, which must not be closed: use the returned closer.
func (r *Router) openOwner(ctx context.Context, spec database.ServiceSpec, loc location) (*ownerConn, error) {
	if loc.Shared {
		return &ownerConn{Conn: r.store.Service(spec.Name)}, nil
	}
	if loc.Dialect == dialect.SQLite {
		c, err := database.OpenSQLite(loc.Database, spec)
		if err != nil {
			return nil, err
		}
		c.DB.SetMaxOpenConns(2)
		return &ownerConn{Conn: c, own: true}, nil
	}
	dsn, err := database.EnsurePostgresDatabase(ctx, loc.serverURL, loc.Database)
	if err != nil {
		return nil, err
	}
	c, err := database.OpenPostgres(dsn, spec)
	if err != nil {
		return nil, err
	}
	c.AppRole = r.appRole
	c.DB.SetMaxOpenConns(4)
	return &ownerConn{Conn: c, own: true}, nil
}

// ownerConn is a location opened as the migration role.
type ownerConn struct {
	*database.Conn
	own bool
}

func (o *ownerConn) Close() error {
	if o.own {
		return o.Conn.Close()
	}
	return nil
}

// lockTenant serialises tier moves and enterprise changes of one tenant:
// in this process with a mutex, across processes with an advisory lock in
// the user database (PostgreSQL).
func (r *Router) lockTenant(ctx context.Context, tenant ID) (func(), error) {
	r.locksMu.Lock()
	m, ok := r.locks[tenant]
	if !ok {
		m = &sync.Mutex{}
		r.locks[tenant] = m
	}
	r.locksMu.Unlock()
	m.Lock()
	u := r.userDB()
	if u.Dialect != dialect.Postgres {
		return m.Unlock, nil
	}
	h := fnv.New64a()
	h.Write([]byte("simgraph tier move\x00" + string(tenant)))
	unlock, err := database.AdvisoryLock(ctx, u.DB, int64(h.Sum64()))
	if err != nil {
		m.Unlock()
		return nil, fmt.Errorf("locking tenant %s for a move: %w", tenant, err)
	}
	return func() {
		unlock()
		m.Unlock()
	}, nil
}

// MigrateDedicated migrates every dedicated tenant database recorded in
// the placement table (the `migrate` mutation and `simgraph migrate` call
// it after Store.Migrate). It returns the number of databases migrated.
func (r *Router) MigrateDedicated(ctx context.Context) (int, error) {
	u := r.userDB()
	rows, err := u.DB.QueryContext(ctx, rebind(u.Dialect, `SELECT tenant_id FROM `+placementTable+` WHERE tier IN ($1, $2) OR move_tier IN ($1, $2)`),
		string(Professional), string(Enterprise))
	if err != nil {
		return 0, fmt.Errorf("listing dedicated tenants: %w", err)
	}
	var tenants []ID
	for rows.Next() {
		var id ID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		tenants = append(tenants, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, tenant := range tenants {
		row, ok, err := r.readPlacement(ctx, u.DB, tenant)
		if err != nil || !ok {
			return n, err
		}
		for _, tier := range []Tier{row.Tier, row.MoveTier} {
			if DatabaseTierOf(tier) == Shared || tier == "" {
				continue
			}
			for _, spec := range database.Specs {
				if !spec.TenantRouted {
					continue
				}
				loc, err := r.locate(spec.Name, tenant, tier, row)
				if err != nil {
					return n, err
				}
				r.migrated.Delete(loc.dataKey())
				if err := r.prepare(ctx, spec, loc); err != nil {
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}
