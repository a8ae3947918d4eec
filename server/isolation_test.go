package server_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/privacy"
	"github.com/simgraph/simgraph/ent/rule"
	"github.com/simgraph/simgraph/ent/workbook"
	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/server/tenancy/tenancytest"
	"github.com/simgraph/simgraph/viewer"
)

// TestIsolation runs the isolation checks on one set of service databases
// per backend (each PostgreSQL database costs seconds to create and drop),
// and once more with every PostgreSQL connection made through PgBouncer in
// transaction pooling mode, where tenants' transactions take turns on the
// same server connections.
func TestIsolation(t *testing.T) {
	t.Parallel()
	for _, be := range append(servertest.Backends(), servertest.PgBouncerBackend) {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			cfg := be.Config(t)
			b := tenancytest.New(t, cfg)
			t.Run("OtherTenantNotFound", func(t *testing.T) { testOtherTenantNotFound(t, b) })
			t.Run("ForeignTenantCreate", func(t *testing.T) { testForeignTenantCreate(t, b) })
			t.Run("TierMovesUnderLoad", func(t *testing.T) { testTierMovesUnderLoad(t, b) })
			t.Run("PoolLRU", func(t *testing.T) { testPoolLRU(t, b) })
			if cfg.Embedded() {
				return
			}
			t.Run("RowSecurity", func(t *testing.T) { testRowSecurity(t, b) })
			t.Run("PoolBleed", func(t *testing.T) { testPoolBleed(t, b) })
			t.Run("DedicatedRowsStayHome", func(t *testing.T) { testDedicatedRowsStayHome(t, b) })
		})
	}
}

// Another tenant's objects are not found, whatever the tiers of the two
// tenants: by ID, in lists, for update and for delete.
func testOtherTenantNotFound(t *testing.T, b *tenancytest.Bundle) {
	shared1, shared2 := b.Viewer(t, "shared1"), b.Viewer(t, "shared2")
	pro1, pro2 := b.Viewer(t, "pro1"), b.Viewer(t, "pro2")
	b.SetTier(t, pro1, tenancy.Professional)
	b.SetTier(t, pro2, tenancy.Professional)
	tests := []struct {
		name            string
		owner, intruder context.Context
	}{
		{"SharedReadsShared", shared1, shared2},
		{"SharedReadsDedicated", pro1, shared1},
		{"DedicatedReadsShared", shared1, pro1},
		{"DedicatedReadsDedicated", pro1, pro2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner, intruder := tenancytest.Fresh(tt.owner), tenancytest.Fresh(tt.intruder)
			w := b.CreateWorkbook(t, owner, "secret.xlsx")
			mine := b.CreateWorkbook(t, intruder, "mine.xlsx")

			c := b.File(t, intruder)
			_, err := c.Workbook.Get(intruder, w.ID)
			require.True(t, ent.IsNotFound(err), "get of another tenant's workbook: %v", err)
			n, err := c.Workbook.Query().Where(workbook.ID(w.ID)).Count(intruder)
			require.NoError(t, err)
			require.Zero(t, n)
			all, err := c.Workbook.Query().All(intruder)
			require.NoError(t, err)
			for _, x := range all {
				require.Equal(t, string(tenancytest.Tenant(intruder)), x.TenantID)
			}
			require.Contains(t, ids(all), mine.ID)
			err = c.Workbook.UpdateOneID(w.ID).SetName("pwned").Exec(intruder)
			require.True(t, ent.IsNotFound(err), "update of another tenant's workbook: %v", err)
			err = c.Workbook.DeleteOneID(w.ID).Exec(intruder)
			require.True(t, ent.IsNotFound(err), "delete of another tenant's workbook: %v", err)

			got, err := b.File(t, owner).Workbook.Get(owner, w.ID)
			require.NoError(t, err)
			require.Equal(t, "secret.xlsx", got.Name)
		})
	}
}

func ids(ws []*ent.Workbook) []uuid.UUID {
	out := make([]uuid.UUID, len(ws))
	for i, w := range ws {
		out[i] = w.ID
	}
	return out
}

// A create naming another tenant is refused by the ent hook; a create
// without a viewer or with an empty tenant is refused too.
func testForeignTenantCreate(t *testing.T, b *tenancytest.Bundle) {
	own := b.Viewer(t, "own")
	other := b.Viewer(t, "other")
	c := b.File(t, own)

	_, err := tenancytest.NewWorkbook(c, own, "x.xlsx").SetTenantID(string(tenancytest.Tenant(other))).Save(own)
	require.ErrorIs(t, err, privacy.Deny)

	_, err = tenancytest.NewWorkbook(c, own, "x.xlsx").Save(context.Background())
	require.ErrorIs(t, err, privacy.Deny, "no viewer")

	empty := *viewer.FromContext(own)
	empty.TenantID = ""
	ctx := viewer.NewContext(context.Background(), &empty)
	_, err = tenancytest.NewWorkbook(c, own, "x.xlsx").Save(ctx)
	require.ErrorIs(t, err, privacy.Deny, "empty tenant")
	_, err = b.Router.Client(ctx, database.File)
	require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))
	_, err = b.Router.Client(context.Background(), database.File)
	require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))

	n, err := c.Workbook.Query().Count(own)
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = b.File(t, other).Workbook.Query().Count(other)
	require.NoError(t, err)
	require.Zero(t, n)
}

// appDB connects to the shared file database as the application role.
func appDB(t *testing.T, b *tenancytest.Bundle, maxConns int) *sql.DB {
	t.Helper()
	conn := b.Store.Service(database.File)
	u, err := database.AppURL(conn.URL, conn.AppRole)
	require.NoError(t, err)
	db, err := sql.Open("pgx", u)
	require.NoError(t, err)
	db.SetMaxOpenConns(maxConns)
	t.Cleanup(func() { db.Close() })
	return db
}

// Row-level security holds on its own: with ent's privacy bypassed the
// router's client still sees only its tenant, and raw SQL as the
// application role sees nothing without set_config and only the set
// tenant with it.
func testRowSecurity(t *testing.T, b *tenancytest.Bundle) {
	a := b.Viewer(t, "a")
	z := b.Viewer(t, "z")
	for i := range 3 {
		b.CreateWorkbook(t, a, fmt.Sprintf("a%d.xlsx", i))
	}
	b.CreateWorkbook(t, z, "z.xlsx")

	t.Run("PrivacyBypassed", func(t *testing.T) {
		sys := rule.SystemContext(z, "test: row-level security must hold without ent privacy")
		all, err := b.File(t, z).Workbook.Query().All(sys)
		require.NoError(t, err)
		require.Len(t, all, 1)
		require.Equal(t, string(tenancytest.Tenant(z)), all[0].TenantID)
	})

	db := appDB(t, b, 2)
	ctx := context.Background()
	t.Run("RoleHasNoBypass", func(t *testing.T) {
		var super, bypass, owns bool
		require.NoError(t, db.QueryRowContext(ctx, `SELECT rolsuper, rolbypassrls,
			EXISTS (SELECT 1 FROM pg_tables WHERE tableowner = current_user) FROM pg_roles WHERE rolname = current_user`).Scan(&super, &bypass, &owns))
		require.False(t, super)
		require.False(t, bypass)
		require.False(t, owns)
		var forced bool
		require.NoError(t, db.QueryRowContext(ctx, "SELECT relforcerowsecurity AND relrowsecurity FROM pg_class WHERE relname = 'workbooks'").Scan(&forced))
		require.True(t, forced)
	})
	t.Run("NoTenantSeesNothing", func(t *testing.T) {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM workbooks").Scan(&n))
		require.Zero(t, n)
	})
	t.Run("SetTenantSeesOnlyIt", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', $1, true)", string(tenancytest.Tenant(a)))
		require.NoError(t, err)
		var n, others int
		require.NoError(t, tx.QueryRowContext(ctx, "SELECT count(*), count(*) FILTER (WHERE tenant_id <> $1) FROM workbooks", string(tenancytest.Tenant(a))).Scan(&n, &others))
		require.Equal(t, 3, n)
		require.Zero(t, others)
		// Writing a row of another tenant breaks the policy's WITH CHECK.
		_, err = tx.ExecContext(ctx, "UPDATE workbooks SET tenant_id = $1", string(tenancytest.Tenant(z)))
		pgErr, ok := errors.AsType[*pgconn.PgError](err)
		require.True(t, ok, "want a PostgreSQL error, got %v", err)
		require.Equal(t, "42501", pgErr.Code, "insufficient_privilege (row-level security)")
	})
	t.Run("UpdateWithoutTenantTouchesNothing", func(t *testing.T) {
		res, err := db.ExecContext(ctx, "DELETE FROM workbooks")
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

// A thousand transactions alternating between two tenants over a pool of
// two connections: each sees its own tenant, and a statement outside a
// tenant transaction always finds app.tenant_id empty.
func testPoolBleed(t *testing.T, b *tenancytest.Bundle) {
	two := func(tenancy.DatabaseTier) tenancy.PoolSettings { return tenancy.PoolSettings{Size: 1, Overflow: 1} }
	r, err := tenancy.NewRouter(context.Background(), tenancy.RouterOpts{Store: b.Store, Config: b.Config, PoolFunc: two})
	require.NoError(t, err)
	defer r.Close()
	ctxs := []context.Context{b.Viewer(t, "a"), b.Viewer(t, "b")}
	for i, ctx := range ctxs {
		b.CreateWorkbook(t, ctx, fmt.Sprintf("t%d.xlsx", i))
	}
	c, err := r.Client(ctxs[0], database.File) // the shared file client serves both
	require.NoError(t, err)
	c1, err := r.Client(ctxs[1], database.File)
	require.NoError(t, err)
	require.Same(t, c, c1)
	raw := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 1000 {
		wg.Go(func() {
			ctx := ctxs[i%2]
			want := string(tenancytest.Tenant(ctx))
			tx, err := c.Tx(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer tx.Rollback()
			rows, err := tx.QueryContext(ctx, "SELECT current_setting('app.tenant_id', true), (SELECT count(*) FROM workbooks WHERE tenant_id <> current_setting('app.tenant_id', true))")
			if err != nil {
				errs <- err
				return
			}
			var got string
			var foreign int
			for rows.Next() {
				if err := rows.Scan(&got, &foreign); err != nil {
					errs <- err
				}
			}
			rows.Close()
			if got != want || foreign != 0 {
				errs <- fmt.Errorf("transaction %d: tenant %q (want %q), %d foreign rows", i, got, want, foreign)
				return
			}
			n, err := tx.Workbook.Query().Count(ctx)
			if err != nil || n != 1 {
				errs <- fmt.Errorf("transaction %d: %d workbooks, %v", i, n, err)
				return
			}
			if err := tx.Commit(); err != nil {
				errs <- err
				return
			}
			// Outside any tenant transaction, on the same two connections.
			rs, err := c.QueryContext(raw, "SELECT coalesce(current_setting('app.tenant_id', true), '')")
			if err != nil {
				errs <- err
				return
			}
			for rs.Next() {
				var leaked string
				if err := rs.Scan(&leaked); err != nil {
					errs <- err
				} else if leaked != "" {
					errs <- fmt.Errorf("after transaction %d: app.tenant_id %q outside a tenant transaction", i, leaked)
				}
			}
			rs.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// countRows counts a tenant's workbooks in a database as the migration
// role (which row-level security does not limit).
func countRows(t *testing.T, serverURL, dbName string, tenant tenancy.ID) int {
	t.Helper()
	u, err := database.EnsurePostgresDatabase(context.Background(), serverURL, dbName)
	require.NoError(t, err)
	db, err := sql.Open("pgx", u)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM workbooks WHERE tenant_id = $1", string(tenant)).Scan(&n))
	return n
}

// A dedicated tenant's rows are in its own database and nowhere in the
// shared one; moving back reverses that.
func testDedicatedRowsStayHome(t *testing.T, b *tenancytest.Bundle) {
	cfg := b.Config
	ctx := b.Viewer(t, "pro")
	tenant := tenancytest.Tenant(ctx)
	b.CreateWorkbook(t, ctx, "shared-then-moved.xlsx")
	b.SetTier(t, ctx, tenancy.Professional)
	ctx = tenancytest.Fresh(ctx)
	b.CreateWorkbook(t, ctx, "born-dedicated.xlsx")

	shared := cfg.DatabasePrefix + "file_db"
	dedicated := cfg.DatabasePrefix + "file_t_" + string(tenant)
	p, err := b.Router.Placement(ctx, tenant)
	require.NoError(t, err)
	for _, l := range p.Locations {
		if l.Service == database.File {
			require.Equal(t, dedicated, l.Database)
		}
	}
	require.Equal(t, 2, countRows(t, cfg.PostgresURL, dedicated, tenant))
	require.Zero(t, countRows(t, cfg.PostgresURL, shared, tenant))

	b.SetTier(t, ctx, tenancy.Standard)
	require.Equal(t, 2, countRows(t, cfg.PostgresURL, shared, tenant))
	require.Zero(t, countRows(t, cfg.PostgresURL, dedicated, tenant))
}

// An enterprise tenant reads from a real streaming replica, except after
// writing in the same request; a lagging or stopped replica is skipped.
func TestIsolationEnterpriseReplica(t *testing.T) {
	t.Parallel()
	standby := tenancytest.StartStandby(t)
	cfg := servertest.PostgresConfig(t)
	// A generous lag bound for the replica reads (other tests write to the
	// same server all the time); a one-nanosecond one for the lag test.
	relaxed := tenancy.ReplicaLag{MaxReplay: time.Minute}
	b := tenancytest.New(t, cfg, func(o *tenancy.RouterOpts) { o.ReplicaLag = relaxed })
	strict, err := tenancy.NewRouter(context.Background(), tenancy.RouterOpts{Store: b.Store, Config: cfg, PoolFunc: tenancytest.SmallPools,
		ReplicaLag: tenancy.ReplicaLag{MaxReplay: time.Nanosecond}})
	require.NoError(t, err)
	t.Cleanup(func() { strict.Close() })

	ctx := b.Viewer(t, "enterprise")
	tenant := tenancytest.Tenant(ctx)
	require.NoError(t, b.Router.SetEnterpriseDatabases(context.Background(), tenant, tenancy.EnterpriseDatabases{ReplicaURLs: []string{standby.URL}}))
	b.SetTier(t, ctx, tenancy.Enterprise)
	p, err := b.Router.Placement(ctx, tenant)
	require.NoError(t, err)
	require.Equal(t, tenancy.Replicated, p.DatabaseTier)
	for _, l := range p.Locations {
		require.Len(t, l.Replicas, 1)
		require.False(t, l.Shared)
	}

	ctx = tenancytest.Fresh(ctx)
	w := b.CreateWorkbook(t, ctx, "replicated.xlsx")
	standby.WaitCaughtUp(t)
	appName := "simgraph/file/" + string(tenant) + "/replica"

	t.Run("ReadsGoToReplica", func(t *testing.T) {
		ctx := tenancytest.Fresh(ctx)
		before := b.Router.Stats().ReplicaReads.Load()
		got, err := b.File(t, ctx).Workbook.Get(ctx, w.ID)
		require.NoError(t, err)
		require.Equal(t, "replicated.xlsx", got.Name)
		require.Greater(t, b.Router.Stats().ReplicaReads.Load(), before)
		var n int
		require.NoError(t, standby.DB().QueryRow("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", appName).Scan(&n))
		require.Positive(t, n, "the standby has no connection named %s", appName)
	})
	t.Run("ReadYourWrites", func(t *testing.T) {
		standby.PauseReplay(t)
		defer standby.ResumeReplay(t)
		ctx := tenancytest.Fresh(ctx)
		fresh := b.CreateWorkbook(t, ctx, "just-written.xlsx")
		require.True(t, tenancy.HasWritten(ctx))
		before := b.Router.Stats().ReplicaReads.Load()
		got, err := b.File(t, ctx).Workbook.Get(ctx, fresh.ID)
		require.NoError(t, err, "a request reads its own write")
		require.Equal(t, "just-written.xlsx", got.Name)
		require.Equal(t, before, b.Router.Stats().ReplicaReads.Load(), "read after write went to the replica")

		// A new request on a router whose lag bound the paused replica
		// exceeds reads from the primary.
		ctx = tenancytest.Fresh(ctx)
		c, err := strict.Client(ctx, database.File)
		require.NoError(t, err)
		before = strict.Stats().ReplicaReads.Load()
		got, err = c.Workbook.Get(ctx, fresh.ID)
		require.NoError(t, err, "lagging replica was read")
		require.Equal(t, before, strict.Stats().ReplicaReads.Load())
	})
	t.Run("ReplicaDown", func(t *testing.T) {
		standby.Stop(t)
		ctx := tenancytest.Fresh(ctx)
		c, err := strict.Client(ctx, database.File)
		require.NoError(t, err)
		n, err := c.Workbook.Query().Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, n)
	})
}

// Twenty tier moves back and forth while writers and readers run: every
// write acknowledged is present exactly once afterwards, in the database
// the placement names and nowhere else.
func testTierMovesUnderLoad(t *testing.T, b *tenancytest.Bundle) {
	cfg := b.Config
	{ // one block, so the load's variables end with it
		{
			ctx := b.Viewer(t, "mover")
			bystander := b.Viewer(t, "bystander")
			b.CreateWorkbook(t, bystander, "bystander.xlsx")

			stop := make(chan struct{})
			var (
				mu    sync.Mutex
				acked []uuid.UUID
				wg    sync.WaitGroup
				fail  = make(chan error, 16)
			)
			retryable := func(err error) bool { return apperr.CodeOf(err) == apperr.Unavailable }
			for w := range 3 {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						rctx := tenancytest.Fresh(ctx)
						c, err := b.Router.Client(rctx, database.File)
						if err == nil {
							var wb *ent.Workbook
							wb, err = tenancytest.NewWorkbook(c, rctx, fmt.Sprintf("w%d-%d.xlsx", w, i)).Save(rctx)
							if err == nil {
								mu.Lock()
								acked = append(acked, wb.ID)
								mu.Unlock()
							}
						}
						if err != nil && !retryable(err) {
							fail <- fmt.Errorf("writer %d: %w", w, err)
							return
						}
						// Pace the writers (each move copies every row so far)
						// and back off while a move refuses writes.
						time.Sleep(2 * time.Millisecond)
						if err != nil {
							time.Sleep(10 * time.Millisecond)
						}
					}
				})
			}
			wg.Go(func() { // a reader: never sees another tenant, never errors but retryably
				for {
					select {
					case <-stop:
						return
					default:
					}
					rctx := tenancytest.Fresh(ctx)
					c, err := b.Router.Client(rctx, database.File)
					if err == nil {
						var all []*ent.Workbook
						all, err = c.Workbook.Query().All(rctx)
						for _, wb := range all {
							if wb.TenantID != string(tenancytest.Tenant(ctx)) {
								fail <- fmt.Errorf("reader saw tenant %s", wb.TenantID)
								return
							}
						}
					}
					if err != nil && !retryable(err) {
						fail <- fmt.Errorf("reader: %w", err)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			})
			tiers := []tenancy.Tier{tenancy.Professional, tenancy.Standard}
			for i := range 20 {
				if err := b.Mover.SetTier(context.Background(), tenancytest.OrgID(ctx), tiers[i%2]); err != nil {
					close(stop)
					wg.Wait()
					require.NoError(t, err, "move %d", i)
				}
			}
			close(stop)
			wg.Wait()
			close(fail)
			for err := range fail {
				require.NoError(t, err)
			}

			final := tenancytest.Fresh(ctx)
			all, err := b.File(t, final).Workbook.Query().All(final)
			require.NoError(t, err)
			seen := map[uuid.UUID]int{}
			for _, wb := range all {
				seen[wb.ID]++
			}
			mu.Lock()
			defer mu.Unlock()
			require.NotEmpty(t, acked)
			for _, id := range acked {
				require.Equal(t, 1, seen[id], "acknowledged write %s", id)
			}
			require.Len(t, all, len(acked), "rows nobody acknowledged")
			if cfg.PostgresURL != "" {
				// Nothing left behind: the shared database (where the
				// tenant ended, after an even number of moves) holds every
				// row, the dedicated one none.
				tenant := tenancytest.Tenant(ctx)
				require.Equal(t, len(acked), countRows(t, cfg.PostgresURL, cfg.DatabasePrefix+"file_db", tenant))
				require.Zero(t, countRows(t, cfg.PostgresURL, cfg.DatabasePrefix+"file_t_"+string(tenant), tenant))
			}
			n, err := b.File(t, bystander).Workbook.Query().Count(bystander)
			require.NoError(t, err)
			require.Equal(t, 1, n)
		}
	}
}

// A thousand dedicated tenants (SQLite; a few dozen on PostgreSQL, where
// each database costs seconds) never hold more pools open than
// SIMGRAPH_MAX_TENANT_POOLS, and every tenant's data is reopened on demand.
func testPoolLRU(t *testing.T, b *tenancytest.Bundle) {
	tenants, limit := 1000, 16
	if !b.Config.Embedded() {
		tenants, limit = 12, 4
	}
	cfg := *b.Config
	cfg.MaxTenantPools = limit
	r, err := tenancy.NewRouter(context.Background(), tenancy.RouterOpts{Store: b.Store, Config: &cfg, PoolFunc: tenancytest.SmallPools})
	require.NoError(t, err)
	defer r.Close()
	pro := *b
	pro.Router = r
	pro.Accounts = &account.Service{Users: b.Store.Service(database.User).Client, DefaultTier: tenancy.Professional}

	ctxs := make([]context.Context, tenants)
	for i := range ctxs {
		ctxs[i] = pro.Viewer(t, "lru")
		pro.CreateWorkbook(t, ctxs[i], "w.xlsx")
		require.LessOrEqual(t, r.OpenPools(), limit)
	}
	for _, ctx := range ctxs[:min(len(ctxs), 50)] {
		ctx = tenancytest.Fresh(ctx)
		n, err := pro.File(t, ctx).Workbook.Query().Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.LessOrEqual(t, r.OpenPools(), limit)
	}
	if cfg.PostgresURL != "" {
		db, err := sql.Open("pgx", cfg.PostgresURL)
		require.NoError(t, err)
		defer db.Close()
		var conns int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND datname LIKE '%\_t\_%'`, database.AppRoleName(cfg.DatabasePrefix)).Scan(&conns))
		require.LessOrEqual(t, conns, limit*tenancytest.SmallPools(tenancy.Dedicated).Max())
	}
}
