package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// postgres is a PostgreSQL cluster of the harness's own (initdb in a
// temporary directory, on a free port), so that restarting it disturbs no
// other test and no developer's databases.
type postgres struct {
	bin  string // the server's bin directory (initdb, pg_ctl)
	dir  string
	port int
	// owner runs the server: PostgreSQL refuses to run as root, so a root
	// harness runs it as the postgres user.
	owner string
}

// startPostgres creates and starts a cluster under root.
func startPostgres(root string) (*postgres, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	p := &postgres{bin: bin, dir: filepath.Join(root, "pgdata"), port: freePort()}
	if os.Geteuid() == 0 {
		p.owner = "postgres"
		if _, err := user.Lookup(p.owner); err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user to own the cluster: %w", err)
		}
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, err
	}
	if err := p.chown(root); err != nil {
		return nil, err
	}
	// fsync off: the cluster lives for one run and is only ever shut down
	// cleanly, and syncing would make every restart slower.
	if out, err := p.run(filepath.Join(bin, "initdb"), "-D", p.dir, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"max_connections = 400\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n", p.port, root)
	f, err := os.OpenFile(filepath.Join(p.dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(conf)
	f.Close()
	if err != nil {
		return nil, err
	}
	return p, p.ctl("start")
}

// postgresBin finds the newest installed server's bin directory.
func postgresBin() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) < versionOf(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("no PostgreSQL server found (initdb); install it with `apt-get install postgresql`")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// URL is the cluster's superuser URL for database name.
func (p *postgres) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, name)
}

// restart stops the server (fast: open connections are cut) and starts it
// again, as an operator's restart or a failover does.
func (p *postgres) restart() error { return p.ctl("restart", "-m", "fast") }

func (p *postgres) stop() { _ = p.ctl("stop", "-m", "immediate") }

func (p *postgres) ctl(args ...string) error {
	full := append([]string{"-D", p.dir, "-w", "-t", "60", "-l", filepath.Join(p.dir, "server.log")}, args...)
	if out, err := p.run(filepath.Join(p.bin, "pg_ctl"), full...); err != nil {
		return fmt.Errorf("pg_ctl %s: %w\n%s", args[0], err, out)
	}
	return nil
}

func (p *postgres) run(name string, args ...string) ([]byte, error) {
	if p.owner != "" {
		args = append([]string{"-u", p.owner, "--", name}, args...)
		name = "runuser"
	}
	return exec.Command(name, args...).CombinedOutput()
}

func (p *postgres) chown(path string) error {
	if p.owner == "" {
		return nil
	}
	u, err := user.Lookup(p.owner)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(path, func(f string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(f, uid, gid)
	})
}

// redisServer is a redis-server of the harness's own. Its append-only file
// is synced on every write, as a Redis that holds a job queue is run: a
// stop and start keeps the queued jobs.
type redisServer struct {
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when the running server has exited
}

func startRedis(root string) (*redisServer, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, errors.New("redis-server not found; install it with `apt-get install redis-server`")
	}
	r := &redisServer{dir: filepath.Join(root, "redis"), port: freePort()}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, err
	}
	return r, r.start()
}

// URL is the server's URL for the simgraph processes.
func (r *redisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *redisServer) start() error {
	log, err := os.OpenFile(filepath.Join(r.dir, "redis.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "")
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		log.Close()
		return err
	}
	cmd, done := r.cmd, make(chan struct{})
	r.done = done
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	return waitTCP(r.port, 20*time.Second)
}

// stop shuts the server down (SIGTERM: it writes its append-only file and
// exits), so clients see connections refused until start.
func (r *redisServer) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitTCP(port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on port %d after %s", port, timeout)
}

// wipe removes the stopped server's data, as a Redis that restarts on a
// new machine or without persistence comes back empty.
func (r *redisServer) wipe() error {
	for _, name := range []string{"appendonlydir", "dump.rdb"} {
		if err := os.RemoveAll(filepath.Join(r.dir, name)); err != nil {
			return err
		}
	}
	return nil
}
