// Command fanout measures progress fan-out: N websocket subscribers (1,000
// and 10,000 by default) follow one simulation on a `simgraph serve`
// process in server mode, snapshots are published through Redis the way a
// worker on another replica publishes them, and the program prints the
// latency from publish to client (p50, p99) and the server's memory per
// subscriber. It is a benchmark, not a test: run it with
// `bash scripts/bench-fanout.sh` (PostgreSQL and Redis must be running).
package main

import (
	"bytes"
	"context"
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
	"github.com/redis/go-redis/v9"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/simspec"
)

const secret = "fanout-benchmark-secret-0123456789abcdef"

func main() {
	counts := flag.String("subscribers", "1000,10000,20000", "comma-separated subscriber counts")
	updates := flag.Int("updates", 50, "snapshots published per round, 10 a second")
	pg := flag.String("postgres", envOr("SIMGRAPH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server")
	rdbURL := flag.String("redis", envOr("SIMGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis")
	bin := flag.String("bin", "", "simgraph binary (default: go build)")
	clientReaders = flag.Int("client-readers", 2, "goroutines reading the clients' sockets (epoll)")
	flag.Parse()
	raiseFileLimit()

	prefix := "fanout_" + randomHex(4) + "_"
	defer dropDatabases(*pg, prefix)
	if *bin == "" {
		*bin = build()
	}
	srv := startServer(*bin, *pg, *rdbURL, prefix)
	defer srv.stop()

	token, err := auth.Mint([]byte(secret), "simgraph", "simgraph", auth.ClaimNames{Email: "email", Org: "org", OrgName: "org_name", Roles: "roles"},
		auth.TokenParams{Email: "fanout@bench.example", Org: "fanout", TTL: 2 * time.Hour})
	check(err)
	simID := createQueuedSimulation(srv.url, token)

	rdb, err := config.NewRedisClient(*rdbURL)
	check(err)
	defer rdb.Close()
	channel := "simgraph:" + prefix + "progress:ch:{" + simID + "}"

	fmt.Printf("fan-out of one simulation's progress, %d snapshots per round at 10/s, server on loopback\n", *updates)
	fmt.Printf("%12s %12s %10s %10s %10s %10s %10s %10s %10s %12s\n", "subscribers", "connections", "delivered", "newest", "p50", "p99", "max", "RSS KiB/sub", "heap KiB/sub", "load start/end")
	for _, s := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		round(srv, rdb, channel, simID, token, n, *updates)
	}
}

// subscriptionsPerConnection is how many subscriptions each websocket
// carries so that n subscribers fit in the open-file limit, which counts
// a socket at each end (client and server are both limited): one where it
// allows, more (graphql-transport-ws multiplexes) where it does not.
func subscriptionsPerConnection(n int) int {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 1
	}
	room := int(l.Cur) - 1000 // the server's databases, Redis, logs
	if room <= 0 || n <= room {
		return 1
	}
	return (n + room - 1) / room
}

func round(srv *server, rdb redis.UniversalClient, channel, simID, token string, n, updates int) {
	loadStart := loadAverage()
	before, heapBefore := srv.rssKiB(), srv.heapKiB()
	perConn := subscriptionsPerConnection(n)
	subs := make([]*subscriber, (n+perConn-1)/perConn)
	// Publish times in nanoseconds, read by every client goroutine without
	// a lock: the clients share the 2-core machine with the server and
	// must cost as little as possible per message. The readers take each
	// connection as soon as it is set up, so that it answers the server's
	// pings while the others are still subscribing.
	published := make([]atomic.Int64, updates+1)
	readers := newEpollReaders(*clientReaders, func(seq int, at time.Time) time.Duration {
		if seq <= 0 || seq >= len(published) || published[seq].Load() == 0 {
			return -1
		}
		return time.Duration(at.UnixNano() - published[seq].Load())
	})
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			subs[i] = subscribe(srv.url, token, simID, min(perConn, n-i*perConn))
			readers.add(subs[i].conn)
		}()
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond)
	after, heapAfter := srv.rssKiB(), srv.heapKiB()
	srv.profile(fmt.Sprintf("heap-%d.pb.gz", n), "heap")
	profiled := srv.profileAsync(fmt.Sprintf("cpu-%d.pb.gz", n), fmt.Sprintf("profile?seconds=%d", max(1, updates/10)))

	for seq := 1; seq <= updates; seq++ {
		p := simspec.Progress{SimulationID: simID, Status: "RUNNING", Stage: "running", IterationsDone: seq, IterationsTotal: updates, Percent: 100 * float64(seq) / float64(updates)}
		b, _ := json.Marshal(p)
		published[seq].Store(time.Now().UnixNano())
		check(rdb.Publish(context.Background(), channel, b).Err())
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	<-profiled
	lat := readers.close()
	delivered := len(lat)
	newest := 0 // connections whose last snapshot was the last one published
	for _, s := range subs {
		if s.conn.last == updates {
			newest++
		}
	}
	if os.Getenv("FANOUT_DEBUG") != "" {
		hist := map[int]int{}
		gone := 0
		for _, s := range subs {
			hist[s.conn.got]++
			if s.conn.gone {
				gone++
			}
		}
		fmt.Fprintf(os.Stderr, "snapshots per connection: %v, closed by the server: %d\n", hist, gone)
	}
	for _, s := range subs {
		s.close()
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("%12d %12d %9.1f%% %9.1f%% %10s %10s %10s %10.1f %10.1f %12s\n", n, len(subs), 100*float64(delivered)/float64(n*updates),
		100*float64(newest)/float64(len(subs)),
		q(0.50).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), q(1).Round(10*time.Microsecond),
		float64(after-before)/float64(n), float64(heapAfter-heapBefore)/float64(n), loadStart+"/"+loadAverage())
	time.Sleep(time.Second) // let the server drop the closed subscriptions
}

type subscriber struct{ conn *rawConn }

// subscribe opens one websocket carrying k subscriptions to the simulation
// and reads each subscription's current snapshot.
func subscribe(url, token, simID string, k int) *subscriber {
	c, br, err := dialRaw(url, 60*time.Second)
	check(err)
	check(c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": token}}))
	for {
		_, b, err := readMessage(br)
		check(err)
		if bytes.Contains(b, []byte(`"connection_ack"`)) {
			break
		}
	}
	for i := range k {
		check(c.send(map[string]any{"id": strconv.Itoa(i + 1), "type": "subscribe", "payload": map[string]any{
			"query":     "subscription($id: ID!) { simulationProgress(id: $id) { iterationsDone } }",
			"variables": map[string]any{"id": simID},
		}}))
	}
	for seen := 0; seen < k; {
		_, b, err := readMessage(br)
		check(err)
		if bytes.Contains(b, []byte(`"next"`)) {
			seen++
		}
	}
	if n := br.Buffered(); n > 0 {
		c.rest, _ = br.Peek(n)
		c.rest = append([]byte(nil), c.rest...)
	}
	_ = c.nc.SetDeadline(time.Time{})
	return &subscriber{conn: c}
}

func (s *subscriber) close() { s.conn.nc.Close() }

type server struct {
	url   string
	cmd   *exec.Cmd
	pprof string // the profiles' address, "" when not built with them
}

// profileDir is where FANOUT_PPROF asks for the server's profiles.
var profileDir = os.Getenv("FANOUT_PPROF")

// profile saves one of the server's pprof profiles into profileDir.
func (s *server) profile(file, name string) {
	if s.pprof == "" {
		return
	}
	resp, err := http.Get("http://" + s.pprof + "/debug/pprof/" + name)
	if err != nil {
		log.Printf("profile %s: %v", name, err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	check(os.WriteFile(filepath.Join(profileDir, file), b, 0o644))
}

func (s *server) profileAsync(file, name string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.profile(file, name)
	}()
	return done
}

// heapKiB is the server's live Go heap after a collection (the pprof
// heap profile's inuse figures), 0 when it serves no profiles.
func (s *server) heapKiB() int {
	if s.pprof == "" {
		return 0
	}
	resp, err := http.Get("http://" + s.pprof + "/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	// "# HeapAlloc = 123456" in the text form's runtime.MemStats section.
	_, rest, ok := bytes.Cut(b, []byte("# HeapAlloc = "))
	if !ok {
		return 0
	}
	end := bytes.IndexByte(rest, '\n')
	v, _ := strconv.Atoi(string(rest[:end]))
	return v / 1024
}

func startServer(bin, pg, rdb, prefix string) *server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr)
	pprofAddr := ""
	if profileDir != "" {
		pl, err := net.Listen("tcp", "127.0.0.1:0")
		check(err)
		pprofAddr = pl.Addr().String()
		pl.Close()
	}
	cmd.Env = append(os.Environ(), "FANOUT_PPROF_ADDR="+pprofAddr, "SIMGRAPH_POSTGRES_URL="+pg, "SIMGRAPH_REDIS_URL="+rdb, "SIMGRAPH_DATABASE_PREFIX="+prefix,
		"SIMGRAPH_JWT_SECRET="+secret, "SIMGRAPH_WORKERS=0", "SIMGRAPH_LOG_LEVEL=warn", "SIMGRAPH_QUOTAS=false",
		"SIMGRAPH_RATE_LIMITS=false")
	cmd.Stderr = os.Stderr
	check(cmd.Start())
	s := &server{url: "http://" + addr, cmd: cmd, pprof: pprofAddr}
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

// rssKiB is the server process's resident memory.
func (s *server) rssKiB() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return 0
}

func createQueuedSimulation(url, token string) string {
	f := excelize.NewFile()
	check(f.SetCellValue("Sheet1", "A1", 1.0))
	check(f.SetCellFormula("Sheet1", "A2", "A1*2"))
	var wb bytes.Buffer
	check(f.Write(&wb))

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadWorkbook(file: $f) { id } }","variables":{"f":null}}`)
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	part, _ := w.CreateFormFile("0", "fanout.xlsx")
	_, _ = part.Write(wb.Bytes())
	_ = w.Close()
	var up struct {
		Data struct{ UploadWorkbook struct{ ID string } }
	}
	post(url, token, w.FormDataContentType(), &body, &up)

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
	return created.Data.CreateSimulation.ID
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
	dir, err := os.MkdirTemp("", "fanout-")
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

// raiseFileLimit lifts the open-file limit (inherited by the server it
// starts): every subscriber is a socket at each end. Raising the hard
// limit needs root; otherwise the soft limit goes up to the hard one.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return
	}
	want := syscall.Rlimit{Cur: 1 << 18, Max: max(l.Max, 1<<18)}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var clientReaders *int

// loadAverage is the machine's one-minute load average: other work on the
// machine inflates the latencies.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
