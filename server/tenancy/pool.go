package tenancy

import (
	"container/list"
	"context"
	stdsql "database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pool is the open database of one location: a primary and, for an
// enterprise tenant, its read replicas. Dedicated pools live in an LRU and
// are closed when evicted, once the statements using them have finished.
type pool struct {
	key      string
	primary  *stdsql.DB
	replicas []*replica
	lag      ReplicaLag

	mu       sync.Mutex
	inflight int
	evicted  bool
	closed   bool
	elem     *list.Element
	// onClose is called once the databases are closed.
	onClose func()
}

// tryAcquire holds p open for one statement or transaction; it fails once
// p has been evicted.
func (p *pool) tryAcquire() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.evicted {
		return false
	}
	p.inflight++
	return true
}

func (p *pool) release() {
	p.mu.Lock()
	p.inflight--
	closeNow := p.evicted && p.inflight == 0 && !p.closed
	if closeNow {
		p.closed = true
	}
	p.mu.Unlock()
	if closeNow {
		p.closeDBs()
	}
}

// evict takes p out of service: closed now if idle, else by the last
// release.
func (p *pool) evict() {
	p.mu.Lock()
	p.evicted = true
	closeNow := p.inflight == 0 && !p.closed
	if closeNow {
		p.closed = true
	}
	p.mu.Unlock()
	if closeNow {
		p.closeDBs()
	}
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

func (p *pool) closeDBs() {
	_ = p.primary.Close()
	for _, r := range p.replicas {
		_ = r.db.Close()
	}
	if p.onClose != nil {
		p.onClose()
	}
}

// ReplicaLag bounds how far behind its primary a replica may be and still
// serve reads, and how often that is checked.
type ReplicaLag struct {
	// MaxReplay is the longest a replica may trail: one whose replay
	// position is behind the primary's current WAL position and whose last
	// replayed transaction is older than MaxReplay is skipped.
	MaxReplay time.Duration
	// CheckEvery is how long a health verdict is trusted (0: every read).
	CheckEvery time.Duration
}

// DefaultReplicaLag: a second of replay lag is what an interactive user
// does not notice between two requests; checking at most every second
// keeps the check off most requests.
var DefaultReplicaLag = ReplicaLag{MaxReplay: time.Second, CheckEvery: time.Second}

// replica is a read replica and its last health verdict.
type replica struct {
	db      *stdsql.DB
	display string

	mu        sync.Mutex
	checkedAt time.Time
	healthy   bool
	checking  bool
}

// healthyReplica returns a replica fit to read from, or nil. Verdicts are
// cached for lag.CheckEvery; one caller refreshes a stale verdict while the
// others use the previous one.
func (p *pool) healthyReplica(ctx context.Context) *replica {
	for _, r := range p.replicas {
		if r.fit(ctx, p.primary, p.lag) {
			return r
		}
	}
	return nil
}

func (p *pool) replicaFailed(db *stdsql.DB) {
	for _, r := range p.replicas {
		if r.db == db {
			r.mu.Lock()
			r.healthy, r.checkedAt = false, time.Now()
			r.mu.Unlock()
		}
	}
}

func (r *replica) fit(ctx context.Context, primary *stdsql.DB, lag ReplicaLag) bool {
	r.mu.Lock()
	fresh := !r.checkedAt.IsZero() && time.Since(r.checkedAt) < lag.CheckEvery
	if fresh || (r.checking && !r.checkedAt.IsZero()) {
		h := r.healthy
		r.mu.Unlock()
		return h
	}
	r.checking = true
	r.mu.Unlock()

	h := r.check(ctx, primary, lag)

	r.mu.Lock()
	r.healthy, r.checkedAt, r.checking = h, time.Now(), false
	r.mu.Unlock()
	return h
}

// check asks the replica whether it is a standby and how far it has
// replayed, and the primary where its WAL is. A replica that has replayed
// everything is fit whatever the age of its last transaction (an idle
// primary sends nothing to replay).
func (r *replica) check(ctx context.Context, primary *stdsql.DB, lag ReplicaLag) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var (
		inRecovery bool
		replayLSN  stdsql.NullString
		age        stdsql.NullFloat64
	)
	err := r.db.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
		EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8`).Scan(&inRecovery, &replayLSN, &age)
	if err != nil || !inRecovery || !replayLSN.Valid {
		return false
	}
	var primaryLSN string
	if err := primary.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&primaryLSN); err != nil {
		return false
	}
	behind, err := lsnBehind(primaryLSN, replayLSN.String)
	if err != nil {
		return false
	}
	if behind == 0 {
		return true
	}
	return age.Valid && time.Duration(age.Float64*float64(time.Second)) <= lag.MaxReplay
}

// lsnBehind returns how many bytes of WAL replay trails current by.
func lsnBehind(current, replay string) (uint64, error) {
	c, err := parseLSN(current)
	if err != nil {
		return 0, err
	}
	r, err := parseLSN(replay)
	if err != nil {
		return 0, err
	}
	if r >= c {
		return 0, nil
	}
	return c - r, nil
}

func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, errors.New("malformed LSN " + s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, err
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, err
	}
	return h<<32 | l, nil
}

// lru keeps at most max dedicated pools open, least recently used evicted
// first.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used; values *pool
	byKey map[string]*pool
	// opening serialises the opening of one key.
	opening map[string]*sync.Mutex
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), byKey: map[string]*pool{}, opening: map[string]*sync.Mutex{}}
}

// get returns the open pool of key, opening it with open when missing, and
// holds it for the caller (release when done).
func (l *lru) get(ctx context.Context, key string, open func(ctx context.Context) (*pool, error)) (*pool, error) {
	for {
		l.mu.Lock()
		if p, ok := l.byKey[key]; ok {
			l.order.MoveToFront(p.elem)
			l.mu.Unlock()
			if p.tryAcquire() {
				return p, nil
			}
			continue // evicted meanwhile: open it again
		}
		m, ok := l.opening[key]
		if !ok {
			m = &sync.Mutex{}
			l.opening[key] = m
		}
		l.mu.Unlock()

		m.Lock()
		l.mu.Lock()
		_, done := l.byKey[key]
		l.mu.Unlock()
		if done {
			m.Unlock()
			continue
		}
		p, err := open(ctx)
		if err != nil {
			l.mu.Lock()
			delete(l.opening, key)
			l.mu.Unlock()
			m.Unlock()
			return nil, err
		}
		p.key = key
		p.inflight = 1
		var evicted []*pool
		l.mu.Lock()
		p.elem = l.order.PushFront(p)
		l.byKey[key] = p
		delete(l.opening, key)
		for l.order.Len() > l.max {
			old := l.order.Remove(l.order.Back()).(*pool)
			delete(l.byKey, old.key)
			evicted = append(evicted, old)
		}
		l.mu.Unlock()
		m.Unlock()
		for _, old := range evicted {
			old.evict()
		}
		return p, nil
	}
}

// remove evicts the pool of key, if open.
func (l *lru) remove(key string) {
	l.mu.Lock()
	p, ok := l.byKey[key]
	if ok {
		l.order.Remove(p.elem)
		delete(l.byKey, key)
	}
	l.mu.Unlock()
	if ok {
		p.evict()
	}
}

// len returns the number of pools in the LRU.
func (l *lru) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

// closeAll evicts every pool.
func (l *lru) closeAll() {
	l.mu.Lock()
	var all []*pool
	for e := l.order.Front(); e != nil; e = e.Next() {
		all = append(all, e.Value.(*pool))
	}
	l.order.Init()
	l.byKey = map[string]*pool{}
	l.mu.Unlock()
	for _, p := range all {
		p.evict()
	}
}
