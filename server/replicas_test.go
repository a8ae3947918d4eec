package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest"
)

// chainWorkbook writes a model whose one output is n formulas deep, so a
// run takes long enough to kill its process in the middle.
func chainWorkbook(t *testing.T, n int) []byte {
	f := excelize.NewFile()
	defer f.Close()
	require.NoError(t, f.SetCellValue("Sheet1", "A1", 1.0))
	for i := 2; i <= n; i++ {
		require.NoError(t, f.SetCellFormula("Sheet1", fmt.Sprintf("A%d", i), fmt.Sprintf("A%d*1.0001+SQRT(ABS(A1))-0.5", i-1)))
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	return buf.Bytes()
}

// buildBinary compiles simgraph once per test process.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "simgraph-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "simgraph")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/simgraph/simgraph")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

type replica struct {
	url  string
	cmd  *exec.Cmd
	logs *servertest.SyncBuffer
	done chan struct{}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startReplica(t *testing.T, bin string, env []string) *replica {
	port := freePort(t)
	r := &replica{url: fmt.Sprintf("http://127.0.0.1:%d", port), logs: &servertest.SyncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	require.NoError(t, r.cmd.Start())
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			_ = r.cmd.Process.Kill()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(r.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		select {
		case <-r.done:
			t.Fatalf("replica exited:\n%s", r.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica not ready:\n%s", r.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplicasShareWorkAndSurviveAKill runs two `simgraph serve` processes
// on one PostgreSQL and Redis: a simulation created on one is followed on
// both, its worker process is killed with SIGKILL mid-run, and the other
// reclaims the job and completes it with exactly one set of results.
func TestReplicasShareWorkAndSurviveAKill(t *testing.T) {
	t.Parallel()
	bin, err := buildBinary()
	require.NoError(t, err)
	pg, rdbURL := servertest.PostgresURL(t), servertest.RedisURL(t)
	prefix := servertest.UniquePrefix()
	t.Cleanup(func() { servertest.DropDatabases(t, pg, prefix) })
	const secret = "replica-test-secret-0123456789abcdef"
	env := []string{
		"SIMGRAPH_POSTGRES_URL=" + pg, "SIMGRAPH_REDIS_URL=" + rdbURL, "SIMGRAPH_DATABASE_PREFIX=" + prefix,
		"SIMGRAPH_JWT_SECRET=" + secret, "SIMGRAPH_WORKERS=1", "SIMGRAPH_JOB_RECLAIM_AFTER=2s", "SIMGRAPH_LOG_LEVEL=info",
		"SIMGRAPH_QUOTAS=false", // 1,000,000 iterations: beyond the STANDARD tier's quota
	}
	a := startReplica(t, bin, env)
	b := startReplica(t, bin, env)

	cfg, err := config.Load(func(k string) string {
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v
			}
		}
		return ""
	})
	require.NoError(t, err)
	srvA := &servertest.Server{URL: a.url, Config: cfg, Logs: a.logs}
	srvB := &servertest.Server{URL: b.url, Config: cfg, Logs: b.logs}
	token := srvA.Token(t, auth.TokenParams{Email: "ops@replicas.example", Org: "replicas"})

	wb := srvA.UploadID(t, token, "chain.xlsx", chainWorkbook(t, 1000))
	id := createSimulation(t, srvA, token, map[string]any{
		"workbookId": wb, "iterations": 1_000_000, "seed": 1,
		"inputs":  []map[string]any{{"cell": "Sheet1!A1", "distribution": map[string]any{"type": "UNIFORM", "min": 1, "max": 2}}},
		"outputs": []string{"Sheet1!A1000"},
	})

	// Which process took the job? Its consumer name carries its PID.
	opt, err := redis.ParseURL(rdbURL)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	stream := "{simgraph:" + prefix + "}jobs"
	var runnerPID int
	require.Eventually(t, func() bool {
		pending, err := rdb.XPendingExt(context.Background(), &redis.XPendingExtArgs{Stream: stream, Group: "workers", Start: "-", End: "+", Count: 10}).Result()
		if err != nil || len(pending) != 1 {
			return false
		}
		parts := strings.Split(pending[0].Consumer, "-")
		runnerPID, err = strconv.Atoi(parts[len(parts)-2])
		return err == nil
	}, 30*time.Second, 50*time.Millisecond)
	runner, survivor := a, b
	if b.cmd.Process.Pid == runnerPID {
		runner, survivor = b, a
	}
	require.Equal(t, runnerPID, runner.cmd.Process.Pid, "the job is held by one of the two replicas")
	survivorSrv := srvA
	if survivor == b {
		survivorSrv = srvB
	}

	// Follow the run on both replicas: updates cross processes via Redis.
	watchers := map[*replica]*servertest.WS{}
	for r, s := range map[*replica]*servertest.Server{a: srvA, b: srvB} {
		ws := s.DialWS(t, "graphql-transport-ws")
		ws.Init(map[string]any{"authToken": token})
		ws.Subscribe("p", progressSubscription, map[string]any{"id": id})
		watchers[r] = ws
	}
	ws := watchers[survivor]
	for {
		m, err := ws.Read(60 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "next", m.Type, "%s", m.Payload)
		if bytes.Contains(m.Payload, []byte(`"stage":"running"`)) && !bytes.Contains(m.Payload, []byte(`"iterationsDone":0,`)) {
			break
		}
	}
	require.NoError(t, runner.cmd.Process.Signal(syscall.SIGKILL))
	<-runner.done

	msgs := collect(t, ws, "p")
	last := msgs[len(msgs)-1].SimulationProgress
	require.Equal(t, "COMPLETED", last.Status, "the surviving replica reclaimed and completed the job:\n%s", survivor.logs.String())
	require.Equal(t, 1_000_000, last.IterationsDone)
	require.True(t, survivor.logs.Contains("reclaimed a job from a dead worker"), "the survivor's log says it reclaimed the job")

	var got struct {
		Simulation struct {
			Status  string
			Results []struct{ Cell string }
		}
	}
	survivorSrv.Query(t, token, `query($id: ID!) { simulation(id: $id) { status results { cell } } }`, map[string]any{"id": id}).Decode(t, &got)
	require.Equal(t, "COMPLETED", got.Simulation.Status)
	require.Len(t, got.Simulation.Results, 1, "exactly one set of results")

	resultsURL, err := database.EnsurePostgresDatabase(context.Background(), pg, prefix+"results_db")
	require.NoError(t, err)
	resultsDB, err := sql.Open("pgx", resultsURL)
	require.NoError(t, err)
	defer resultsDB.Close()
	var rows, attempts int
	require.NoError(t, resultsDB.QueryRow("SELECT count(*) FROM results WHERE simulation_id = $1", id).Scan(&rows))
	require.Equal(t, 1, rows, "a rerun replaces results, it never adds a second set")
	simURL, err := database.EnsurePostgresDatabase(context.Background(), pg, prefix+"simulation_db")
	require.NoError(t, err)
	simDB, err := sql.Open("pgx", simURL)
	require.NoError(t, err)
	defer simDB.Close()
	require.NoError(t, simDB.QueryRow("SELECT attempts FROM simulations WHERE id = $1", id).Scan(&attempts))
	require.Equal(t, 2, attempts, "run once, killed, run again")
}
