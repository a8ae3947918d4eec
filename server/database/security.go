package database

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/jackc/pgx/v5/pgconn"
)

// FenceTable is in every tenant-routed database. A row for a tenant says
// its data may not be written here: the tenant is being moved away
// (state FenceMoving: reads still served) or lives elsewhere now
// (FenceMoved: reads refused too). The tenant driver checks it at the start
// of every tenant transaction; the tier mover writes it.
const FenceTable = "simgraph_tenant_fence"

// Fence states.
const (
	FenceMoving = "moving"
	FenceMoved  = "moved"
)

// TenantColumn is the column every tenant-owned table has.
const TenantColumn = "tenant_id"

// appRoleSuffix names the application role after the database prefix: role
// names are global to a PostgreSQL cluster, so two test runs (or two
// deployments sharing a server with different prefixes) never share one.
const appRoleSuffix = "simgraph_app"

// AppRoleName is the role tenant traffic connects as: it owns nothing and
// cannot bypass row-level security.
func AppRoleName(prefix string) string { return prefix + appRoleSuffix }

// TenantTables returns the tables of spec that hold tenant rows (those with
// a tenant_id column).
func TenantTables(spec ServiceSpec) []*schema.Table {
	var out []*schema.Table
	for _, t := range spec.Tables {
		if slices.ContainsFunc(t.Columns, func(c *schema.Column) bool { return c.Name == TenantColumn }) {
			out = append(out, t)
		}
	}
	return out
}

// AppURL returns ownerURL with the application role as its user. When the
// owner's URL carries a password, the role's password is derived from it
// (HMAC-SHA256), so every server process sharing the migration credentials
// derives the same one and nothing else needs configuring; without one
// (trust, peer or certificate authentication) the role gets none.
func AppURL(ownerURL, role string) (string, error) {
	u, err := url.Parse(ownerURL)
	if err != nil {
		return "", fmt.Errorf("parsing PostgreSQL URL: %w", err)
	}
	if pw := appPassword(u, role); pw != "" {
		u.User = url.UserPassword(role, pw)
	} else {
		u.User = url.User(role)
	}
	return u.String(), nil
}

func appPassword(owner *url.URL, role string) string {
	pw, ok := owner.User.Password()
	if !ok || pw == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(pw))
	m.Write([]byte("simgraph application role\x00" + role))
	return hex.EncodeToString(m.Sum(nil))[:40]
}

// EnsureAppRole creates the application role on the server of db unless it
// exists, and makes sure it can log in, owns nothing new and has neither
// BYPASSRLS nor SUPERUSER. ownerURL supplies the password derivation.
func EnsureAppRole(ctx context.Context, db *sql.DB, ownerURL, role string) error {
	u, err := url.Parse(ownerURL)
	if err != nil {
		return fmt.Errorf("parsing PostgreSQL URL: %w", err)
	}
	attrs := "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT"
	if pw := appPassword(u, role); pw != "" {
		attrs += " PASSWORD '" + pw + "'" // hex: nothing to escape
	}
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
		return fmt.Errorf("looking up role %s: %w", role, err)
	}
	if !exists {
		_, err := db.ExecContext(ctx, "CREATE ROLE "+QuoteIdent(role)+" "+attrs)
		// Another process may have created it meanwhile: 42710
		// duplicate_object, or 23505 on pg_authid's unique index.
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && (pgErr.Code == "42710" || pgErr.Code == "23505") {
			err = nil
		}
		if err != nil {
			return fmt.Errorf("creating role %s (the migration role needs CREATEROLE, or create it yourself: CREATE ROLE %s LOGIN NOBYPASSRLS): %w", role, role, err)
		}
		return nil
	}
	var super, bypass bool
	if err := db.QueryRowContext(ctx, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", role).Scan(&super, &bypass); err != nil {
		return fmt.Errorf("reading role %s: %w", role, err)
	}
	if super || bypass {
		if _, err := db.ExecContext(ctx, "ALTER ROLE "+QuoteIdent(role)+" "+attrs); err != nil {
			return fmt.Errorf("role %s may bypass row-level security and cannot be altered: %w", role, err)
		}
	}
	return nil
}

// secure gives the application role access to the service's tables and
// puts row-level security on every tenant table: ENABLE and FORCE, a policy
// that shows and accepts only rows of the transaction's app.tenant_id, and
// a policy that lets the owner (the migration role: migrations, the tier
// mover, cross-tenant system jobs) see everything. On SQLite it only
// creates the fence table.
func (c *Conn) secure(ctx context.Context) error {
	if !c.Spec.TenantRouted {
		return nil
	}
	if c.Dialect != dialect.Postgres {
		_, err := c.DB.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+FenceTable+" (tenant_id TEXT PRIMARY KEY, state TEXT NOT NULL)")
		return err
	}
	if c.AppRole == "" {
		return fmt.Errorf("%s service: no application role configured", c.Spec.Name)
	}
	if err := EnsureAppRole(ctx, c.DB, c.URL, c.AppRole); err != nil {
		return err
	}
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	// One migrating process per database at a time: DDL on the same
	// policies from two processes would fail on duplicates.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7355608001)"); err != nil {
		return err
	}
	role := QuoteIdent(c.AppRole)
	stmts := []string{
		"CREATE TABLE IF NOT EXISTS " + FenceTable + " (tenant_id text PRIMARY KEY, state text NOT NULL)",
		"REVOKE ALL ON " + FenceTable + " FROM PUBLIC",
		"GRANT SELECT ON " + FenceTable + " TO " + role,
		"GRANT USAGE ON SCHEMA public TO " + role,
	}
	for _, t := range c.Spec.Tables {
		stmts = append(stmts, "GRANT SELECT, INSERT, UPDATE, DELETE ON "+QuoteIdent(t.Name)+" TO "+role)
	}
	const predicate = "tenant_id = current_setting('app.tenant_id', true)"
	for _, t := range TenantTables(c.Spec) {
		// Only what is missing: ALTER TABLE and CREATE POLICY take an
		// exclusive lock that would stall other processes' traffic.
		var enabled, forced, isolation, owner bool
		err := tx.QueryRowContext(ctx, `SELECT c.relrowsecurity, c.relforcerowsecurity,
			EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'),
			EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'system_owner')
			FROM pg_class c WHERE c.oid = to_regclass($1)`, t.Name).Scan(&enabled, &forced, &isolation, &owner)
		if err != nil {
			return fmt.Errorf("%s service: reading row security of %s: %w", c.Spec.Name, t.Name, err)
		}
		name := QuoteIdent(t.Name)
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
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s service: %s: %w", c.Spec.Name, strings.SplitN(s, " ON ", 2)[0], err)
		}
	}
	return tx.Commit()
}
