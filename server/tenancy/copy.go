package tenancy

import (
	"context"
	"crypto/sha256"
	stdsql "database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"

	"github.com/simgraph/simgraph/server/database"
)

// tableSum is a table's rows of one tenant: how many, and a SHA-256 over
// every value of every row in primary-key order.
type tableSum struct {
	Rows int64
	Sum  string
}

func columnList(t *schema.Table) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = database.QuoteIdent(c.Name)
	}
	return strings.Join(names, ", ")
}

func orderBy(t *schema.Table) string {
	names := make([]string, len(t.PrimaryKey))
	for i, c := range t.PrimaryKey {
		names[i] = database.QuoteIdent(c.Name)
	}
	return strings.Join(names, ", ")
}

// selectTenant returns the query reading a tenant's rows of t in
// primary-key order.
func selectTenant(dialectName string, t *schema.Table) string {
	return rebind(dialectName, "SELECT "+columnList(t)+" FROM "+database.QuoteIdent(t.Name)+" WHERE tenant_id = $1 ORDER BY "+orderBy(t))
}

// checksum reads a tenant's rows of t and sums them.
func checksum(ctx context.Context, db *stdsql.DB, dialectName string, t *schema.Table, tenant ID) (tableSum, error) {
	rows, err := db.QueryContext(ctx, selectTenant(dialectName, t), string(tenant))
	if err != nil {
		return tableSum{}, fmt.Errorf("reading %s: %w", t.Name, err)
	}
	defer rows.Close()
	h := sha256.New()
	vals := make([]any, len(t.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	// A JSON column reads as bytes, which pgx writes as bytea unless the
	// statement's parameter types are known (they are not in the query
	// mode used behind a transaction pooler); json.RawMessage is written
	// as JSON either way, as ent writes it.
	isJSON := make([]bool, len(t.Columns))
	for i, c := range t.Columns {
		isJSON[i] = c.Type == field.TypeJSON
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return tableSum{}, fmt.Errorf("reading %s: %w", t.Name, err)
		}
		for _, v := range vals {
			writeValue(h, v)
		}
		h.Write([]byte{'\n'})
		n++
	}
	if err := rows.Err(); err != nil {
		return tableSum{}, fmt.Errorf("reading %s: %w", t.Name, err)
	}
	return tableSum{Rows: n, Sum: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeValue writes an unambiguous encoding of one scanned value: its type,
// its length and its bytes.
func writeValue(h interface{ Write([]byte) (int, error) }, v any) {
	var s string
	switch v := v.(type) {
	case nil:
		s = "n"
	case []byte:
		s = "b" + hex.EncodeToString(v)
	case string:
		s = "s" + v
	case time.Time:
		s = "t" + v.UTC().Format(time.RFC3339Nano)
	default:
		s = fmt.Sprintf("%T:%v", v, v)
	}
	fmt.Fprintf(h, "%d:%s|", len(s), s)
}

// copyRows copies a tenant's rows of t from src to dst in one destination
// transaction, and returns how many.
func copyRows(ctx context.Context, src, dst *stdsql.DB, srcDialect, dstDialect string, t *schema.Table, tenant ID) (int64, error) {
	rows, err := src.QueryContext(ctx, selectTenant(srcDialect, t), string(tenant))
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", t.Name, err)
	}
	defer rows.Close()
	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	marks := make([]string, len(t.Columns))
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	insert := rebind(dstDialect, "INSERT INTO "+database.QuoteIdent(t.Name)+" ("+columnList(t)+") VALUES ("+strings.Join(marks, ", ")+")")
	vals := make([]any, len(t.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	// A JSON column reads as bytes, which pgx writes as bytea unless the
	// statement's parameter types are known (they are not in the query
	// mode used behind a transaction pooler); json.RawMessage is written
	// as JSON either way, as ent writes it.
	isJSON := make([]bool, len(t.Columns))
	for i, c := range t.Columns {
		isJSON[i] = c.Type == field.TypeJSON
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("reading %s: %w", t.Name, err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok && isJSON[i] {
				vals[i] = json.RawMessage(b)
			}
		}
		// Not a prepared statement: behind a transaction pooler its
		// deallocation after the commit could reach another server
		// connection and leave it behind. pgx caches the statement on a
		// direct connection anyway.
		if _, err := tx.ExecContext(ctx, insert, vals...); err != nil {
			return n, fmt.Errorf("writing %s: %w", t.Name, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("reading %s: %w", t.Name, err)
	}
	return n, tx.Commit()
}

// deleteTenant removes a tenant's rows of every tenant table of spec.
func deleteTenant(ctx context.Context, db *stdsql.DB, dialectName string, spec database.ServiceSpec, tenant ID) error {
	for _, t := range database.TenantTables(spec) {
		if _, err := db.ExecContext(ctx, rebind(dialectName, "DELETE FROM "+database.QuoteIdent(t.Name)+" WHERE tenant_id = $1"), string(tenant)); err != nil {
			return fmt.Errorf("deleting from %s: %w", t.Name, err)
		}
	}
	return nil
}

// setFence records state for tenant in db's fence table; "" removes it.
func setFence(ctx context.Context, db *stdsql.DB, dialectName string, tenant ID, state string) error {
	var err error
	if state == "" {
		_, err = db.ExecContext(ctx, rebind(dialectName, "DELETE FROM "+database.FenceTable+" WHERE tenant_id = $1"), string(tenant))
	} else {
		_, err = db.ExecContext(ctx, rebind(dialectName, "INSERT INTO "+database.FenceTable+" (tenant_id, state) VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET state = excluded.state"), string(tenant), state)
	}
	if err != nil {
		return fmt.Errorf("setting fence of %s to %q: %w", tenant, state, err)
	}
	return nil
}

// waitWriters returns once every transaction that took tenant's shared
// lock before now has ended: with the fence set, no write can then slip in
// behind the copy. SQLite needs none: its writers are serialised and read
// the fence inside their transaction.
func waitWriters(ctx context.Context, db *stdsql.DB, dialectName string, tenant ID) error {
	if dialectName != dialect.Postgres {
		return nil
	}
	hi, lo := lockKeys(tenant)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, $2)", hi, lo); err != nil {
		return fmt.Errorf("waiting for writers of %s: %w", tenant, err)
	}
	return tx.Commit()
}
