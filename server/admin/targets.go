package admin

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/simgraph/simgraph/server/database"
)

// ServiceTargets returns the store's service databases as migration
// targets, in DESIGN.md's order. With resecure, each is also run through
// database.Conn.Migrate after the ent step (its grants and row-level
// security, idempotent); the server's start skips that, having just done
// it. Either way the tables this package adds get the application role's
// grants and row-level security (secureExtra).
func ServiceTargets(store *database.Store, resecure bool) []Target {
	var out []Target
	for _, c := range store.All() {
		out = append(out, Target{
			Service: c.Spec.Name, Database: displayName(c), Dialect: c.Dialect, DB: c.DB, Tables: TablesOf(c.Spec),
			After: func(ctx context.Context) error {
				if resecure {
					if err := c.Migrate(ctx); err != nil {
						return err
					}
				}
				return secureExtra(ctx, c)
			},
		})
	}
	return out
}

// secureExtra gives the application role (tenant traffic on PostgreSQL)
// access to the tables of ServiceTables that the service's spec does not
// list yet, with row-level security on those holding tenant rows, as
// database.Conn.Migrate does for the spec's own.
func secureExtra(ctx context.Context, c *database.Conn) error {
	if c.Dialect != dialect.Postgres || c.AppRole == "" || !c.Spec.TenantRouted {
		return nil
	}
	var extra []*schema.Table
	for _, t := range ServiceTables[c.Spec.Name] {
		if !slices.ContainsFunc(c.Spec.Tables, func(s *schema.Table) bool { return s.Name == t.Name }) {
			extra = append(extra, t)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	role := database.QuoteIdent(c.AppRole)
	for _, t := range extra {
		name := database.QuoteIdent(t.Name)
		stmts := []string{"GRANT SELECT, INSERT, UPDATE, DELETE ON " + name + " TO " + role}
		if p, ok := pristine[t.Name]; ok {
			t = p
		}
		if slices.ContainsFunc(t.Columns, func(col *schema.Column) bool { return col.Name == database.TenantColumn }) {
			var enabled, forced, isolation, owner bool
			err := c.DB.QueryRowContext(ctx, `SELECT c.relrowsecurity, c.relforcerowsecurity,
				EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'),
				EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'system_owner')
				FROM pg_class c WHERE c.oid = to_regclass($1)`, t.Name).Scan(&enabled, &forced, &isolation, &owner)
			if err != nil {
				return fmt.Errorf("%s service: reading row security of %s: %w", c.Spec.Name, t.Name, err)
			}
			const predicate = "tenant_id = current_setting('app.tenant_id', true)"
			if !enabled {
				stmts = append(stmts, "ALTER TABLE "+name+" ENABLE ROW LEVEL SECURITY")
			}
			if !forced {
				stmts = append(stmts, "ALTER TABLE "+name+" FORCE ROW LEVEL SECURITY")
			}
			if !isolation {
				stmts = append(stmts, "CREATE POLICY tenant_isolation ON "+name+" USING ("+predicate+") WITH CHECK ("+predicate+")")
			}
			if !owner {
				stmts = append(stmts, "CREATE POLICY system_owner ON "+name+" TO CURRENT_USER USING (true) WITH CHECK (true)")
			}
		}
		for _, s := range stmts {
			if _, err := c.DB.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s service: securing %s: %w", c.Spec.Name, t.Name, err)
			}
		}
	}
	return nil
}
