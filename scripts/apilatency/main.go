// Command apilatency measures GraphQL request latency of a `simgraph serve`
// process under open-loop load: at each fixed rate (200, 500 and 1,000
// requests/s by default) it sends authenticated `tenantInfo`,
// `simulations(first:20)` and bare `__typename` queries over keep-alive
// connections and prints p50/p99 and the ratios to the bare query. Latency
// is measured from each request's scheduled send time, so a slow server
// cannot hold back the load (no coordinated omission). It runs the embedded
// mode (SQLite in a temporary directory) and server mode (a uniquely
// prefixed set of PostgreSQL databases, dropped at the end, and Redis).
// It prints, never asserts: run it with `make bench-api`.
package main

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/auth"
)

const secret = "apilatency-benchmark-secret-0123456789abcdef"

var queries = []struct{ name, query string }{
	{"bare", `{ __typename }`},
	{"tenantInfo", `{ tenantInfo { tenantId tier databaseTier dedicated organization { id name } } }`},
	{"simulations", `{ simulations(first:20) { edges { node { id status } } } }`},
}

func main() {
	rates := flag.String("rates", envOr("API_LATENCY_RATES", "200,500,1000"), "comma-separated request rates per second")
	seconds := flag.Float64("seconds", envFloat("API_LATENCY_SECONDS", 20), "seconds of load per rate and query")
	modes := flag.String("modes", envOr("API_LATENCY_MODES", "embedded,server"), "comma-separated modes: embedded, server")
	pg := flag.String("postgres", envOr("SIMGRAPH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server")
	rdb := flag.String("redis", envOr("SIMGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis")
	bin := flag.String("bin", "", "simgraph binary (default: go build)")
	flag.Parse()
	if *bin == "" {
		*bin = build()
	}
	var rateList []int
	for _, s := range strings.Split(*rates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		rateList = append(rateList, n)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("API latency, open loop, %.0f s per rate and query, keep-alive clients on loopback; load average %s\n",
		*seconds, strings.Join(strings.Fields(string(load))[:3], " "))
	for _, mode := range strings.Split(*modes, ",") {
		mode = strings.TrimSpace(mode)
		var env []string
		switch mode {
		case "embedded":
			dir, err := os.MkdirTemp("", "apilatency-")
			check(err)
			defer os.RemoveAll(dir)
			env = []string{"SIMGRAPH_DATA_DIR=" + dir}
		case "server":
			prefix := "apilatency_" + randomHex(4) + "_"
			defer dropDatabases(*pg, prefix)
			env = []string{"SIMGRAPH_POSTGRES_URL=" + *pg, "SIMGRAPH_REDIS_URL=" + *rdb, "SIMGRAPH_DATABASE_PREFIX=" + prefix}
		default:
			log.Fatalf("unknown mode %q", mode)
		}
		runMode(mode, *bin, env, rateList, time.Duration(*seconds*float64(time.Second)))
	}
}

func runMode(mode, bin string, env []string, rates []int, duration time.Duration) {
	srv := startServer(bin, env)
	defer srv.stop()
	token, err := auth.Mint([]byte(secret), "simgraph", "simgraph", auth.ClaimNames{Email: "email", Org: "org", OrgName: "org_name", Roles: "roles"},
		auth.TokenParams{Email: "latency@bench.example", Org: "apilatency", TTL: 2 * time.Hour})
	check(err)
	createSimulations(srv.url, token, 2)

	fmt.Printf("\n%s mode\n", mode)
	fmt.Printf("%8s %-12s %10s %10s %10s %8s %8s\n", "rate/s", "query", "p50", "p99", "max", "errors", "sent")
	for _, rate := range rates {
		results := map[string][2]time.Duration{}
		for _, q := range queries {
			r := openLoop(srv.url, token, q.query, rate, duration)
			p50, p99 := r.quantile(0.50), r.quantile(0.99)
			results[q.name] = [2]time.Duration{p50, p99}
			fmt.Printf("%8d %-12s %10s %10s %10s %8d %8d\n", rate, q.name, round(p50), round(p99), round(r.quantile(1)), r.errors, r.sent)
		}
		bare := results["bare"]
		for _, name := range []string{"tenantInfo", "simulations"} {
			fmt.Printf("%8d %-12s p50 %.2fx  p99 %.2fx of bare\n", rate, name,
				ratio(results[name][0], bare[0]), ratio(results[name][1], bare[1]))
		}
	}
}

type result struct {
	latencies []time.Duration
	errors    int64
	sent      int
}

func (r *result) quantile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(p*float64(len(r.latencies))))]
}

// openLoop sends query at rate per second for duration. Each request has a
// scheduled time; a pool of keep-alive workers picks them up, and latency
// runs from the scheduled time to the end of the response, so queueing
// behind a slow response is counted.
func openLoop(url, token, query string, rate int, duration time.Duration) *result {
	body, _ := json.Marshal(map[string]string{"query": query})
	workers := max(64, rate/4)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, IdleConnTimeout: time.Minute}, Timeout: 30 * time.Second}
	n := int(float64(rate) * duration.Seconds())
	interval := time.Second / time.Duration(rate)
	scheduled := make(chan time.Time, n)
	lat := make([]time.Duration, 0, n)
	var mu sync.Mutex
	var errs atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range scheduled {
				if d := time.Until(at); d > 0 {
					time.Sleep(d)
				}
				ok := send(client, url, token, body)
				d := time.Since(at)
				if !ok {
					errs.Add(1)
					continue
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	start := time.Now().Add(50 * time.Millisecond)
	for i := range n {
		scheduled <- start.Add(time.Duration(i) * interval)
	}
	close(scheduled)
	wg.Wait()
	client.CloseIdleConnections()
	slices.Sort(lat)
	return &result{latencies: lat, errors: errs.Load(), sent: n}
}

func send(client *http.Client, url, token string, body []byte) bool {
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK && !bytes.Contains(b, []byte(`"errors"`))
}

type server struct {
	url string
	cmd *exec.Cmd
}

func startServer(bin string, env []string) *server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr)
	// Rate limits and quotas off: the benchmark's own rate is far above a tier's.
	cmd.Env = append(append(os.Environ(), "SIMGRAPH_JWT_SECRET="+secret, "SIMGRAPH_WORKERS=0", "SIMGRAPH_LOG_LEVEL=warn",
		"SIMGRAPH_QUOTAS=false", "SIMGRAPH_DEMO=false",
		"SIMGRAPH_RATE_LIMIT_TRIAL=100000000", "SIMGRAPH_RATE_LIMIT_STANDARD=100000000",
		"SIMGRAPH_RATE_LIMIT_PROFESSIONAL=100000000", "SIMGRAPH_RATE_LIMIT_ENTERPRISE=100000000"), env...)
	cmd.Stderr = os.Stderr
	check(cmd.Start())
	s := &server{url: "http://" + addr, cmd: cmd}
	for range 600 {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	log.Fatal("server did not become ready")
	return nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_, _ = s.cmd.Process.Wait()
}

// createSimulations uploads a two-cell workbook and queues count
// simulations on it (no workers run them), so simulations(first:20) has rows.
func createSimulations(url, token string, count int) {
	f := excelize.NewFile()
	check(f.SetCellValue("Sheet1", "A1", 1.0))
	check(f.SetCellFormula("Sheet1", "A2", "A1*2"))
	var wb bytes.Buffer
	check(f.Write(&wb))

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadWorkbook(file: $f) { id } }","variables":{"f":null}}`)
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	part, _ := w.CreateFormFile("0", "apilatency.xlsx")
	_, _ = part.Write(wb.Bytes())
	_ = w.Close()
	var up struct {
		Data struct{ UploadWorkbook struct{ ID string } }
	}
	post(url, token, w.FormDataContentType(), &body, &up)

	for range count {
		q, _ := json.Marshal(map[string]any{
			"query": `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`,
			"variables": map[string]any{"in": map[string]any{
				"workbookId": up.Data.UploadWorkbook.ID, "iterations": 1000, "outputs": []string{"Sheet1!A2"},
				"inputs": []map[string]any{{"cell": "Sheet1!A1", "distribution": map[string]any{"type": "UNIFORM", "min": 0, "max": 1}}},
			}},
		})
		var created struct {
			Data struct{ CreateSimulation struct{ ID string } }
		}
		post(url, token, "application/json", bytes.NewReader(q), &created)
	}
}

func post(url, token, contentType string, body io.Reader, out any) {
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	check(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, out); err != nil || bytes.Contains(b, []byte(`"errors"`)) {
		log.Fatalf("unexpected answer: %s", b)
	}
}

func build() string {
	dir, err := os.MkdirTemp("", "apilatency-bin-")
	check(err)
	bin := filepath.Join(dir, "simgraph")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/simgraph/simgraph").CombinedOutput()
	if err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func dropDatabases(pg, prefix string) {
	db, err := sql.Open("pgx", pg)
	if err != nil {
		return
	}
	defer db.Close()
	rows, err := db.Query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix)
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + n + `" WITH (FORCE)`)
	}
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envFloat(k string, def float64) float64 {
	if v := os.Getenv(k); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		check(err)
		return f
	}
	return def
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
