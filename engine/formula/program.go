package formula

import (
	"math"
	"math/rand/v2"
)

// Program is a workbook's formula graph compiled for batched evaluation.
// It is immutable and shared by all workers; each worker owns a State.
type Program struct {
	m        *model
	inputs   []CellRef
	outputs  []CellRef
	inSlot   []int32   // vector slot of each input
	outSlot  []int32   // vector slot of each output, -1 if constant
	outConst []float64 // lane value of constant outputs
	// inputUsed tells, per input, whether some output depends on it
	inputUsed []bool
	steps     []step    // varying formula cells, dependencies first
	loops     []loop    // runs of steps solved by iteration, in step order
	nslots    int       // varying cells (inputs included)
	nregs     int       // scratch registers
	consts    []float64 // values of constant registers (index nslots+nregs+i)
	strs      []string  // constant strings referenced by lane values
	usesRand  bool
	formulas  int // number of formula cells evaluated per lane
	// maxOperands is the most operands one range kernel reads
	maxOperands int
	unchecked   int // steps whose check is deferred (vcheck.go)
}

type step struct {
	slot int32
	expr vexpr
	id   int32
}

// Inputs returns the input cells, in CompileOptions order.
func (p *Program) Inputs() []CellRef { return p.inputs }

// Outputs returns the output cells, in CompileOptions order.
func (p *Program) Outputs() []CellRef { return p.outputs }

// ConstantOutputs returns the indexes, in CompileOptions order, of the
// outputs that depend on no input and draw no random number: every
// iteration gives them the same value.
func (p *Program) ConstantOutputs() []int {
	var out []int
	for j, slot := range p.outSlot {
		if slot < 0 {
			out = append(out, j)
		}
	}
	return out
}

// UnusedInputs returns the indexes, in CompileOptions order, of the inputs
// no output depends on: their values change no result. None are reported
// when OFFSET or INDIRECT, whose targets are only known per lane, can
// reach any cell.
func (p *Program) UnusedInputs() []int {
	var out []int
	for i, used := range p.inputUsed {
		if !used {
			out = append(out, i)
		}
	}
	return out
}

// UsesRand reports whether the program draws random numbers (RAND,
// RANDBETWEEN), so that the caller must SetRand each State.
func (p *Program) UsesRand() bool { return p.usesRand }

// Formulas is the number of formula cells computed per lane.
func (p *Program) Formulas() int { return p.formulas }

// State is a worker's scratch space for one Program: vectors of batch
// length for every varying cell and temporary. Not safe for concurrent use.
type State struct {
	p     *Program
	batch int
	bufs  [][]float64 // slots, then registers, then constants
	view  [][]float64 // bufs of the current sub-batch
	cols  [][]float64 // operand buffers of a range kernel
	outs  [][]float64 // constant outputs, filled once
	rng   *rand.Rand
	strs  []string // strings produced during the current Run
	ev    evaluator
	// constBase is the index in bufs of the first constant register
	constBase int
	// stamps[k] is the repair (gen) that last recomputed a lane of step k
	stamps []uint64
	gen    uint64
	// loopOld and loopDone are runLoop's scratch: the members' values
	// before a pass, and the lanes that converged
	loopOld  [][]float64
	loopDone []bool
	// spill caches each spilling master's array per lane (spillLanes)
	spill map[int32][]Value
}

// constRef is the operand reference of constant register i (see vec).
func constRef(i int) int32 { return -int32(i) - 1 }

// vec returns the buffer of an operand reference: a slot or register
// (r >= 0) or a constant register (constRef).
func (s *State) vec(r int32) []float64 {
	if r >= 0 {
		return s.bufs[r]
	}
	return s.bufs[s.constBase+int(-r-1)]
}

// NewState allocates the scratch for batches of up to batch lanes.
func (p *Program) NewState(batch int) *State {
	if batch < 1 {
		batch = 1
	}
	s := &State{p: p, batch: batch, constBase: p.nslots + p.nregs}
	total := p.nslots + p.nregs + len(p.consts)
	backing := make([]float64, total*batch)
	s.bufs = make([][]float64, total)
	s.view = make([][]float64, total)
	for i := range s.bufs {
		s.bufs[i] = backing[i*batch : (i+1)*batch : (i+1)*batch]
	}
	for i, c := range p.consts {
		b := s.bufs[p.nslots+p.nregs+i]
		for j := range b {
			b[j] = c
		}
	}
	s.outs = make([][]float64, len(p.outputs))
	for j, slot := range p.outSlot {
		if slot < 0 {
			b := make([]float64, batch)
			for i := range b {
				b[i] = p.outConst[j]
			}
			s.outs[j] = b
		}
	}
	s.ev = evaluator{m: p.m, lane: s, stack: make([]Value, 0, 64), fs1: make([]float64, 0, max(p.maxOperands, 16))}
	s.cols = make([][]float64, 0, p.maxOperands)
	if p.unchecked > 0 {
		s.stamps = make([]uint64, len(p.steps))
	}
	if len(p.loops) > 0 {
		members := 0
		for _, l := range p.loops {
			members = max(members, len(l.slots))
		}
		s.loopOld = make([][]float64, members)
		for k := range s.loopOld {
			s.loopOld[k] = make([]float64, batch)
		}
		s.loopDone = make([]bool, batch)
	}
	return s
}

// SetRand sets the random source RAND and RANDBETWEEN draw from, lane by
// lane. There is no global fallback: a program that UsesRand yields #N/A
// from RAND without one.
func (s *State) SetRand(r *rand.Rand) {
	s.rng = r
	s.ev.rng = r
}

// Batch is the lane capacity of the state.
func (s *State) Batch() int { return s.batch }

// Input returns the lane vector of input i, to be written before Run.
func (s *State) Input(i int) []float64 { return s.bufs[s.p.inSlot[i]] }

// Output returns the lane values of output j after Run. Errors are
// NaN-encoded (see ErrorKind); text and logical results are encoded too and
// can be read with OutputValue.
func (s *State) Output(j int) []float64 {
	if slot := s.p.outSlot[j]; slot >= 0 {
		return s.bufs[slot]
	}
	return s.outs[j]
}

// OutputValue decodes lane i of output j (valid until the next Run).
func (s *State) OutputValue(j, lane int) Value { return s.decode(s.Output(j)[lane]) }

// Run evaluates the first n lanes (n <= batch).
func (s *State) Run(n int) {
	if n > s.batch {
		n = s.batch
	}
	s.strs = s.strs[:0]
	if n <= subBatch {
		s.run(n)
		return
	}
	// sub-batches keep the vectors a formula touches in L1 cache
	full := s.bufs
	for lo := 0; lo < n; lo += subBatch {
		m := min(subBatch, n-lo)
		for i, b := range full {
			s.view[i] = b[lo : lo+m : lo+m]
		}
		s.bufs = s.view
		s.run(m)
	}
	s.bufs = full
}

// subBatch is the number of lanes evaluated together: 512 lanes are 4 KiB
// per vector, so that the few vectors of one formula and its operands stay
// in L1 cache (measured with BenchmarkRun: larger batches run slower per
// lane when not split).
var subBatch = 512

func (s *State) run(n int) {
	loops := s.p.loops
	for i := 0; i < len(s.p.steps); i++ {
		if len(loops) > 0 && loops[0].first == i {
			s.runLoop(&loops[0], n)
			i = loops[0].last
			loops = loops[1:]
			continue
		}
		s.runStep(i, n)
	}
}

func (s *State) runStep(i, n int) {
	st := &s.p.steps[i]
	out := st.expr.eval(s, n)
	dst := s.bufs[st.slot]
	if &out[0] != &dst[0] {
		copy(dst[:n], out[:n])
	}
}

// decode turns a lane value back into a Value.
func (s *State) decode(x float64) Value {
	if x == x {
		return Value{Kind: KindNumber, Num: x}
	}
	tag, data := unbox(x)
	switch tag {
	case tagError:
		return Value{Kind: KindError, Err: ErrorCode(data)}
	case tagBool:
		return Value{Kind: KindBool, Num: float64(data)}
	case tagStr:
		if data&constStrBit != 0 {
			return Value{Kind: KindString, Str: s.p.strs[data&^constStrBit]}
		}
		if int(data) < len(s.strs) {
			return Value{Kind: KindString, Str: s.strs[data]}
		}
		return Value{Kind: KindError, Err: ErrValue}
	case tagBlank:
		return Blank
	}
	return Value{Kind: KindError, Err: ErrNum}
}

const constStrBit = 1 << 31

// encode turns a scalar result into a lane value.
func (s *State) encode(v Value) float64 {
	switch v.Kind {
	case KindNumber:
		if math.IsNaN(v.Num) || math.IsInf(v.Num, 0) {
			return ErrorValue(ErrNum)
		}
		return v.Num
	case KindBool:
		if v.Num != 0 {
			return laneTrue
		}
		return laneFalse
	case KindError:
		return ErrorValue(v.Err)
	case KindString:
		s.strs = append(s.strs, v.Str)
		return box(tagStr, uint64(len(s.strs)-1))
	case KindBlank:
		return 0
	}
	return ErrorValue(ErrValue)
}
