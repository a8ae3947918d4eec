// Command scaleout measures a large run split across replicas (`make
// bench-scaleout`): the same simulation of project-dcf.xlsx (the workbooks
// README's five inputs, outputs NPV and IRR) first unsplit in one process
// (the reference), then split on 1, 2 and 3 `simgraph serve` processes,
// each with one worker and one engine goroutine, on one PostgreSQL and
// Redis. It prints the wall time from creation to completion, the speed-up
// over the reference, the tasks each replica finished (from the run's task
// records) and whether the stored results are identical to the
// reference's, byte for byte.
//
// -redis-cluster starts a Redis Cluster of three masters (each with a
// replica) on free ports for the runs; -kill kills (SIGKILL) one of three
// replicas mid-run, whose tasks the others reclaim.
//
// Environment: SIMGRAPH_TEST_POSTGRES_URL, SIMGRAPH_TEST_REDIS_URL (the
// tests' defaults otherwise).
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest/rediscluster"
)

const secret = "scaleout-bench-secret-0123456789abcdef"

func main() {
	iterations := flag.Int("iterations", 10_000_000, "iterations of the run")
	replicaCounts := flag.String("replicas", "1,2,3", "replica counts to measure")
	workbook := flag.String("workbook", "../shared/workbooks/project-dcf.xlsx", "project-dcf.xlsx")
	bin := flag.String("bin", "", "simgraph binary (built when empty)")
	cluster := flag.Bool("redis-cluster", false, "run on a Redis Cluster of three masters started for the runs")
	kill := flag.Bool("kill", false, "kill (SIGKILL) one of three replicas mid-run")
	flag.Parse()
	if err := run(*iterations, *replicaCounts, *workbook, *bin, *cluster, *kill); err != nil {
		fmt.Fprintln(os.Stderr, "scaleout:", err)
		os.Exit(1)
	}
}

type measure struct {
	replicas int // 0: the unsplit reference
	wall     time.Duration
	digest   string
	killed   bool
	tasks    string // finished tasks per replica, other states
	load     string
}

func run(iterations int, counts, workbookPath, bin string, cluster, kill bool) error {
	pg := env("SIMGRAPH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	rdb := env("SIMGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
	if cluster {
		c, err := rediscluster.Start()
		if err != nil {
			return fmt.Errorf("starting a Redis Cluster: %w", err)
		}
		defer c.Stop()
		rdb = c.URL()
	}
	wb, err := os.ReadFile(workbookPath)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "simgraph-scaleout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "simgraph")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	fmt.Printf("scale-out bench: %d iterations of project-dcf.xlsx, %d CPUs, Redis %s, load average %s\n", iterations, numCPU(),
		map[bool]string{true: "Cluster (3 masters)", false: "single node"}[cluster], loadavg())
	ref, err := measureReplicas(0, iterations, wb, bin, pg, rdb, tmp, false)
	if err != nil {
		return fmt.Errorf("reference run: %w", err)
	}
	fmt.Printf("  reference (1 process, unsplit): %.1f s, load average %s\n", ref.wall.Seconds(), ref.load)
	ms := []measure{ref}
	for _, f := range strings.Split(counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-replicas: %q", f)
		}
		m, err := measureReplicas(n, iterations, wb, bin, pg, rdb, tmp, kill && n == 3)
		if err != nil {
			return fmt.Errorf("%d replicas: %w", n, err)
		}
		ms = append(ms, m)
		fmt.Printf("  %d replica(s)%s: %.1f s, load average %s, tasks %s\n", n, map[bool]string{true: " (one killed)"}[m.killed], m.wall.Seconds(), m.load, m.tasks)
	}
	fmt.Println()
	fmt.Println("| run | wall time | speed-up vs reference | finished tasks per replica (other attempts) | results identical to the reference | load average (1, 5, 15 min) |")
	fmt.Println("|---|---:|---:|---|---|---|")
	identical := true
	for _, m := range ms {
		name := "reference: 1 process, unsplit"
		if m.replicas > 0 {
			name = fmt.Sprintf("%d replica(s), split", m.replicas)
			if m.killed {
				name += ", one SIGKILLed"
			}
		}
		identical = identical && m.digest == ref.digest
		fmt.Printf("| %s | %.1f s | %.2fx | %s | %v | %s |\n", name, m.wall.Seconds(), ref.wall.Seconds()/m.wall.Seconds(), m.tasks, m.digest == ref.digest, m.load)
	}
	fmt.Printf("\nresults digest (sha256 of the stored result rows): %s\nload average at the end: %s\n", ref.digest, loadavg())
	if !identical {
		return fmt.Errorf("a split run's results differ from the reference's")
	}
	return nil
}

// measureReplicas runs the simulation on n replicas splitting it (n 0:
// one process, unsplit), killing the third replica mid-run when kill.
func measureReplicas(n, iterations int, wb []byte, bin, pg, rdb, tmp string, kill bool) (measure, error) {
	prefix := fmt.Sprintf("scaleout_%d_%d_", os.Getpid(), n)
	defer dropDatabases(pg, prefix)
	chunkedAbove := "2000000"
	if n == 0 {
		chunkedAbove = "0"
	}
	envs := []string{
		"SIMGRAPH_POSTGRES_URL=" + pg, "SIMGRAPH_REDIS_URL=" + rdb, "SIMGRAPH_DATABASE_PREFIX=" + prefix,
		"SIMGRAPH_JWT_SECRET=" + secret, "SIMGRAPH_WORKERS=1", "SIMGRAPH_ENGINE_WORKERS=1", "SIMGRAPH_QUOTAS=false",
		"SIMGRAPH_MAX_ITERATIONS=" + strconv.Itoa(max(iterations, 10_000_000)), "SIMGRAPH_LOG_LEVEL=warn",
		// The split runs stream their summary; so does the reference.
		"SIMGRAPH_SUMMARY_MEMORY=-1", "SIMGRAPH_CHUNKED_ABOVE=" + chunkedAbove, "SIMGRAPH_JOB_RECLAIM_AFTER=5s",
	}
	var procs []*exec.Cmd
	var urls []string
	killed := map[*exec.Cmd]bool{}
	defer func() {
		for _, p := range procs {
			if !killed[p] {
				_ = p.Process.Signal(syscall.SIGTERM)
			}
			_, _ = p.Process.Wait()
		}
	}()
	for i := range max(n, 1) {
		url, cmd, err := startReplica(bin, envs, filepath.Join(tmp, fmt.Sprintf("%s%d.log", prefix, i)))
		if err != nil {
			return measure{}, err
		}
		procs, urls = append(procs, cmd), append(urls, url)
	}
	token, err := auth.Mint([]byte(secret), "simgraph", "simgraph",
		auth.ClaimNames{Email: "email", Org: "org", OrgName: "org_name", Roles: "roles"},
		auth.TokenParams{Email: "bench@scaleout.example", Org: "scaleout", TTL: 6 * time.Hour})
	if err != nil {
		return measure{}, err
	}
	c := &client{token: token, http: &http.Client{Timeout: time.Minute}}
	wbID, err := c.upload(urls[0], wb)
	if err != nil {
		return measure{}, err
	}
	start := time.Now()
	id, err := c.createDCF(urls[0], wbID, iterations)
	if err != nil {
		return measure{}, err
	}
	for {
		var out struct {
			Simulation struct {
				Status, Error string
				Tasks         []struct{ State string }
			}
		}
		if err := c.post(urls[0], "application/json", query(`query($id: ID!) { simulation(id: $id) { status error tasks { state } } }`, map[string]any{"id": id}), &out); err != nil {
			return measure{}, err
		}
		if kill && len(killed) == 0 {
			finished := 0
			for _, t := range out.Simulation.Tasks {
				if t.State == "FINISHED" {
					finished++
				}
			}
			// Some way into the first pass (of about 38 tasks of the
			// default 262,144 iterations): the victim holds a task.
			if finished >= 10 {
				victim := procs[2]
				_ = victim.Process.Signal(syscall.SIGKILL)
				killed[victim] = true
				fmt.Printf("    killed replica 3 (pid %d) after %.1f s, %d tasks finished\n", victim.Process.Pid, time.Since(start).Seconds(), finished)
			}
		}
		switch out.Simulation.Status {
		case "COMPLETED":
		case "FAILED", "CANCELLED":
			return measure{}, fmt.Errorf("simulation %s: %s", out.Simulation.Status, out.Simulation.Error)
		default:
			time.Sleep(200 * time.Millisecond)
			continue
		}
		break
	}
	wall := time.Since(start)
	load := loadavg()
	digest, err := resultsDigest(pg, prefix, id)
	if err != nil {
		return measure{}, err
	}
	tasks, err := c.tasksPerReplica(urls[0], id, procs)
	if err != nil {
		return measure{}, err
	}
	return measure{replicas: n, wall: wall, digest: digest, killed: len(killed) > 0, tasks: tasks, load: load}, nil
}

// tasksPerReplica summarises the run's task records: FINISHED attempts by
// replica (numbered as started, found by the process ID in the consumer
// name), then the attempts that replayed kept outputs and the count of
// each other state.
func (c *client) tasksPerReplica(url, id string, procs []*exec.Cmd) (string, error) {
	var out struct {
		Simulation struct {
			Tasks []struct {
				Replica, State string
				Replayed       bool
			}
		}
	}
	if err := c.post(url, "application/json", query(`query($id: ID!) { simulation(id: $id) { tasks { replica state replayed } } }`, map[string]any{"id": id}), &out); err != nil {
		return "", err
	}
	if len(out.Simulation.Tasks) == 0 {
		return "none (unsplit)", nil
	}
	finished := make([]int, len(procs))
	others := map[string]int{}
	replayed := 0
	for _, t := range out.Simulation.Tasks {
		if t.Replayed && (t.State == "FINISHED" || t.State == "DUPLICATE") {
			replayed++
		}
		if t.State != "FINISHED" {
			others[t.State]++
			continue
		}
		for i, p := range procs {
			if strings.Contains(t.Replica, "-"+strconv.Itoa(p.Process.Pid)+"-") {
				finished[i]++
			}
		}
	}
	parts := make([]string, len(finished))
	for i, f := range finished {
		parts[i] = strconv.Itoa(f)
	}
	summary := strings.Join(parts, " / ")
	var extra []string
	if replayed > 0 {
		extra = append(extra, fmt.Sprintf("%d replayed", replayed))
	}
	for _, state := range []string{"DUPLICATE", "HANDED_BACK", "ABANDONED", "FAILED", "CANCELLED", "RUNNING"} {
		if others[state] > 0 {
			extra = append(extra, fmt.Sprintf("%d %s", others[state], state))
		}
	}
	if len(extra) > 0 {
		summary += " (" + strings.Join(extra, ", ") + ")"
	}
	return summary, nil
}

// resultsDigest hashes the stored result rows (the JSON numbers are each
// float64's shortest form: equal rows, equal floats).
func resultsDigest(pg, prefix, id string) (string, error) {
	u, err := database.EnsurePostgresDatabase(context.Background(), pg, prefix+"results_db")
	if err != nil {
		return "", err
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		return "", err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT cell, summary::text, percentiles::text, histogram::text, sensitivity::text, tails::text,
		targets::text, coalesce(error_counts::text, '') FROM results WHERE simulation_id = $1 ORDER BY position`, id)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	h := sha256.New()
	count := 0
	for rows.Next() {
		cols := make([]string, 8)
		ptrs := make([]any, len(cols))
		for i := range cols {
			ptrs[i] = &cols[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		io.WriteString(h, strings.Join(cols, "\x00")+"\x01")
		count++
	}
	if count == 0 {
		return "", fmt.Errorf("no results stored for %s", id)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], rows.Err()
}

func dropDatabases(pg, prefix string) {
	db, err := sql.Open("pgx", pg)
	if err != nil {
		return
	}
	defer db.Close()
	rows, err := db.Query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, prefix+"%")
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var s string
		if rows.Scan(&s) == nil {
			names = append(names, s)
		}
	}
	rows.Close()
	for _, name := range names {
		_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
	}
}

func startReplica(bin string, envs []string, logPath string) (string, *exec.Cmd, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	log, err := os.Create(logPath)
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), envs...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	url := "http://" + addr
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, cmd, nil
			}
		}
	}
	_ = cmd.Process.Kill()
	b, _ := os.ReadFile(logPath)
	return "", nil, fmt.Errorf("replica not ready:\n%s", b)
}

type client struct {
	token string
	http  *http.Client
}

func query(q string, vars map[string]any) io.Reader {
	b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	return bytes.NewReader(b)
}

func (c *client) post(url, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var answer struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		return fmt.Errorf("HTTP %d, not GraphQL: %.200s", resp.StatusCode, b)
	}
	if len(answer.Errors) > 0 {
		return fmt.Errorf("GraphQL: %s", answer.Errors[0].Message)
	}
	return json.Unmarshal(answer.Data, out)
}

func (c *client) upload(url string, workbook []byte) (string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadWorkbook(file: $f) { id } }","variables":{"f":null}}`)
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	part, err := w.CreateFormFile("0", "project-dcf.xlsx")
	if err != nil {
		return "", err
	}
	_, _ = part.Write(workbook)
	_ = w.Close()
	var out struct {
		UploadWorkbook struct{ ID string } `json:"uploadWorkbook"`
	}
	if err := c.post(url, w.FormDataContentType(), &body, &out); err != nil {
		return "", err
	}
	return out.UploadWorkbook.ID, nil
}

// createDCF queues project-dcf.xlsx with the workbooks README's inputs.
func (c *client) createDCF(url, workbookID string, iterations int) (string, error) {
	in := map[string]any{
		"workbookId": workbookID, "iterations": iterations, "seed": 1, "outputs": []string{"Summary!B2", "Summary!B3"},
		"inputs": []map[string]any{
			{"cell": "Inputs!B2", "distribution": map[string]any{"type": "TRIANGULAR", "min": 100, "mode": 120, "max": 150}},
			{"cell": "Inputs!B3", "distribution": map[string]any{"type": "NORMAL", "mean": 10000, "stdDev": 1500}},
			{"cell": "Inputs!B4", "distribution": map[string]any{"type": "UNIFORM", "min": 0.03, "max": 0.12}},
			{"cell": "Inputs!B5", "distribution": map[string]any{"type": "TRIANGULAR", "min": 60, "mode": 70, "max": 90}},
			{"cell": "Inputs!B7", "distribution": map[string]any{"type": "UNIFORM", "min": 0.08, "max": 0.12}},
		},
	}
	var out struct {
		CreateSimulation struct{ ID string } `json:"createSimulation"`
	}
	if err := c.post(url, "application/json", query(`mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": in}), &out); err != nil {
		return "", err
	}
	return out.CreateSimulation.ID, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(b), "processor\t"))
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
