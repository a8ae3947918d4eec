package admin

import (
	"context"
	stdsql "database/sql"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
)

// latencyWindow is how many recent statements the quantiles are computed
// over: enough for stable p99s, small enough to sort on every metrics call.
const latencyWindow = 2048

// Recorder counts one database's statements, their errors and their
// latencies (a ring of the most recent).
type Recorder struct {
	queries atomic.Int64
	errors  atomic.Int64

	mu   sync.Mutex
	ring [latencyWindow]float64 // milliseconds
	n    int
}

func (r *Recorder) observe(start time.Time, err error) {
	ms := float64(time.Since(start).Microseconds()) / 1000
	r.queries.Add(1)
	if err != nil && err != stdsql.ErrNoRows {
		r.errors.Add(1)
	}
	r.mu.Lock()
	r.ring[r.n%latencyWindow] = ms
	r.n++
	r.mu.Unlock()
}

// Latency are quantiles of recent statement latencies, in milliseconds.
type Latency struct {
	P50, P90, P95, P99, Max float64
	Samples                 int
}

// Snapshot returns the counts and latency quantiles so far.
func (r *Recorder) Snapshot() (queries, errors int64, l Latency) {
	r.mu.Lock()
	n := min(r.n, latencyWindow)
	xs := slices.Clone(r.ring[:n])
	r.mu.Unlock()
	slices.Sort(xs)
	q := func(p float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		// Nearest rank.
		i := int(p*float64(len(xs))+0.5) - 1
		return xs[min(max(i, 0), len(xs)-1)]
	}
	l = Latency{P50: q(0.50), P90: q(0.90), P95: q(0.95), P99: q(0.99), Samples: len(xs)}
	if len(xs) > 0 {
		l.Max = xs[len(xs)-1]
	}
	return r.queries.Load(), r.errors.Load(), l
}

// Instrument wraps an ent driver so every statement (in or out of a
// transaction) is counted and timed by rec.
func Instrument(d dialect.Driver, rec *Recorder) dialect.Driver {
	return &driver{Driver: d, rec: rec}
}

type driver struct {
	dialect.Driver
	rec *Recorder
}

func (d *driver) Exec(ctx context.Context, query string, args, v any) error {
	start := time.Now()
	err := d.Driver.Exec(ctx, query, args, v)
	d.rec.observe(start, err)
	return err
}

func (d *driver) Query(ctx context.Context, query string, args, v any) error {
	start := time.Now()
	err := d.Driver.Query(ctx, query, args, v)
	d.rec.observe(start, err)
	return err
}

func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		d.rec.errors.Add(1)
		return nil, err
	}
	return &instrumentedTx{Tx: tx, rec: d.rec}, nil
}

// BeginTx is what ent's Client.BeginTx looks for.
func (d *driver) BeginTx(ctx context.Context, opts *stdsql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *stdsql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	t, err := b.BeginTx(ctx, opts)
	if err != nil {
		d.rec.errors.Add(1)
		return nil, err
	}
	return &instrumentedTx{Tx: t, rec: d.rec}, nil
}

// ExecContext and QueryContext are what ent's generated ExecContext and
// QueryContext look for.
func (d *driver) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	e, ok := d.Driver.(interface {
		ExecContext(context.Context, string, ...any) (stdsql.Result, error)
	})
	if !ok {
		return nil, stdsql.ErrConnDone
	}
	start := time.Now()
	res, err := e.ExecContext(ctx, query, args...)
	d.rec.observe(start, err)
	return res, err
}

func (d *driver) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	q, ok := d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*stdsql.Rows, error)
	})
	if !ok {
		return nil, stdsql.ErrConnDone
	}
	start := time.Now()
	rows, err := q.QueryContext(ctx, query, args...)
	d.rec.observe(start, err)
	return rows, err
}

type instrumentedTx struct {
	dialect.Tx
	rec *Recorder
}

func (t *instrumentedTx) Exec(ctx context.Context, query string, args, v any) error {
	start := time.Now()
	err := t.Tx.Exec(ctx, query, args, v)
	t.rec.observe(start, err)
	return err
}

func (t *instrumentedTx) Query(ctx context.Context, query string, args, v any) error {
	start := time.Now()
	err := t.Tx.Query(ctx, query, args, v)
	t.rec.observe(start, err)
	return err
}

// ExecContext and QueryContext pass raw SQL in a transaction through (ent's
// Tx.ExecContext looks for them).
func (t *instrumentedTx) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	e, ok := t.Tx.(interface {
		ExecContext(context.Context, string, ...any) (stdsql.Result, error)
	})
	if !ok {
		return nil, stdsql.ErrTxDone
	}
	start := time.Now()
	res, err := e.ExecContext(ctx, query, args...)
	t.rec.observe(start, err)
	return res, err
}

func (t *instrumentedTx) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	q, ok := t.Tx.(interface {
		QueryContext(context.Context, string, ...any) (*stdsql.Rows, error)
	})
	if !ok {
		return nil, stdsql.ErrTxDone
	}
	start := time.Now()
	rows, err := q.QueryContext(ctx, query, args...)
	t.rec.observe(start, err)
	return rows, err
}
