package database

import (
	"context"
	"database/sql"
)

// AdvisoryLock takes the PostgreSQL advisory lock key on db, waiting for
// it as long as ctx allows, and holds it until unlock is called (or the
// connection dies).
//
// The lock is transaction-level (pg_advisory_xact_lock) in a transaction
// left open until unlock, rather than a session lock on a dedicated
// connection: behind a transaction pooler (PgBouncer's pool_mode =
// transaction) a session lock stays on whichever server connection ran
// it, that connection serves other clients once the statement ends, and
// the unlock may run on another one. An open transaction keeps its server
// connection for itself until it ends. Both forms share one key space, so
// processes using either exclude each other. The transaction runs nothing
// else: it holds no snapshot and no transaction ID, and only ties up one
// connection, as the session lock did.
func AdvisoryLock(ctx context.Context, db *sql.DB, key int64) (unlock func(), err error) {
	// Not ctx: database/sql rolls a transaction back when its context
	// ends, which would release the lock under a caller still inside its
	// critical section. ctx bounds the wait only.
	tx, err := db.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", key); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return func() { _ = tx.Rollback() }, nil
}
