package tenancy

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/viewer"
)

// driver is the ent dialect.Driver of tenant traffic. Every statement runs
// for the tenant of its context's viewer:
//
//   - outside an explicit transaction, in a short transaction of its own;
//   - every transaction starts with set_config('app.tenant_id', tenant, true)
//     (transaction-local: nothing is left on the pooled connection) and a
//     look at the fence table, so a tenant being moved is not written and a
//     tenant that lives elsewhere is not read;
//   - a writing transaction first takes the tenant's advisory lock in shared
//     mode, which lets the tier mover wait for in-flight writers;
//   - on an enterprise tenant, reads of a request that has not written go to
//     a healthy replica, everything else to the primary.
//
// Without a viewer no tenant is set, and row-level security shows nothing.
// ent code stays unchanged: the router hands out ent clients over this
// driver.
type driver struct {
	dialect string
	// tenant is set for a dedicated database: a context of another tenant is
	// refused. Empty for a shared database.
	tenant ID
	// acquire returns the pool to use, holding it open until release.
	acquire func(ctx context.Context) (*pool, error)
	// invalidate forgets the cached placement of a tenant found fenced.
	invalidate func(ID)
	stats      *Stats
}

var _ dialect.Driver = (*driver)(nil)

// errMoving is returned to writers of a tenant whose data is being moved.
func errMoving() error {
	return apperr.Errorf(apperr.Unavailable, "the organization's data is being moved between database tiers; retry in a moment")
}

func (d *driver) Dialect() string { return d.dialect }

// Close does nothing: the router owns the pools, a client's Close must not
// shut them for everyone else.
func (d *driver) Close() error { return nil }

// tenantOf returns the tenant statements of ctx run for.
func (d *driver) tenantOf(ctx context.Context) (ID, error) {
	v := viewer.FromContext(ctx)
	if v == nil || !ID(v.TenantID).Valid() {
		if d.tenant != "" {
			return "", apperr.Errorf(apperr.Unauthenticated, "no tenant in context")
		}
		return "", nil
	}
	if d.tenant != "" && ID(v.TenantID) != d.tenant {
		// A client of one tenant's database used for another: a bug, and
		// exactly what isolation must survive.
		return "", apperr.Errorf(apperr.Forbidden, "database of another tenant")
	}
	return ID(v.TenantID), nil
}

// isRead reports whether a statement only reads. ent writes with INSERT,
// UPDATE, DELETE (some with RETURNING, sent as queries); anything not
// plainly a SELECT counts as a write.
func isRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) < 6 || !strings.EqualFold(q[:6], "SELECT") {
		return false
	}
	u := strings.ToUpper(q)
	return !strings.Contains(u, " FOR UPDATE") && !strings.Contains(u, " FOR SHARE") && !strings.Contains(u, " FOR NO KEY UPDATE")
}

// Exec runs a write.
func (d *driver) Exec(ctx context.Context, query string, args, v any) error {
	argv, ok := args.([]any)
	if !ok {
		return fmt.Errorf("tenancy: invalid args type %T", args)
	}
	tenant, err := d.tenantOf(ctx)
	if err != nil {
		return err
	}
	p, err := d.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release()
	markWritten(ctx)
	if tenant == "" {
		return entsql.Conn{ExecQuerier: p.primary}.Exec(ctx, query, args, v)
	}
	tx, err := beginTenant(ctx, p.primary, d.dialect, tenant, true, false)
	if err != nil {
		d.onFence(err, tenant)
		return err
	}
	res, err := tx.ExecContext(ctx, query, argv...)
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
	case *stdsql.Result:
		*v = res
	default:
		return fmt.Errorf("tenancy: invalid result type %T", v)
	}
	return nil
}

// Query runs a read (or a write with RETURNING) and hands back rows that
// commit the statement's transaction when exhausted or closed. A commit
// error shows in rows.Err, which ent checks after the last row.
func (d *driver) Query(ctx context.Context, query string, args, v any) error {
	vr, ok := v.(*entsql.Rows)
	if !ok {
		return fmt.Errorf("tenancy: invalid rows type %T", v)
	}
	argv, ok := args.([]any)
	if !ok {
		return fmt.Errorf("tenancy: invalid args type %T", args)
	}
	tenant, err := d.tenantOf(ctx)
	if err != nil {
		return err
	}
	p, err := d.acquire(ctx)
	if err != nil {
		return err
	}
	read := isRead(query)
	db, onReplica := p.primary, false
	if read && mayReadReplica(ctx) {
		if r := p.healthyReplica(ctx); r != nil {
			db, onReplica = r.db, true
		}
	}
	switch {
	case !read:
		markWritten(ctx)
	case onReplica:
		d.stats.ReplicaReads.Add(1)
	default:
		d.stats.PrimaryReads.Add(1)
	}
	if tenant == "" {
		rows, err := db.QueryContext(ctx, query, argv...)
		if err != nil {
			p.release()
			return err
		}
		*vr = entsql.Rows{ColumnScanner: &finishRows{Rows: rows, finish: func(error) error { p.release(); return nil }}}
		return nil
	}
	if read && d.dialect == dialect.SQLite {
		// SQLite begins every transaction IMMEDIATE (one writer at a
		// time); a read needs no transaction, only the fence.
		if err := checkFence(ctx, db, d.dialect, tenant, false); err != nil {
			p.release()
			d.onFence(err, tenant)
			return err
		}
		rows, err := db.QueryContext(ctx, query, argv...)
		if err != nil {
			p.release()
			return err
		}
		*vr = entsql.Rows{ColumnScanner: &finishRows{Rows: rows, finish: func(error) error { p.release(); return nil }}}
		return nil
	}
	tx, err := beginTenant(ctx, db, d.dialect, tenant, !read, onReplica)
	if err != nil && onReplica {
		// The replica failed us between health checks: mark it and read
		// from the primary.
		p.replicaFailed(db)
		db = p.primary
		tx, err = beginTenant(ctx, db, d.dialect, tenant, !read, false)
	}
	if err != nil {
		p.release()
		d.onFence(err, tenant)
		return err
	}
	rows, err := tx.QueryContext(ctx, query, argv...)
	if err != nil {
		_ = tx.Rollback()
		p.release()
		return err
	}
	*vr = entsql.Rows{ColumnScanner: &finishRows{Rows: rows, finish: func(rowsErr error) error {
		defer p.release()
		if rowsErr != nil {
			_ = tx.Rollback()
			return nil
		}
		return tx.Commit()
	}}}
	return nil
}

// Tx starts a transaction for the tenant of ctx on the primary.
func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

// BeginTx starts a transaction with options on the primary; ent's
// Client.BeginTx calls it.
func (d *driver) BeginTx(ctx context.Context, opts *stdsql.TxOptions) (dialect.Tx, error) {
	tenant, err := d.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := d.acquire(ctx)
	if err != nil {
		return nil, err
	}
	markWritten(ctx)
	var tx *stdsql.Tx
	if tenant == "" {
		tx, err = p.primary.BeginTx(ctx, opts)
	} else {
		tx, err = beginTenantOpts(ctx, p.primary, d.dialect, tenant, true, opts)
	}
	if err != nil {
		p.release()
		d.onFence(err, tenant)
		return nil, err
	}
	return &tenantTx{Tx: &entsql.Tx{Conn: entsql.Conn{ExecQuerier: tx}, Tx: tx}, release: p.release}, nil
}

// ExecContext runs raw SQL for system code on the pool; with a tenant in
// ctx it is refused (use a transaction: Client.Tx, whose ExecContext runs
// after set_config).
func (d *driver) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	p, err := d.rawPool(ctx)
	if err != nil {
		return nil, err
	}
	defer p.release()
	markWritten(ctx)
	return p.primary.ExecContext(ctx, query, args...)
}

// QueryContext is ExecContext for queries; the rows hold the pool until
// closed only as database/sql does (the pool is released at once, which
// is harmless: an evicted pool waits for open connections on Close).
func (d *driver) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	p, err := d.rawPool(ctx)
	if err != nil {
		return nil, err
	}
	defer p.release()
	return p.primary.QueryContext(ctx, query, args...)
}

func (d *driver) rawPool(ctx context.Context) (*pool, error) {
	if v := viewer.FromContext(ctx); v != nil && v.TenantID != "" {
		return nil, errors.New("tenancy: raw SQL with a tenant runs in a transaction (Client.Tx), where the tenant is set")
	}
	return d.acquire(ctx)
}

func (d *driver) onFence(err error, tenant ID) {
	if apperr.CodeOf(err) == apperr.Unavailable && d.invalidate != nil {
		d.invalidate(tenant)
	}
}

// tenantTx releases its pool once, at commit or rollback.
type tenantTx struct {
	*entsql.Tx
	once    sync.Once
	release func()
}

func (t *tenantTx) Commit() error {
	defer t.once.Do(t.release)
	return t.Tx.Commit()
}

func (t *tenantTx) Rollback() error {
	defer t.once.Do(t.release)
	return t.Tx.Rollback()
}

// finishRows calls finish once: when Next reports the end (so that the
// commit's error shows in Err) or at Close, whichever comes first.
type finishRows struct {
	*stdsql.Rows
	once      sync.Once
	finish    func(rowsErr error) error
	finishErr error
}

func (r *finishRows) done() {
	r.once.Do(func() {
		closeErr := r.Rows.Close()
		r.finishErr = r.finish(errors.Join(r.Rows.Err(), closeErr))
	})
}

func (r *finishRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.done()
	return false
}

func (r *finishRows) NextResultSet() bool { return false }

func (r *finishRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.finishErr
}

func (r *finishRows) Close() error {
	r.done()
	return r.finishErr
}

// lockKeys splits a tenant ID into the two 32-bit keys of its advisory
// lock. The two-key form keeps tenant locks apart from one-key locks.
func lockKeys(tenant ID) (int32, int32) {
	n, _ := strconv.ParseUint(string(tenant), 16, 64)
	return int32(uint32(n >> 32)), int32(uint32(n))
}

// beginTenant starts a transaction for tenant: see driver.
func beginTenant(ctx context.Context, db *stdsql.DB, dialectName string, tenant ID, write, readOnly bool) (*stdsql.Tx, error) {
	var opts *stdsql.TxOptions
	if readOnly {
		opts = &stdsql.TxOptions{ReadOnly: true}
	}
	return beginTenantOpts(ctx, db, dialectName, tenant, write, opts)
}

func beginTenantOpts(ctx context.Context, db *stdsql.DB, dialectName string, tenant ID, write bool, opts *stdsql.TxOptions) (*stdsql.Tx, error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	if dialectName == dialect.Postgres {
		hi, lo := lockKeys(tenant)
		var err error
		if write {
			// The lock first, in a statement of its own: the fence is then
			// read with a snapshot taken after the lock was granted.
			_, err = tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock_shared($1, $2), set_config('app.tenant_id', $3, true)", hi, lo, string(tenant))
		} else {
			_, err = tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', $1, true)", string(tenant))
		}
		if err != nil {
			_ = tx.Rollback()
			return nil, err
		}
	}
	if err := checkFence(ctx, tx, dialectName, tenant, write); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return tx, nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *stdsql.Row
}

// checkFence refuses a write to a fenced tenant, and a read of a tenant
// whose data has moved away.
func checkFence(ctx context.Context, q queryRower, dialectName string, tenant ID, write bool) error {
	query := "SELECT state FROM " + database.FenceTable + " WHERE tenant_id = $1"
	if dialectName == dialect.SQLite {
		query = "SELECT state FROM " + database.FenceTable + " WHERE tenant_id = ?"
	}
	var state string
	err := q.QueryRowContext(ctx, query, string(tenant)).Scan(&state)
	switch {
	case errors.Is(err, stdsql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("reading tenant fence: %w", err)
	case write || state == database.FenceMoved:
		return errMoving()
	}
	return nil
}
