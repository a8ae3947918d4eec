package server_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest"
)

// Through PgBouncer in transaction pooling mode, pgx's default query mode
// breaks as soon as two clients take turns on a server connection: the
// second prepares a statement the first left there ("already exists"), or
// finds its own missing ("does not exist"). SIMGRAPH_POSTGRES_POOLER's
// mode leaves no prepared statement behind.
func TestPgBouncerQueryMode(t *testing.T) {
	t.Parallel()
	cfg := servertest.PgBouncerConfig(t)
	// The same PgBouncer without SIMGRAPH_POSTGRES_POOLER's query mode.
	unconfigured := servertest.SharedPgBouncer(t).URL(servertest.PostgresURL(t))
	tests := []struct {
		name    string
		url     string
		wantErr bool
	}{
		{"DefaultStatementCache", unconfigured, true},
		{"PoolerSetting", cfg.PostgresURL, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sql.Open("pgx", tt.url)
			require.NoError(t, err)
			defer db.Close()
			// Two client connections taking turns: PgBouncer serves
			// their statements from the same server connections.
			var conns [2]*sql.Conn
			for i := range conns {
				conns[i], err = db.Conn(ctx)
				require.NoError(t, err)
				defer conns[i].Close()
			}
			// A statement no other test sends, so no earlier run prepared it.
			marker := uuid.NewString()
			query := fmt.Sprintf("SELECT $1::int + 1 /* %s */", marker)
			var errs []error
			for i := range 20 {
				var n int
				if err := conns[i%2].QueryRowContext(ctx, query, i).Scan(&n); err != nil {
					errs = append(errs, err)
					continue
				}
				require.Equal(t, i+1, n)
			}
			if tt.wantErr {
				require.NotEmpty(t, errs, "named prepared statements through transaction pooling must break (or this test proves nothing)")
				for _, err := range errs {
					pgErr, ok := errors.AsType[*pgconn.PgError](err)
					require.True(t, ok, "want a PostgreSQL error, got %v", err)
					// 42P05 duplicate_prepared_statement, 26000
					// invalid_sql_statement_name (does not exist).
					require.Contains(t, []string{"42P05", "26000"}, pgErr.Code, "%v", err)
				}
				return
			}
			require.Empty(t, errs)
			var prepared int
			require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE strpos(statement, $1) > 0", marker).Scan(&prepared))
			require.Zero(t, prepared, "statements left on a pooled server connection")
		})
	}
}

// database.AdvisoryLock holds its lock until unlock, directly and through
// PgBouncer (where a session lock would stay on a server connection that
// serves other clients), and a cancelled context does not release it.
func TestAdvisoryLock(t *testing.T) {
	t.Parallel()
	pg := servertest.PostgresURL(t)
	tests := []struct{ name, url string }{
		{"PostgreSQL", pg},
		{"PgBouncer", servertest.PgBouncerConfig(t).PostgresURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := sql.Open("pgx", tt.url)
			require.NoError(t, err)
			defer db.Close()
			key := int64(uuid.New().ID())<<20 | 1<<62 // apart from the server's keys
			held := func() bool {
				t.Helper()
				tx, err := db.BeginTx(context.Background(), nil)
				require.NoError(t, err)
				defer tx.Rollback()
				var got bool
				require.NoError(t, tx.QueryRow("SELECT pg_try_advisory_xact_lock($1)", key).Scan(&got))
				return !got
			}
			ctx, cancel := context.WithCancel(context.Background())
			unlock, err := database.AdvisoryLock(ctx, db, key)
			require.NoError(t, err)
			// Statements of other clients in between, on the pooled
			// server connections.
			for range 10 {
				require.True(t, held())
			}
			cancel()
			for range 10 {
				require.True(t, held(), "a cancelled context must not release the lock")
			}
			unlock()
			require.False(t, held())
		})
	}
}
