package engine

import (
	"fmt"
	"math"

	"github.com/simgraph/simgraph/engine/stats"
)

// DefaultTailLevels are the confidence levels of Output.Tails when
// Options.TailLevels is empty.
var DefaultTailLevels = []float64{0.95, 0.99}

// Target is the probability of an output falling below, or above, a
// target value, among the iterations whose output is a number. Below +
// Above is 1 minus the probability of exactly Value.
type Target struct {
	Value float64
	Below float64 // P(output < Value)
	Above float64 // P(output > Value)
}

// Tail holds an output's value at risk and conditional value at risk
// (expected shortfall) at a confidence level α, for both tails.
//
// Sign convention: outputs are values, a low outcome being the bad one
// (NPV, profit). VaR is the output's (1−α) percentile (PERCENTILE.INC, as
// Output.Percentiles): the output falls below it with probability 1−α. It
// is reported as a level of the output, not as a loss from a reference:
// for a loss relative to the mean, take Summary.Mean − VaR. CVaR is the
// mean of the outcomes at or below VaR. For outputs where high is bad
// (costs, durations), UpperVaR is the α percentile and UpperCVaR the mean
// of the outcomes at or above it.
//
// Both are exact, the same whether the samples are kept or the summary is
// streamed: the percentiles come from the exact order statistics and the
// means from a pass summing the values beyond them, in chunk order.
type Tail struct {
	Level     float64
	VaR       float64
	CVaR      float64
	UpperVaR  float64
	UpperCVaR float64
}

// tailLevels are the requested tail levels, or the defaults.
func (r *run) tailLevels() []float64 {
	if len(r.o.TailLevels) > 0 {
		return r.o.TailLevels
	}
	return DefaultTailLevels
}

// lowerFraction is 1 − a rounded to 12 decimals, so that VaR at 0.95 is
// the 5th percentile to the bit (1 − 0.95 is 0.04999999999999993 in
// floating point, 5/100 is 0.05).
func lowerFraction(a float64) float64 { return math.Round((1-a)*1e12) / 1e12 }

// targets are output j's target values: those of every output, then its
// own.
func (r *run) targets(j int) []float64 {
	return append(append([]float64(nil), r.o.Targets...), r.o.OutputTargets[j]...)
}

// tailRanks are the order statistics the tails read, for n numbers.
func (r *run) tailRanks(n int) []int64 {
	var ranks []int64
	for _, a := range r.tailLevels() {
		for _, p := range []float64{lowerFraction(a), a} {
			for _, k := range stats.PercentileIncRanks(n, p) {
				ranks = append(ranks, int64(k))
			}
		}
	}
	return ranks
}

// tailSums is what the tails and targets of one output sum over its
// values: those at or below each level's lower threshold, at or above its
// upper one, and the counts strictly below and above each target.
type tailSums struct {
	lows, highs, targets []float64 // thresholds and targets
	lowSum, highSum      []float64
	lowN, highN          []int64
	below, above         []int64
}

// newTailSums prepares the sums of output j once its order statistics at
// are known (n numbers).
func (r *run) newTailSums(j, n int, at func(rank int) float64) *tailSums {
	levels := r.tailLevels()
	t := &tailSums{lows: make([]float64, len(levels)), highs: make([]float64, len(levels)), targets: r.targets(j)}
	for i, a := range levels {
		t.lows[i], _ = stats.PercentileIncAt(n, lowerFraction(a), at)
		t.highs[i], _ = stats.PercentileIncAt(n, a, at)
	}
	t.alloc()
	return t
}

func (t *tailSums) alloc() {
	t.lowSum, t.highSum = make([]float64, len(t.lows)), make([]float64, len(t.lows))
	t.lowN, t.highN = make([]int64, len(t.lows)), make([]int64, len(t.lows))
	t.below, t.above = make([]int64, len(t.targets)), make([]int64, len(t.targets))
}

// part is an empty record of the same thresholds, for a chunk.
func (t *tailSums) part() *tailSums {
	p := &tailSums{lows: t.lows, highs: t.highs, targets: t.targets}
	p.alloc()
	return p
}

func (t *tailSums) reset() {
	clear(t.lowSum)
	clear(t.highSum)
	clear(t.lowN)
	clear(t.highN)
	clear(t.below)
	clear(t.above)
}

// add adds a chunk's values (NaN-encoded errors are skipped). Summing a
// chunk into an empty part and merging the parts in chunk order gives the
// same bits whichever path summarises.
func (t *tailSums) add(values []float64) {
	for _, v := range values {
		if !finite(v) {
			continue
		}
		for i := range t.lows {
			if v <= t.lows[i] {
				t.lowSum[i] += v
				t.lowN[i]++
			}
			if v >= t.highs[i] {
				t.highSum[i] += v
				t.highN[i]++
			}
		}
		for i, x := range t.targets {
			if v < x {
				t.below[i]++
			} else if v > x {
				t.above[i]++
			}
		}
	}
}

func (t *tailSums) merge(p *tailSums) {
	for i := range t.lows {
		t.lowSum[i] += p.lowSum[i]
		t.highSum[i] += p.highSum[i]
		t.lowN[i] += p.lowN[i]
		t.highN[i] += p.highN[i]
	}
	for i := range t.targets {
		t.below[i] += p.below[i]
		t.above[i] += p.above[i]
	}
}

// addChunked adds values in iteration order, chunk by chunk, as the
// streamed summary does.
func (t *tailSums) addChunked(values []float64) {
	p := t.part()
	for base := 0; base < len(values); base += ChunkSize {
		p.reset()
		p.add(values[base:min(base+ChunkSize, len(values))])
		t.merge(p)
	}
}

// results are the tails and targets of n numbers.
func (t *tailSums) results(levels []float64, n int) ([]Tail, []Target) {
	tails := make([]Tail, len(levels))
	for i, a := range levels {
		tails[i] = Tail{Level: a, VaR: t.lows[i], CVaR: t.lowSum[i] / float64(t.lowN[i]),
			UpperVaR: t.highs[i], UpperCVaR: t.highSum[i] / float64(t.highN[i])}
	}
	targets := make([]Target, len(t.targets))
	for i, x := range t.targets {
		targets[i] = Target{Value: x, Below: float64(t.below[i]) / float64(n), Above: float64(t.above[i]) / float64(n)}
	}
	return tails, targets
}

// setTails sets output out's tails and targets from t; an output with no
// numbers gets NaN tails and probabilities.
func (r *run) setTails(out *Output, j int, t *tailSums, n int) {
	if t == nil {
		levels := r.tailLevels()
		for _, a := range levels {
			out.Tails = append(out.Tails, Tail{Level: a, VaR: math.NaN(), CVaR: math.NaN(), UpperVaR: math.NaN(), UpperCVaR: math.NaN()})
		}
		for _, x := range r.targets(j) {
			out.Targets = append(out.Targets, Target{Value: x, Below: math.NaN(), Above: math.NaN()})
		}
		return
	}
	out.Tails, out.Targets = t.results(r.tailLevels(), n)
}

// validateTails checks the tail levels and targets of o for a model of
// nOut outputs.
func validateTails(o Options, nOut int) error {
	for _, a := range o.TailLevels {
		if !(a > 0 && a < 1) {
			return fmt.Errorf("engine: tail level %g is outside (0, 1)", a)
		}
	}
	check := func(xs []float64) error {
		for _, x := range xs {
			if !finite(x) {
				return fmt.Errorf("engine: target %g is not a finite number", x)
			}
		}
		return nil
	}
	if err := check(o.Targets); err != nil {
		return err
	}
	for j, xs := range o.OutputTargets {
		if j < 0 || j >= nOut {
			return fmt.Errorf("engine: target for output %d, of %d outputs", j, nOut)
		}
		if err := check(xs); err != nil {
			return err
		}
	}
	return nil
}
