package servertest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/simgraph/simgraph/server/config"
)

// PgBouncerPoolSize is the server connections PgBouncer keeps per
// (database, user): fewer than the client connections the tests open on
// one database, so that tenants' transactions really take turns on the same
// server connections.
const PgBouncerPoolSize = 2

// PgBouncer is a PgBouncer in transaction pooling mode in front of the test
// PostgreSQL server, in a temporary directory on a free port.
type PgBouncer struct {
	// Addr is host:port to connect to.
	Addr string
	cmd  *exec.Cmd
	dir  string
	log  string
	done chan struct{}
}

var pgBouncer struct {
	once sync.Once
	pb   *PgBouncer
	err  error
}

// SharedPgBouncer starts the package's PgBouncer on first use and returns
// it; StopPgBouncer (from TestMain) stops it. A missing pgbouncer binary
// fails the test with how to install it.
func SharedPgBouncer(t testing.TB) *PgBouncer {
	t.Helper()
	pg := PostgresURL(t)
	pgBouncer.once.Do(func() { pgBouncer.pb, pgBouncer.err = StartPgBouncer(pg) })
	if pgBouncer.err != nil {
		t.Fatalf("%v", pgBouncer.err)
	}
	return pgBouncer.pb
}

// StopPgBouncer stops the PgBouncer SharedPgBouncer started, if any.
func StopPgBouncer() {
	if pgBouncer.pb != nil {
		pgBouncer.pb.Stop()
	}
}

// pgBouncerBinary finds the pgbouncer program.
func pgBouncerBinary() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/pgbouncer"); err == nil {
		return "/usr/sbin/pgbouncer", nil
	}
	return "", fmt.Errorf("pgbouncer not found: install it (Debian: apt-get install -y pgbouncer; .ci/run does) to run the tests behind PgBouncer")
}

// StartPgBouncer starts PgBouncer in front of the PostgreSQL server of
// serverURL: every database (a wildcard entry, since tests create
// databases of unique names), pool_mode = transaction, trust
// authentication with the server's users looked up through auth_query as
// serverURL's user. PgBouncer refuses to run as root; as root it runs as
// the postgres OS user. It dies with the test process.
func StartPgBouncer(serverURL string) (*PgBouncer, error) {
	bin, err := pgBouncerBinary()
	if err != nil {
		return nil, err
	}
	su, err := url.Parse(serverURL)
	if err != nil {
		return nil, err
	}
	host, port := su.Hostname(), su.Port()
	if port == "" {
		port = "5432"
	}
	authUser := su.User.Username()
	if authUser == "" {
		authUser = "postgres"
	}
	dir, err := os.MkdirTemp("", "simgraph-pgbouncer-")
	if err != nil {
		return nil, err
	}
	free, err := freePort()
	if err != nil {
		return nil, err
	}
	pb := &PgBouncer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(free)), dir: dir, log: filepath.Join(dir, "pgbouncer.log"), done: make(chan struct{})}
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
pool_mode = transaction
; trust still needs the user known: auth_file has the auth user, whose
; auth_query finds every other role (the test application roles are
; created per run).
auth_type = trust
auth_file = %s
auth_user = %s
default_pool_size = %d
max_client_conn = 500
; a statement waiting longer for a server connection fails instead of
; hanging the test
query_wait_timeout = 60
logfile = %s
pidfile = %s
`, host, port, free, filepath.Join(dir, "users.txt"), authUser, PgBouncerPoolSize, pb.log, filepath.Join(dir, "pgbouncer.pid"))
	files := map[string]string{"pgbouncer.ini": ini, "users.txt": strconv.Quote(authUser) + ` ""` + "\n"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		pgUser, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgbouncer refuses to run as root and there is no postgres OS user to run it as: %w", err)
		}
		uid, _ := strconv.Atoi(pgUser.Uid)
		gid, _ := strconv.Atoi(pgUser.Gid)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Chown(p, uid, gid)
		}); err != nil {
			return nil, err
		}
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	pb.cmd = cmd
	go func() { _ = cmd.Wait(); close(pb.done) }()

	// Ready once a query goes through it to PostgreSQL.
	probe := pb.URL(serverURL)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := pingOnce(probe)
		if err == nil {
			return pb, nil
		}
		select {
		case <-pb.done:
			logText, _ := os.ReadFile(pb.log)
			pb.Stop()
			return nil, fmt.Errorf("pgbouncer exited at start: %s\n%s%s", cmd.ProcessState, out.String(), logText)
		default:
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(pb.log)
			pb.Stop()
			return nil, fmt.Errorf("pgbouncer on %s does not answer after 30s (%v):\n%s", pb.Addr, err, logText)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func pingOnce(dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// URL returns serverURL with PgBouncer's address in place of the server's.
func (pb *PgBouncer) URL(serverURL string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		panic(err) // serverURL has been connected to
	}
	u.Host = pb.Addr
	return u.String()
}

// Stop kills PgBouncer and removes its directory; stopping twice is fine.
func (pb *PgBouncer) Stop() {
	if pb.cmd != nil && pb.cmd.Process != nil {
		_ = pb.cmd.Process.Kill()
		<-pb.done
	}
	_ = os.RemoveAll(pb.dir)
}

// PgBouncerConfig is PostgresConfig with every PostgreSQL connection made
// through the package's PgBouncer (transaction pooling) and
// SIMGRAPH_POSTGRES_POOLER=pgbouncer. Databases are dropped on the server
// directly.
func PgBouncerConfig(t testing.TB) *config.Config {
	pg := PostgresURL(t)
	pb := SharedPgBouncer(t)
	cfg := baseConfig(t, map[string]string{
		"SIMGRAPH_POSTGRES_URL":    pb.URL(pg),
		"SIMGRAPH_POSTGRES_POOLER": config.PoolerPgBouncer,
		"SIMGRAPH_REDIS_URL":       RedisURL(t),
		"SIMGRAPH_JWT_SECRET":      testSecret,
		"SIMGRAPH_DATABASE_PREFIX": UniquePrefix(),
	})
	t.Cleanup(func() { DropDatabases(t, pg, cfg.DatabasePrefix) })
	return cfg
}

// PgBouncerBackend is server mode behind PgBouncer; the package using it
// stops PgBouncer in TestMain (StopPgBouncer).
var PgBouncerBackend = Backend{Name: "PgBouncer", Config: PgBouncerConfig}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
