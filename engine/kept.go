package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// SpillBudget bounds the disk the Kept stores of one process take
// together, in bytes.
type SpillBudget struct {
	left atomic.Int64
}

// NewSpillBudget returns a budget of bytes (none when not positive).
func NewSpillBudget(bytes int64) *SpillBudget {
	b := &SpillBudget{}
	b.left.Store(max(bytes, 0))
	return b
}

// take reserves n bytes if they are left.
func (b *SpillBudget) take(n int64) bool {
	for {
		left := b.left.Load()
		if left < n {
			return false
		}
		if b.left.CompareAndSwap(left, left-n) {
			return true
		}
	}
}

func (b *SpillBudget) give(n int64) { b.left.Add(n) }

// Left is the bytes not reserved.
func (b *SpillBudget) Left() int64 { return b.left.Load() }

// Kept holds, on one process, the outputs' values of the chunk ranges a
// split run's first pass evaluated there, so that the later passes over
// those ranges on this process read them back (EvaluateKept) instead of
// evaluating the model again: a single process's spill, for the ranges
// this process took. The values are in an unlinked temporary file, in the
// spill's layout (so a range takes the file's bytes of its chunks only),
// and the bytes count against the budget until Close. Input values are
// not kept: they are drawn again from the plan, as Simulate's passes do.
//
// A Kept is safe for concurrent use by the tasks of one run.
type Kept struct {
	sp     *spill
	budget *SpillBudget
	chunks int

	mu       sync.Mutex
	reserved []bool // per chunk: its bytes taken from the budget
	held     []bool // per chunk: its values written in full
	bytes    int64
	closed   bool
}

// NewKept returns an empty store for s's run, its file in dir
// (os.TempDir() when empty), bounded by budget.
func (s *Split) NewKept(dir string, budget *SpillBudget) (*Kept, error) {
	if budget == nil {
		return nil, errors.New("engine: a kept store needs a budget")
	}
	sp, err := newSpill(dir, len(s.r.m.Outputs))
	if err != nil {
		return nil, err
	}
	sp.refs.Add(1) // the owner's, until Close
	return &Kept{sp: sp, budget: budget, chunks: s.r.chunks, reserved: make([]bool, s.r.chunks), held: make([]bool, s.r.chunks)}, nil
}

// chunkBytes is what one chunk of every output takes in the file.
func (k *Kept) chunkBytes() int64 { return 8 * ChunkSize * int64(k.sp.outputs) }

// reserve takes the budget for the chunks of [first, end) not reserved
// yet and reports whether every chunk of the range is reserved.
func (k *Kept) reserve(first, end int) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return false
	}
	missing := 0
	for c := first; c < end; c++ {
		if !k.reserved[c] {
			missing++
		}
	}
	if missing > 0 {
		n := int64(missing) * k.chunkBytes()
		if !k.budget.take(n) {
			return false
		}
		k.bytes += n
		for c := first; c < end; c++ {
			k.reserved[c] = true
		}
	}
	return true
}

// hold marks [first, end) written in full.
func (k *Kept) hold(first, end int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for c := first; c < end; c++ {
		k.held[c] = true
	}
}

// Holds reports whether every chunk of [first, end) is held.
func (k *Kept) Holds(first, end int) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || first < 0 || end > k.chunks || first >= end {
		return false
	}
	for c := first; c < end; c++ {
		if !k.held[c] {
			return false
		}
	}
	return true
}

// Bytes is the budget the store has taken.
func (k *Kept) Bytes() int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.bytes
}

// Close deletes the values and gives their bytes back to the budget. A
// task evaluating with the store when it closes evaluates the model (the
// file stays open until the last reader is done: it is unlinked, and
// closing only drops this process's handle once every read has ended).
func (k *Kept) Close() {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return
	}
	k.closed = true
	k.held = make([]bool, k.chunks)
	n := k.bytes
	k.bytes = 0
	k.mu.Unlock()
	k.budget.give(n)
	k.sp.refs.Done()
	go func() {
		k.sp.refs.Wait()
		k.sp.close()
	}()
}

// acquire keeps the file open for one task; false when closed.
func (k *Kept) acquire() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return false
	}
	k.sp.refs.Add(1)
	return true
}

func (k *Kept) release() { k.sp.refs.Done() }

// EvaluateKept is Evaluate with a store: the first pass also writes the
// range's outputs to k (when the budget has room for all of them); a later
// pass over a range k holds in full reads its outputs back from k instead
// of evaluating the model, and reports replayed. Either way the partial is
// the same, bit for bit, as Evaluate's. A nil k is Evaluate.
func (s *Split) EvaluateKept(ctx context.Context, first, end int, k *Kept) (p *Partial, replayed bool, err error) {
	if k == nil || !k.acquire() {
		p, err = s.Evaluate(ctx, first, end)
		return p, false, err
	}
	defer k.release()
	if k.chunks != s.r.chunks || k.sp.outputs != len(s.r.m.Outputs) {
		return nil, false, fmt.Errorf("engine: a kept store of %d chunks and %d outputs used for a run of %d and %d", k.chunks, k.sp.outputs, s.r.chunks, len(s.r.m.Outputs))
	}
	var use *keptUse
	switch {
	case s.stage == stageMoments && k.reserve(first, end):
		use = &keptUse{k: k}
	case s.stage != stageMoments && k.Holds(first, end):
		use = &keptUse{k: k, replay: true}
	}
	p, err = s.evaluate(ctx, first, end, use)
	if err != nil {
		return nil, false, err
	}
	if use != nil && !use.replay && use.failed.Load() == nil {
		k.hold(first, end)
	}
	return p, use != nil && use.replay, nil
}

// keptUse is how one Evaluate uses a Kept: writing the first pass's
// outputs to it, or replaying them from it.
type keptUse struct {
	k      *Kept
	replay bool
	failed atomic.Pointer[error]
}

// write stores chunk c's outputs, evaluated by e.
func (u *keptUse) write(e *evaluator, c int, nOut int) {
	if u == nil || u.replay || u.failed.Load() != nil {
		return
	}
	for j := range nOut {
		if err := u.k.sp.writeAt(c, j, e.output(j), e.buf); err != nil {
			u.failed.CompareAndSwap(nil, &err)
			return
		}
	}
}

// source is where a later pass takes its values: replayed from the store
// (its inputs drawn again when the pass needs them), else as the run
// would.
func (u *keptUse) source(r *run, inputs bool) (source, *spill) {
	src := r.replaySource(inputs)
	if u == nil || !u.replay || src != evaluated {
		return src, r.spill
	}
	if inputs {
		return storedInputs, u.k.sp
	}
	return storedOutputs, u.k.sp
}
