package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the pure-Go "sqlite" driver

	"github.com/simgraph/simgraph/ent"
	_ "github.com/simgraph/simgraph/ent/runtime" // registers the schemas' hooks and privacy policies
)

// Conn is one open service database.
type Conn struct {
	Spec    ServiceSpec
	Name    string // database name (PostgreSQL) or file path (SQLite)
	Dialect string
	// URL is the PostgreSQL URL the connection was opened with (the
	// migration role's); empty on SQLite.
	URL string
	// AppRole is the PostgreSQL role tenant traffic uses on this database;
	// Migrate grants it access and puts row-level security on tenant tables.
	AppRole string
	DB      *sql.DB
	Client  *ent.Client
}

// Close closes the database.
func (c *Conn) Close() error { return c.Client.Close() }

// Ping checks that the database answers.
func (c *Conn) Ping(ctx context.Context) error { return c.DB.PingContext(ctx) }

// Options say where the service databases are.
type Options struct {
	// DataDir holds the SQLite files in embedded mode.
	DataDir string
	// PostgresURL is the server on which missing service databases are
	// created; URLs overrides it per service.
	PostgresURL string
	URLs        map[string]string
	// Prefix is prepended to every database name.
	Prefix string
}

// Embedded reports whether o selects SQLite.
func (o Options) Embedded() bool { return o.PostgresURL == "" && len(o.URLs) == 0 }

// OpenService opens (creating if needed) the database of one service.
func OpenService(ctx context.Context, o Options, spec ServiceSpec) (*Conn, error) {
	if o.Embedded() {
		path := filepath.Join(o.DataDir, o.Prefix+spec.Database+".sqlite")
		return OpenSQLite(path, spec)
	}
	u := o.URLs[spec.Name]
	if u == "" {
		var err error
		if u, err = EnsurePostgresDatabase(ctx, o.PostgresURL, o.Prefix+spec.Database); err != nil {
			return nil, fmt.Errorf("%s service: %w", spec.Name, err)
		}
	}
	c, err := OpenPostgres(u, spec)
	if err != nil {
		return nil, err
	}
	c.AppRole = AppRoleName(o.Prefix)
	return c, nil
}

// OpenSQLite opens a SQLite file in WAL mode. Writers queue on an immediate
// transaction lock with a busy timeout instead of failing with "database is
// locked".
func OpenSQLite(path string, spec ServiceSpec) (*Conn, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir: %w", err)
	}
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(spec.Pool.Max())
	db.SetMaxIdleConns(spec.Pool.Size)
	return newConn(spec, path, dialect.SQLite, db), nil
}

// OpenPostgres opens a PostgreSQL database through pgx's database/sql driver
// with the service's pool settings.
func OpenPostgres(dsn string, spec ServiceSpec) (*Conn, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s database: %w", spec.Name, err)
	}
	db.SetMaxOpenConns(spec.Pool.Max())
	db.SetMaxIdleConns(spec.Pool.Size)
	db.SetConnMaxIdleTime(5 * time.Minute)
	name := dsn
	if u, err := url.Parse(dsn); err == nil {
		name = strings.TrimPrefix(u.Path, "/")
	}
	c := newConn(spec, name, dialect.Postgres, db)
	c.URL = dsn
	return c, nil
}

func newConn(spec ServiceSpec, name, dialectName string, db *sql.DB) *Conn {
	drv := entsql.OpenDB(dialectName, db)
	return &Conn{Spec: spec, Name: name, Dialect: dialectName, DB: db, Client: ent.NewClient(ent.Driver(drv))}
}

// migrateMu serialises migrations within the process: ent's migrator
// annotates the shared *schema.Table values as it runs, so two concurrent
// migrations (tests, or a tenant database created while another migrates)
// would race on them.
var migrateMu sync.Mutex

// Migrate creates or alters the service's own tables, and only those. On a
// tenant-routed service it then secures them (see secure): the fence
// table, the application role's grants and row-level security.
func (c *Conn) Migrate(ctx context.Context) error {
	if len(c.Spec.Tables) == 0 {
		return nil
	}
	migrateMu.Lock()
	defer migrateMu.Unlock()
	m, err := schema.NewMigrate(entsql.OpenDB(c.Dialect, c.DB))
	if err != nil {
		return fmt.Errorf("%s service: %w", c.Spec.Name, err)
	}
	if err := m.Create(ctx, c.Spec.Tables...); err != nil {
		return fmt.Errorf("migrating %s service: %w", c.Spec.Name, err)
	}
	if err := c.secure(ctx); err != nil {
		return fmt.Errorf("securing %s service: %w", c.Spec.Name, err)
	}
	return nil
}

// EnsurePostgresDatabase creates database name on the server of serverURL
// unless it exists, and returns the URL of that database.
func EnsurePostgresDatabase(ctx context.Context, serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("parsing PostgreSQL URL: %w", err)
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("looking up database %s: %w", name, err)
	}
	if !exists {
		_, err := admin.ExecContext(ctx, "CREATE DATABASE "+QuoteIdent(name))
		// Another replica or goroutine may have created it meanwhile:
		// 42P04 duplicate_database, or 23505 unique_violation on
		// pg_database's name index when both commands ran at once.
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
			err = nil
		}
		if err != nil {
			return "", fmt.Errorf("creating database %s: %w", name, err)
		}
	}
	u.Path = "/" + name
	return u.String(), nil
}

// QuoteIdent quotes a PostgreSQL identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
