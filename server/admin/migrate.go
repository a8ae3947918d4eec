package admin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/simgraph/simgraph/ent/migrate"
	"github.com/simgraph/simgraph/server/database"
)

// VersionTable records, in every service and tenant database, the
// migration steps applied to it; the schema version is their number.
const VersionTable = "schema_migrations"

// Migration statuses.
const (
	StatusApplied  = "APPLIED"
	StatusUpToDate = "UP_TO_DATE"
	StatusPending  = "PENDING" // dry run: these statements would be applied
	StatusFailed   = "FAILED"
	StatusSkipped  = "SKIPPED" // not attempted: an earlier database failed
)

// migrateLockKey is the PostgreSQL advisory lock (one-key form) every
// process's Migrator takes on the user database: one migration at a time
// across replicas.
const migrateLockKey int64 = 7355608002

// processMigrations serialises migrations in this process (several Apps
// share a test binary).
var processMigrations sync.Mutex

// Target is one database to migrate.
type Target struct {
	Service  string
	TenantID string // dedicated tenant databases only
	Database string
	Dialect  string
	DB       *sql.DB
	// Tables are the ent tables the database owns.
	Tables []*schema.Table
	// After runs after the ent step (not in a dry run): grants, row-level
	// security. It must be idempotent.
	After func(ctx context.Context) error
}

// DatabaseMigration is what happened to one database.
type DatabaseMigration struct {
	Database          string   `json:"database"`
	Service           string   `json:"service"`
	TenantID          *string  `json:"tenantId"`
	Canary            bool     `json:"canary"`
	FromVersion       int      `json:"fromVersion"`
	ToVersion         int      `json:"toVersion"`
	StatementsApplied int      `json:"statementsApplied"`
	Statements        []string `json:"statements"`
	Status            string   `json:"status"`
	Error             *string  `json:"error"`
	DurationMs        float64  `json:"durationMs"`
}

// MigrationReport is a migrate run.
type MigrationReport struct {
	DryRun     bool                 `json:"dryRun"`
	StartedAt  time.Time            `json:"startedAt"`
	DurationMs float64              `json:"durationMs"`
	WaitedMs   float64              `json:"waitedMs"`
	Databases  []*DatabaseMigration `json:"databases"`
}

// Migrator applies versioned migrations to every service database and
// every dedicated tenant database.
type Migrator struct {
	// Targets returns the service databases; Dedicated (optional, from the
	// tenant router) the dedicated tenant databases.
	Targets   func() []Target
	Dedicated func(ctx context.Context) ([]Target, error)
	// LockDB, if set (PostgreSQL), holds the cross-process advisory lock.
	LockDB *sql.DB
}

// Run migrates every target in order, the first being the canary, and
// stops at the first failure (the rest are SKIPPED). It holds the migration
// lock throughout: a concurrent run waits, then finds nothing to do.
func (m *Migrator) Run(ctx context.Context, dryRun bool) (*MigrationReport, error) {
	waitStart := time.Now()
	unlock, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rep := &MigrationReport{DryRun: dryRun, StartedAt: time.Now().UTC(), WaitedMs: ms(time.Since(waitStart))}
	targets := m.Targets()
	if m.Dedicated != nil {
		more, err := m.Dedicated(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing dedicated databases: %w", err)
		}
		targets = append(targets, more...)
	}
	failed := false
	for i, t := range targets {
		var dm *DatabaseMigration
		if failed {
			dm = &DatabaseMigration{Database: t.Database, Service: t.Service, Status: StatusSkipped, Statements: []string{}}
			if v, err := version(ctx, t); err == nil {
				dm.FromVersion, dm.ToVersion = v, v
			}
		} else {
			dm = migrateOne(ctx, t, dryRun)
			failed = dm.Status == StatusFailed
		}
		if t.TenantID != "" {
			id := t.TenantID
			dm.TenantID = &id
		}
		dm.Canary = i == 0
		rep.Databases = append(rep.Databases, dm)
	}
	rep.DurationMs = ms(time.Since(rep.StartedAt))
	return rep, nil
}

func (m *Migrator) lock(ctx context.Context) (func(), error) {
	processMigrations.Lock()
	if m.LockDB == nil {
		return processMigrations.Unlock, nil
	}
	unlock, err := database.AdvisoryLock(ctx, m.LockDB, migrateLockKey)
	if err != nil {
		processMigrations.Unlock()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	return func() {
		unlock()
		processMigrations.Unlock()
	}, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var errDryRun = errors.New("dry run")

// migrateOne applies one database's pending ent diff as one recorded step.
func migrateOne(ctx context.Context, t Target, dryRun bool) *DatabaseMigration {
	start := time.Now()
	dm := &DatabaseMigration{Database: t.Database, Service: t.Service, Statements: []string{}}
	fail := func(err error) *DatabaseMigration {
		msg := err.Error()
		dm.Status, dm.Error, dm.DurationMs = StatusFailed, &msg, ms(time.Since(start))
		return dm
	}
	if err := ensureVersionTable(ctx, t); err != nil {
		return fail(err)
	}
	from, err := version(ctx, t)
	if err != nil {
		return fail(err)
	}
	dm.FromVersion, dm.ToVersion = from, from
	hook := func(next schema.Applier) schema.Applier {
		return schema.ApplyFunc(func(ctx context.Context, conn dialect.ExecQuerier, plan *atlas.Plan) error {
			for _, c := range plan.Changes {
				dm.Statements = append(dm.Statements, c.Cmd)
			}
			if dryRun {
				return errDryRun
			}
			if err := next.Apply(ctx, conn, plan); err != nil {
				return err
			}
			// The step is recorded in the transaction that applied it.
			desc := fmt.Sprintf("ent: %d change(s) to %s", len(plan.Changes), tableNames(t.Tables))
			return conn.Exec(ctx, rebind(t.Dialect, "INSERT INTO "+VersionTable+" (version, description, statements, applied_at) VALUES ($1, $2, $3, $4)"),
				[]any{from + 1, desc, len(plan.Changes), time.Now().UTC().Format(time.RFC3339Nano)}, nil)
		})
	}
	mig, err := schema.NewMigrate(entsql.OpenDB(t.Dialect, t.DB), schema.WithApplyHook(hook))
	if err != nil {
		return fail(err)
	}
	err = mig.Create(ctx, Fresh(t.Tables)...)
	switch {
	case errors.Is(err, errDryRun):
		dm.Status = StatusUpToDate
		if len(dm.Statements) > 0 {
			dm.Status = StatusPending
		}
		dm.DurationMs = ms(time.Since(start))
		return dm
	case err != nil:
		return fail(err)
	}
	if dryRun {
		dm.Status, dm.DurationMs = StatusUpToDate, ms(time.Since(start))
		return dm
	}
	if from == 0 && len(dm.Statements) == 0 {
		// A database whose tables were created before it had a version
		// (by database.Conn.Migrate) adopts them as its first step.
		_, err := t.DB.ExecContext(ctx, rebind(t.Dialect, "INSERT INTO "+VersionTable+" (version, description, statements, applied_at) VALUES ($1, $2, $3, $4)"),
			1, "baseline: "+tableNames(t.Tables), 0, time.Now().UTC().Format(time.RFC3339Nano))
		if err != nil && !isDuplicate(err) {
			return fail(fmt.Errorf("recording the baseline: %w", err))
		}
	}
	if t.After != nil {
		if err := t.After(ctx); err != nil {
			return fail(err)
		}
	}
	if dm.ToVersion, err = version(ctx, t); err != nil {
		return fail(err)
	}
	dm.StatementsApplied = len(dm.Statements)
	dm.Status = StatusUpToDate
	if dm.StatementsApplied > 0 {
		dm.Status = StatusApplied
	}
	dm.DurationMs = ms(time.Since(start))
	return dm
}

func tableNames(ts []*schema.Table) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

func ensureVersionTable(ctx context.Context, t Target) error {
	_, err := t.DB.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+VersionTable+
		" (version INTEGER PRIMARY KEY, description TEXT NOT NULL, statements INTEGER NOT NULL, applied_at TEXT NOT NULL)")
	if err != nil {
		return fmt.Errorf("creating %s: %w", VersionTable, err)
	}
	return nil
}

// version is the number of steps applied to t (0 before any, or when the
// version table does not exist yet).
func version(ctx context.Context, t Target) (int, error) {
	var v sql.NullInt64
	err := t.DB.QueryRowContext(ctx, "SELECT MAX(version) FROM "+VersionTable).Scan(&v)
	if err != nil {
		if isUndefinedTable(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return int(v.Int64), nil
}

// isDuplicate recognises a unique violation: 23505 (PostgreSQL), or
// SQLite's "UNIQUE constraint failed".
func isDuplicate(err error) bool {
	var coder interface{ SQLState() string }
	if errors.As(err, &coder) {
		return coder.SQLState() == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func isUndefinedTable(err error) bool {
	// 42P01 undefined_table (PostgreSQL); SQLite says "no such table".
	var coder interface{ SQLState() string }
	if errors.As(err, &coder) {
		return coder.SQLState() == "42P01"
	}
	return strings.Contains(err.Error(), "no such table")
}

// rebind turns $n placeholders into SQLite's ?n.
func rebind(dialectName, q string) string {
	if dialectName == dialect.SQLite {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}

// displayName is what reports show of a database: its name on PostgreSQL,
// the file name of a SQLite database (never the server's paths).
func displayName(c *database.Conn) string {
	if c.Dialect == dialect.SQLite {
		return filepath.Base(c.Name)
	}
	return c.Name
}

// pristine are copies of every generated table taken when the package is
// initialised, before any migration has run. ent's migrator writes to the
// tables it is given (index names, column keys), and the generated ones are
// shared by every migration in the process under database's own lock, which
// this package cannot take: it never reads them after init, only their
// names, and hands ent fresh copies of these.
var pristine = func() map[string]*schema.Table {
	m := map[string]*schema.Table{}
	for _, t := range clone(migrate.Tables) {
		m[t.Name] = t
	}
	return m
}()

// Fresh returns new copies of the named tables (by the tables' names),
// foreign keys pointing within the copies.
func Fresh(tables []*schema.Table) []*schema.Table {
	src := make([]*schema.Table, len(tables))
	for i, t := range tables {
		if p, ok := pristine[t.Name]; ok {
			src[i] = p
		} else {
			src[i] = t
		}
	}
	return clone(src)
}

func clone(tables []*schema.Table) []*schema.Table {
	byName := map[string]*schema.Table{}
	var build func(t *schema.Table) *schema.Table
	build = func(t *schema.Table) *schema.Table {
		if nt, ok := byName[t.Name]; ok {
			return nt
		}
		nt := schema.NewTable(t.Name)
		nt.Schema, nt.Comment, nt.Annotation, nt.View, nt.Pos = t.Schema, t.Comment, t.Annotation, t.View, t.Pos
		byName[t.Name] = nt
		cols := map[string]*schema.Column{}
		pk := map[string]bool{}
		for _, c := range t.PrimaryKey {
			pk[c.Name] = true
		}
		for _, c := range t.Columns {
			nc := &schema.Column{Name: c.Name, Type: c.Type, SchemaType: c.SchemaType, Attr: c.Attr, Size: c.Size, Key: c.Key,
				Unique: c.Unique, Increment: c.Increment, Nullable: c.Nullable, Default: c.Default, Enums: c.Enums,
				Collation: c.Collation, Comment: c.Comment}
			cols[c.Name] = nc
			if pk[c.Name] {
				nt.AddPrimary(nc)
			} else {
				nt.AddColumn(nc)
			}
		}
		for _, idx := range t.Indexes {
			names := make([]string, len(idx.Columns))
			for i, c := range idx.Columns {
				names[i] = c.Name
			}
			nt.AddIndex(idx.Name, idx.Unique, names)
			nt.Indexes[len(nt.Indexes)-1].Annotation = idx.Annotation
		}
		for _, fk := range t.ForeignKeys {
			ref := build(fk.RefTable)
			nfk := &schema.ForeignKey{Symbol: fk.Symbol, RefTable: ref, OnUpdate: fk.OnUpdate, OnDelete: fk.OnDelete}
			for _, c := range fk.Columns {
				nfk.Columns = append(nfk.Columns, cols[c.Name])
			}
			for _, c := range fk.RefColumns {
				rc, _ := ref.Column(c.Name)
				nfk.RefColumns = append(nfk.RefColumns, rc)
			}
			nt.AddForeignKey(nfk)
		}
		return nt
	}
	out := make([]*schema.Table, len(tables))
	for i, t := range tables {
		out[i] = build(t)
	}
	return out
}
