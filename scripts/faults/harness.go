package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// options shape a harness run.
type options struct {
	bin            string        // simgraph binary
	dir            string        // working directory: clusters, logs
	simulations    int           // queued at the start of each scenario
	iterations     int           // per simulation
	chain          int           // formulas in the workbook's chain
	redisOutage    time.Duration // how long Redis stays stopped
	relayOutage    time.Duration // how long the relay stays dead after the runs end
	reclaimAfter   time.Duration // SIMGRAPH_JOB_RECLAIM_AFTER of the replicas
	scenarioTimout time.Duration // longest wait for a scenario's simulations to end
	out            io.Writer     // progress lines
}

const (
	jwtSecret      = "faults-harness-secret-0123456789abcdef"
	databasePrefix = "faults_"
	outputs        = 2 // Model!B1 and Model!B2
)

// harness is the deployment under test: its own PostgreSQL and Redis, two
// API replicas with one worker each and a separate event relay.
type harness struct {
	opt      options
	pg       *postgres
	redis    *redisServer
	replicas [2]*process
	relay    *process
	db       *databases
	client   *client
	workbook string
	next     int // replica that takes the next request
	nextSeed int64
	// current are the scenario's simulations queued before its fault.
	current []string
	// queuedDuring are simulations accepted while a fault lasted.
	queuedDuring []string
}

// outcome is one scenario's line of the table.
type outcome struct {
	scenario  string
	created   int
	completed int
	failed    int
	refused   int // createSimulation answered with an error during the fault
	maxTries  int // most runs any simulation needed
	elapsed   time.Duration
	note      string
	problems  []string
}

func (o outcome) ok() bool { return len(o.problems) == 0 }

// scenario applies one fault to a deployment with simulations running.
type scenario struct {
	name  string
	fault func(ctx context.Context, h *harness, o *outcome) error
}

var scenarios = []scenario{
	{"replica killed (SIGKILL) mid-run", killReplica},
	{"Redis stopped", stopRedis},
	{"Redis restarted without its data", restartRedisEmpty},
	{"PostgreSQL restarted", restartPostgres},
	{"event relay killed (SIGKILL)", killRelay},
}

// run sets the deployment up, plays every scenario and returns their
// outcomes; an error means the harness itself could not run.
func run(ctx context.Context, opt options) ([]outcome, error) {
	h := &harness{opt: opt, nextSeed: 1}
	defer h.teardown()
	if err := h.setup(ctx); err != nil {
		return nil, err
	}
	var outcomes []outcome
	for _, sc := range scenarios {
		h.logf("scenario: %s", sc.name)
		o, err := h.play(ctx, sc)
		if err != nil {
			return outcomes, fmt.Errorf("%s: %w", sc.name, err)
		}
		outcomes = append(outcomes, o)
		h.logf("  %s", o.summary())
	}
	control, err := h.controlCheck(ctx)
	if err != nil {
		return outcomes, fmt.Errorf("control: %w", err)
	}
	return append(outcomes, control), nil
}

// controlCheck shows that the checks can fail: after the scenarios it
// bills one completed simulation twice and drops one of its events, and
// the verdict must report exactly those two problems.
func (h *harness) controlCheck(ctx context.Context) (outcome, error) {
	o := outcome{scenario: "control: a double bill and a lost event are caught", created: 1}
	start := time.Now()
	id := h.current[0]
	if err := h.db.tamper(ctx, id); err != nil {
		return o, err
	}
	problems, err := h.db.verdict(ctx, []string{id}, outputs, 0)
	if err != nil {
		return o, err
	}
	caught := map[string]bool{}
	for _, p := range problems {
		switch {
		case strings.Contains(p, "2 usage records, want 1"):
			caught["bill"] = true
		case strings.Contains(p, "simulation.started event recorded 0 times"):
			caught["event"] = true
		default:
			o.problems = append(o.problems, "unexpected: "+p)
		}
	}
	if !caught["bill"] {
		o.problems = append(o.problems, "the second usage record went unnoticed")
	}
	if !caught["event"] {
		o.problems = append(o.problems, "the lost analytics event went unnoticed")
	}
	o.completed, o.maxTries = 1, 1
	o.note = fmt.Sprintf("%d problems reported", len(problems))
	o.elapsed = time.Since(start)
	h.logf("  %s", o.summary())
	return o, nil
}

func (h *harness) setup(ctx context.Context) error {
	var err error
	if h.pg, err = startPostgres(h.opt.dir); err != nil {
		return err
	}
	if h.redis, err = startRedis(h.opt.dir); err != nil {
		return err
	}
	common := []string{
		"SIMGRAPH_ENV=development",
		"SIMGRAPH_POSTGRES_URL=" + h.pg.URL("postgres"),
		"SIMGRAPH_REDIS_URL=" + h.redis.URL(),
		"SIMGRAPH_DATABASE_PREFIX=" + databasePrefix,
		"SIMGRAPH_JWT_SECRET=" + jwtSecret,
		"SIMGRAPH_JOB_RECLAIM_AFTER=" + h.opt.reclaimAfter.String(),
		"SIMGRAPH_QUOTAS=false",
		"SIMGRAPH_DEMO=false",
		"SIMGRAPH_LOG_LEVEL=info",
		"SIMGRAPH_SHUTDOWN_GRACE=2s",
		"SIMGRAPH_RATE_LIMIT_STANDARD=1000000",
	}
	logs := filepath.Join(h.opt.dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	// The first replica creates the databases and migrates them alone, so
	// the others start on a finished schema.
	for i := range h.replicas {
		h.replicas[i] = newProcess(fmt.Sprintf("replica-%c", 'a'+i), h.opt.bin, logs,
			append(common, "SIMGRAPH_WORKERS=1", "SIMGRAPH_RELAY=false"))
		if err := h.replicas[i].start(); err != nil {
			return err
		}
	}
	h.relay = newProcess("relay", h.opt.bin, logs, append(common, "SIMGRAPH_WORKERS=0", "SIMGRAPH_RELAY=true"))
	if err := h.relay.start(); err != nil {
		return err
	}
	if h.db, err = openDatabases(h.pg, databasePrefix); err != nil {
		return err
	}
	if h.client, err = newClient(jwtSecret); err != nil {
		return err
	}
	wb, err := harnessWorkbook(h.opt.chain)
	if err != nil {
		return err
	}
	h.workbook, err = h.client.upload(h.replicas[0].URL(), wb)
	return err
}

func (h *harness) teardown() {
	for _, p := range append(h.replicas[:], h.relay) {
		if p != nil {
			p.kill()
		}
	}
	if h.db != nil {
		h.db.close()
	}
	if h.redis != nil {
		h.redis.stop()
	}
	if h.pg != nil {
		h.pg.stop()
	}
}

// play queues the scenario's simulations, applies its fault once one runs,
// waits for every simulation to end and checks what was stored.
func (h *harness) play(ctx context.Context, sc scenario) (outcome, error) {
	o := outcome{scenario: sc.name}
	start := time.Now()
	h.current = nil
	for range h.opt.simulations {
		id, err := h.create()
		if err != nil {
			return o, fmt.Errorf("queueing a simulation before the fault: %w", err)
		}
		h.current = append(h.current, id)
	}
	if err := h.waitRunning(ctx, h.current); err != nil {
		return o, err
	}
	h.queuedDuring = nil
	if err := sc.fault(ctx, h, &o); err != nil {
		return o, err
	}
	ids := h.pending()
	o.created = len(ids)
	if err := h.waitEnded(ctx, ids); err != nil {
		o.problems = append(o.problems, err.Error())
	}
	problems, err := h.db.verdict(ctx, ids, outputs, 30*time.Second)
	if err != nil {
		return o, err
	}
	o.problems = append(o.problems, problems...)
	states, err := h.db.states(ctx, ids)
	if err != nil {
		return o, err
	}
	for _, s := range states {
		switch s.status {
		case "COMPLETED":
			o.completed++
		case "FAILED":
			o.failed++
			o.problems = append(o.problems, "FAILED: "+s.reason)
		}
		o.maxTries = max(o.maxTries, s.attempts)
	}
	o.elapsed = time.Since(start)
	return o, nil
}

// create queues one simulation on the next live replica, round robin, as
// a load balancer would.
func (h *harness) create() (string, error) {
	for range len(h.replicas) {
		r := h.replicas[h.next%len(h.replicas)]
		h.next++
		if r.cmd == nil {
			continue
		}
		h.nextSeed++
		return h.client.createSimulation(r.URL(), h.workbook, h.opt.iterations, h.nextSeed)
	}
	return "", errors.New("no replica is running")
}

// createDuring queues a simulation while a fault lasts: a refusal is
// counted (the client is told to try again), an acceptance is checked
// with the rest.
func (h *harness) createDuring(o *outcome) {
	id, err := h.create()
	if err != nil {
		o.refused++
		h.logf("  createSimulation during the fault: %v", err)
		return
	}
	h.queuedDuring = append(h.queuedDuring, id)
}

// pending are the scenario's simulations: those queued before the fault
// and those accepted during it.
func (h *harness) pending() []string {
	return append(append([]string(nil), h.current...), h.queuedDuring...)
}

// waitRunning waits until one of the simulations is RUNNING, so the fault
// hits work in progress.
func (h *harness) waitRunning(ctx context.Context, ids []string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		states, err := h.db.states(ctx, ids)
		if err != nil {
			return err
		}
		for _, s := range states {
			if s.status == "RUNNING" {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("no simulation started running within 60 s")
}

// waitEnded waits until every simulation is in a terminal state.
func (h *harness) waitEnded(ctx context.Context, ids []string) error {
	deadline := time.Now().Add(h.opt.scenarioTimout)
	for {
		states, err := h.db.states(ctx, ids)
		if err != nil {
			return err
		}
		var open []string
		for _, id := range ids {
			switch states[id].status {
			case "COMPLETED", "FAILED", "CANCELLED":
			default:
				open = append(open, short(id)+" "+states[id].status)
			}
		}
		if len(open) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ended after %s: %s", h.opt.scenarioTimout, strings.Join(open, ", "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (h *harness) logf(format string, args ...any) {
	if h.opt.out != nil {
		fmt.Fprintf(h.opt.out, "%s faults: "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
}

func (o outcome) summary() string {
	verdict := "PASS"
	if !o.ok() {
		verdict = "FAIL: " + strings.Join(o.problems, "; ")
	}
	return fmt.Sprintf("%d simulations, %d completed, %d failed, %d refused, most runs %d, %s: %s",
		o.created, o.completed, o.failed, o.refused, o.maxTries, o.elapsed.Round(time.Second), verdict)
}

// printTable writes the outcomes as a Markdown table.
func printTable(w io.Writer, outcomes []outcome) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| scenario\t| simulations\t| completed\t| failed\t| refused while down\t| most runs of one\t| time\t| result\t|")
	fmt.Fprintln(tw, "|---\t|---\t|---\t|---\t|---\t|---\t|---\t|---\t|")
	for _, o := range outcomes {
		verdict := "pass"
		if !o.ok() {
			verdict = "FAIL"
		}
		if o.note != "" {
			verdict += " (" + o.note + ")"
		}
		fmt.Fprintf(tw, "| %s\t| %d\t| %d\t| %d\t| %d\t| %d\t| %s\t| %s\t|\n", o.scenario, o.created, o.completed,
			o.failed, o.refused, o.maxTries, o.elapsed.Round(time.Second), verdict)
	}
	tw.Flush()
	for _, o := range outcomes {
		for _, p := range o.problems {
			fmt.Fprintf(w, "%s: %s\n", o.scenario, p)
		}
	}
}
