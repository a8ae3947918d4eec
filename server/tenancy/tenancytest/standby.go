package tenancytest

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
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/servertest"
)

// Standby is a PostgreSQL hot standby of the test server, streaming from
// it, in a temporary directory on a free port.
type Standby struct {
	// URL is the standby's server URL (database postgres).
	URL     string
	dataDir string
	pgCtl   string
	db      *sql.DB
	primary *sql.DB
	log     string
	stopped bool
}

// slotPrefix names the replication slots of test standbys:
// <prefix><pid>_<nanoseconds>.
const slotPrefix = "simgraph_test_"

// dropStaleSlots drops inactive test slots whose process is gone, so a
// crashed test run does not make the primary keep WAL forever.
func dropStaleSlots(t testing.TB, ctx context.Context, primary *sql.DB) {
	t.Helper()
	rows, err := primary.QueryContext(ctx, "SELECT slot_name FROM pg_replication_slots WHERE starts_with(slot_name, $1) AND NOT active", slotPrefix)
	require.NoError(t, err)
	var stale []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		pidText, _, _ := strings.Cut(strings.TrimPrefix(name, slotPrefix), "_")
		pid, err := strconv.Atoi(pidText)
		if err != nil || syscall.Kill(pid, 0) != nil {
			stale = append(stale, name)
		}
	}
	require.NoError(t, rows.Err())
	rows.Close()
	for _, name := range stale {
		_, _ = primary.ExecContext(ctx, "SELECT pg_drop_replication_slot($1)", name)
	}
}

// replicationRule is the pg_hba.conf line the standby needs on the primary.
const replicationRule = "host replication all 127.0.0.1/32 trust"

var replicationRuleRE = regexp.MustCompile(`(?m)^\s*host\s+replication\s+\S+\s+127\.0\.0\.1/32\s+trust\s*$`)

// StartStandby starts a streaming replica of the test server:
// pg_basebackup over loopback into a temporary directory, started with
// pg_ctl as the postgres OS user. It needs to run as root (or as postgres)
// on the test server's machine, wal_level replica or logical, and a
// replication entry for 127.0.0.1 in the primary's pg_hba.conf, which it
// adds (idempotently, then reloads) when missing. Anything missing fails
// the test with what to do; nothing is skipped.
func StartStandby(t testing.TB) *Standby {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	primaryURL := servertest.PostgresURL(t)
	pu, err := url.Parse(primaryURL)
	require.NoError(t, err)
	primary, err := sql.Open("pgx", primaryURL)
	require.NoError(t, err)
	t.Cleanup(func() { primary.Close() })

	var walLevel, hbaFile string
	require.NoError(t, primary.QueryRowContext(ctx, "SELECT current_setting('wal_level'), current_setting('hba_file')").Scan(&walLevel, &hbaFile))
	if walLevel != "replica" && walLevel != "logical" {
		t.Fatalf("standby: the test server has wal_level=%s; set wal_level=replica (PostgreSQL's default) in postgresql.conf and restart it", walLevel)
	}
	ensureReplicationRule(t, ctx, primary, hbaFile)

	runAs, err := runAsPostgres()
	if err != nil {
		t.Fatalf("standby: %v", err)
	}
	bin := pgBinDir(t)
	pgUser, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("standby: no postgres OS user to run the standby as: %v", err)
	}
	uid, _ := strconv.Atoi(pgUser.Uid)
	gid, _ := strconv.Atoi(pgUser.Gid)

	dir, err := os.MkdirTemp("", "simgraph-standby-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o700))
	require.NoError(t, os.Chown(dir, uid, gid))
	data := filepath.Join(dir, "data")

	host, port := pu.Hostname(), pu.Port()
	if port == "" {
		port = "5432"
	}
	dbUser := pu.User.Username()
	if dbUser == "" {
		dbUser = "postgres"
	}
	// A replication slot keeps the primary's WAL until the standby has it:
	// without one, the checkpoints of other tests' CREATE and DROP DATABASE
	// may recycle segments a busy standby has not streamed yet. Slots of
	// test processes that died are dropped first; this one when the test
	// ends.
	dropStaleSlots(t, ctx, primary)
	slot := fmt.Sprintf("%s%d_%d", slotPrefix, os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		_, err := primary.Exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", slot)
		if err != nil {
			t.Errorf("dropping replication slot %s: %v", slot, err)
		}
	})
	// A base backup is retried: other tests' DROP DATABASE ... WITH (FORCE)
	// on the same server can end its connections ("terminating connection
	// due to administrator command").
	basebackup := append(append([]string{}, runAs...), filepath.Join(bin, "pg_basebackup"),
		"-h", host, "-p", port, "-U", dbUser, "-D", data, "-R", "-X", "stream", "-C", "-S", slot, "-c", "fast", "-w")
	for attempt := 1; ; attempt++ {
		cmd := exec.CommandContext(ctx, basebackup[0], basebackup[1:]...)
		cmd.Dir = os.TempDir()
		out, err := cmd.CombinedOutput()
		if err == nil {
			break
		}
		if attempt == 3 {
			t.Fatalf("standby: %s: %v (after %d attempts)\n%s", strings.Join(basebackup, " "), err, attempt, out)
		}
		t.Logf("standby: base backup attempt %d failed, retrying: %v\n%s", attempt, err, out)
		_, _ = primary.ExecContext(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", slot)
		_ = os.RemoveAll(data)
	}

	// A standby needs at least the primary's values of these.
	rows, err := primary.QueryContext(ctx, `SELECT name, setting FROM pg_settings WHERE name IN
		('max_connections','max_worker_processes','max_wal_senders','max_prepared_transactions','max_locks_per_transaction')`)
	require.NoError(t, err)
	var conf strings.Builder
	for rows.Next() {
		var n, v string
		require.NoError(t, rows.Scan(&n, &v))
		fmt.Fprintf(&conf, "%s = %s\n", n, v)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	free := freePort(t)
	fmt.Fprintf(&conf, "listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nhot_standby = on\nshared_buffers = 16MB\nhba_file = '%s'\nlogging_collector = off\n",
		free, dir, filepath.Join(data, "pg_hba.conf"))
	writeOwned(t, filepath.Join(data, "postgresql.conf"), conf.String(), uid, gid)
	writeOwned(t, filepath.Join(data, "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n", uid, gid)

	s := &Standby{dataDir: data, pgCtl: filepath.Join(bin, "pg_ctl"), log: filepath.Join(dir, "log")}
	run(t, ctx, runAs, s.pgCtl, "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "120", "start")
	t.Cleanup(func() { s.Stop(t) })

	s.URL = fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", dbUser, free)
	s.db, err = sql.Open("pgx", s.URL)
	require.NoError(t, err)
	t.Cleanup(func() { s.db.Close() })
	s.primary = primary
	var inRecovery bool
	require.NoError(t, s.db.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery))
	require.True(t, inRecovery, "the standby must be in recovery")
	return s
}

// ensureReplicationRule adds the replication line to the primary's
// pg_hba.conf unless one is there, and reloads the configuration. A file
// lock keeps parallel test processes from appending it twice.
func ensureReplicationRule(t testing.TB, ctx context.Context, primary *sql.DB, hbaFile string) {
	t.Helper()
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "simgraph-pg-hba.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	require.NoError(t, err)
	defer lock.Close()
	require.NoError(t, syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	raw, err := os.ReadFile(hbaFile)
	if err != nil {
		t.Fatalf("standby: cannot read the test server's %s (%v): run the tests as root on the database machine, or add %q to it and reload PostgreSQL", hbaFile, err, replicationRule)
	}
	if replicationRuleRE.Match(raw) {
		return
	}
	f, err := os.OpenFile(hbaFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("standby: cannot add %q to %s (%v): add it yourself and reload PostgreSQL", replicationRule, hbaFile, err)
	}
	prefix := ""
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		prefix = "\n"
	}
	_, err = f.WriteString(prefix + "# added by simgraph's replica tests (server/tenancy/tenancytest)\n" + replicationRule + "\n")
	f.Close()
	require.NoError(t, err)
	var ok bool
	require.NoError(t, primary.QueryRowContext(ctx, "SELECT pg_reload_conf()").Scan(&ok))
	require.True(t, ok, "pg_reload_conf")
}

// runAsPostgres returns the command prefix that runs a program as the
// postgres OS user.
func runAsPostgres() ([]string, error) {
	if u, err := user.Current(); err == nil && u.Username == "postgres" {
		return nil, nil
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("starting a standby needs root (to run pg_ctl as the postgres user) or the postgres user itself; running as uid %d", os.Geteuid())
	}
	if p, err := exec.LookPath("runuser"); err == nil {
		return []string{p, "-u", "postgres", "--"}, nil
	}
	if p, err := exec.LookPath("su"); err == nil {
		return []string{p, "postgres", "-s", "/bin/sh", "-c", `exec "$0" "$@"`}, nil
	}
	return nil, fmt.Errorf("neither runuser nor su found to run pg_ctl as postgres")
}

// pgBinDir finds the PostgreSQL server binaries (pg_ctl, pg_basebackup).
func pgBinDir(t testing.TB) string {
	t.Helper()
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1])
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	t.Fatalf("standby: pg_ctl and pg_basebackup not found (install the PostgreSQL server package, e.g. apt-get install postgresql)")
	return ""
}

func run(t testing.TB, ctx context.Context, prefix []string, name string, args ...string) {
	t.Helper()
	argv := append(append(append([]string{}, prefix...), name), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = os.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("standby: %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

func writeOwned(t testing.TB, path, content string, uid, gid int) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	require.NoError(t, os.Chown(path, uid, gid))
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DB returns a superuser connection to the standby.
func (s *Standby) DB() *sql.DB { return s.db }

// PauseReplay stops applying WAL: the standby falls behind.
func (s *Standby) PauseReplay(t testing.TB) {
	t.Helper()
	_, err := s.db.Exec("SELECT pg_wal_replay_pause()")
	require.NoError(t, err)
}

// ResumeReplay applies WAL again.
func (s *Standby) ResumeReplay(t testing.TB) {
	t.Helper()
	_, err := s.db.Exec("SELECT pg_wal_replay_resume()")
	require.NoError(t, err)
}

// WaitCaughtUp waits until the standby has replayed the primary's WAL as
// of now.
func (s *Standby) WaitCaughtUp(t testing.TB) {
	t.Helper()
	var target string
	require.NoError(t, s.primary.QueryRow("SELECT pg_current_wal_lsn()::text").Scan(&target))
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var done bool
		err := s.db.QueryRow("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", target).Scan(&done)
		require.NoError(t, err)
		if done {
			return
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(s.log)
			if len(logText) > 4000 {
				logText = logText[len(logText)-4000:]
			}
			t.Fatalf("standby did not replay up to %s within 2 minutes; its log ends:\n%s", target, logText)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop shuts the standby down (immediate mode); stopping twice is fine.
func (s *Standby) Stop(t testing.TB) {
	t.Helper()
	if s.stopped {
		return
	}
	s.stopped = true
	runAs, err := runAsPostgres()
	if err != nil {
		t.Errorf("stopping standby: %v", err)
		return
	}
	argv := append(append([]string{}, runAs...), s.pgCtl, "-D", s.dataDir, "-m", "immediate", "-w", "stop")
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Errorf("stopping standby: %v\n%s", err, out)
	}
}
