// Package rediscluster runs a throwaway Redis Cluster for tests: three
// masters and three replicas (redis-server in cluster mode on free
// loopback ports, joined by redis-cli --cluster create), in a temporary
// directory removed when it stops.
//
// A package's tests share one cluster: Shared starts it on first use and
// the package's TestMain calls StopShared after m.Run. A test that kills
// nodes starts a cluster of its own with Start.
package rediscluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simgraph/simgraph/server/config"
)

// nodeTimeout is the cluster's node timeout: short, so that a killed
// master is replaced within a few seconds (failure detection takes about
// two timeouts, the replica's election under one more).
const nodeTimeout = 1000 * time.Millisecond

// Cluster is a running Redis Cluster.
type Cluster struct {
	dir   string
	nodes []*node
}

type node struct {
	port int
	cmd  *exec.Cmd
}

func (n *node) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

// Start runs a cluster of three masters, each with one replica, and waits
// until every node reports cluster_state:ok and every replica is in sync.
func Start() (*Cluster, error) {
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("%s is not installed (apt-get install redis-server redis-tools): %w", bin, err)
		}
	}
	dir, err := os.MkdirTemp("", "simgraph-rediscluster-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.start(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	ports, err := freePorts(6)
	if err != nil {
		return err
	}
	for _, p := range ports {
		n := &node{port: p}
		c.nodes = append(c.nodes, n)
		if err := c.run(ctx, n); err != nil {
			return err
		}
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.nodes {
		args = append(args, n.addr())
	}
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	return c.waitHealthy(ctx, c.nodes)
}

// run starts n's redis-server and waits until it answers.
func (c *Cluster) run(ctx context.Context, n *node) error {
	p := strconv.Itoa(n.port)
	n.cmd = exec.Command("redis-server",
		"--port", p, "--bind", "127.0.0.1", "--protected-mode", "no",
		"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(c.dir, "nodes-"+p+".conf"),
		"--cluster-node-timeout", strconv.FormatInt(nodeTimeout.Milliseconds(), 10),
		// A replica may take over however long ago it last heard its
		// master: the tests kill masters on purpose.
		"--cluster-replica-validity-factor", "0",
		"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
		"--dir", c.dir, "--dbfilename", "dump-"+p+".rdb", "--logfile", filepath.Join(c.dir, p+".log"),
		"--save", "", "--appendonly", "no")
	if err := n.cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server on %s: %w", p, err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: n.addr()})
	defer rdb.Close()
	return poll(ctx, "redis-server on "+p+" to answer", func() (bool, error) {
		return rdb.Ping(ctx).Err() == nil, nil
	})
}

// waitHealthy waits until each of nodes sees the whole cluster ok and each
// replica among them has its master's data.
func (c *Cluster) waitHealthy(ctx context.Context, nodes []*node) error {
	for _, n := range nodes {
		rdb := redis.NewClient(&redis.Options{Addr: n.addr()})
		err := poll(ctx, "node "+n.addr()+" to be ready", func() (bool, error) {
			info, err := rdb.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return false, nil
			}
			repl, err := rdb.Info(ctx, "replication").Result()
			if err != nil {
				return false, nil
			}
			return strings.Contains(repl, "role:master") || strings.Contains(repl, "master_link_status:up"), nil
		})
		rdb.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// URL is the cluster's SIMGRAPH_REDIS_URL, every node a seed.
func (c *Cluster) URL() string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.addr()
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// Client returns a client of the cluster as simgraph makes it from URL;
// the caller closes it.
func (c *Cluster) Client() (*redis.ClusterClient, error) {
	rdb, err := config.NewRedisClient(c.URL())
	if err != nil {
		return nil, err
	}
	return rdb.(*redis.ClusterClient), nil
}

// MasterOf returns the address of the master that serves key's slot.
func (c *Cluster) MasterOf(ctx context.Context, key string) (string, error) {
	m, err := c.masterOf(ctx, key)
	if err != nil {
		return "", err
	}
	return m.addr(), nil
}

func (c *Cluster) masterOf(ctx context.Context, key string) (*node, error) {
	for _, n := range c.alive() {
		rdb := redis.NewClient(&redis.Options{Addr: n.addr()})
		slot, err := rdb.ClusterKeySlot(ctx, key).Result()
		var slots []redis.ClusterSlot
		if err == nil {
			slots, err = rdb.ClusterSlots(ctx).Result()
		}
		rdb.Close()
		if err != nil {
			continue
		}
		for _, s := range slots {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
				for _, m := range c.nodes {
					if m.addr() == s.Nodes[0].Addr && m.cmd != nil {
						return m, nil
					}
				}
			}
		}
	}
	return nil, fmt.Errorf("no live master serves the slot of %q", key)
}

// KillMasterOf kills (SIGKILL) the master serving key's slot and waits
// until a replica has taken over and the surviving nodes see the cluster
// ok again. It returns the killed master's address.
func (c *Cluster) KillMasterOf(ctx context.Context, key string) (string, error) {
	m, err := c.masterOf(ctx, key)
	if err != nil {
		return "", err
	}
	if err := m.cmd.Process.Kill(); err != nil {
		return "", err
	}
	_ = m.cmd.Wait()
	m.cmd = nil
	err = poll(ctx, "a replica to take over from "+m.addr(), func() (bool, error) {
		next, err := c.masterOf(ctx, key)
		return err == nil && next != m, nil
	})
	if err != nil {
		return m.addr(), err
	}
	return m.addr(), c.waitHealthy(ctx, c.alive())
}

func (c *Cluster) alive() []*node {
	var out []*node
	for _, n := range c.nodes {
		if n.cmd != nil {
			out = append(out, n)
		}
	}
	return out
}

// Stop kills every node and removes the cluster's directory.
func (c *Cluster) Stop() {
	for _, n := range c.nodes {
		if n.cmd != nil && n.cmd.Process != nil {
			_ = n.cmd.Process.Kill()
			_ = n.cmd.Wait()
			n.cmd = nil
		}
	}
	_ = os.RemoveAll(c.dir)
}

var shared struct {
	once    sync.Once
	mu      sync.Mutex
	cluster *Cluster
	err     error
}

// Shared returns the package's cluster, starting it on first use; a
// cluster that cannot start fails the test with the reason.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.once.Do(func() {
		c, err := Start()
		shared.mu.Lock()
		shared.cluster, shared.err = c, err
		shared.mu.Unlock()
	})
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.err != nil {
		t.Fatalf("starting a Redis Cluster: %v", shared.err)
	}
	return shared.cluster
}

// StopShared stops the package's cluster if a test started it; TestMain
// calls it after m.Run.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cluster != nil {
		shared.cluster.Stop()
		shared.cluster = nil
	}
}

// freePorts returns n loopback ports that are free, each with its cluster
// bus port (port + 10000) free too.
func freePorts(n int) ([]int, error) {
	var ports []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for tries := 0; len(ports) < n && tries < 200; tries++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		if p+10000 > 65535 {
			l.Close()
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err != nil {
			l.Close()
			continue
		}
		held = append(held, l, bus)
		ports = append(ports, p)
	}
	if len(ports) < n {
		return nil, errors.New("no free port pairs for a Redis Cluster")
	}
	return ports, nil
}

// poll calls ready every 50 ms until it reports true, fails, or ctx ends.
func poll(ctx context.Context, what string, ready func() (bool, error)) error {
	for {
		ok, err := ready()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
