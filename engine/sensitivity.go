package engine

import (
	"context"

	"github.com/simgraph/simgraph/engine/stats"
)

// scratch holds the buffers of the summarising pass, allocated once per
// run at the length of the iterations and reused for every output and
// every input, so that summarising a million iterations does not churn
// hundreds of megabytes through the garbage collector.
type scratch struct {
	y, ry, x, rx []float64
	ranker       stats.Ranker
}

// newScratch allocates the buffers for n iterations: only the one that
// sorts outputs when there is no sensitivity to compute.
func newScratch(n int, sensitivity bool) *scratch {
	sc := &scratch{x: make([]float64, 0, n)}
	if sensitivity {
		sc.y, sc.ry, sc.rx = make([]float64, 0, n), make([]float64, n), make([]float64, n)
	}
	return sc
}

// sensitivity computes what stats.Sensitivity computes for the output
// values (iteration order, errors included) against every input, the
// inputs' values drawn again from the plan (the very values the run used)
// for the iterations whose output is a number, one input at a time. The
// output is ranked once; the arithmetic is stats.Sensitivity's, which
// TestSimulateSensitivityRegeneratesInputs checks bit for bit.
func (r *run) sensitivity(ctx context.Context, sc *scratch, values []float64, clean int) ([]Sensitivity, error) {
	y := values
	if clean < len(values) {
		y = sc.y[:0]
		for _, v := range values {
			if finite(v) {
				y = append(y, v)
			}
		}
	}
	ry := sc.ry[:len(y)]
	stats.AverageRanks(y, sc.ranker.Argsort(y), ry)
	u := make([]float64, ChunkSize)
	sens := make([]stats.InputSensitivity, len(r.m.Inputs))
	for i, in := range r.m.Inputs {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		x := sc.x[:0]
		allFinite := true
		for base := 0; base < len(values); base += ChunkSize {
			lanes := min(ChunkSize, len(values)-base)
			r.plan.FillRange(i, base, u[:lanes])
			for k, p := range u[:lanes] {
				if finite(values[base+k]) {
					v := in.Dist.Quantile(p)
					allFinite = allFinite && finite(v)
					x = append(x, v)
				}
			}
		}
		var s stats.InputSensitivity
		if allFinite {
			order := sc.ranker.Argsort(x)
			rx := sc.rx[:len(x)]
			stats.AverageRanks(x, order, rx)
			s.RankCorrelation = stats.Pearson(rx, ry)
			for d := range stats.Groups {
				lo, hi := d*len(order)/stats.Groups, (d+1)*len(order)/stats.Groups
				var sum float64
				for _, k := range order[lo:hi] {
					sum += y[k]
				}
				s.GroupMeans[d] = sum / float64(hi-lo)
			}
		} else {
			// A distribution gave an infinite value: stats drops those
			// iterations for this input. Never seen with the dist
			// package's quantiles on (0, 1); kept for safety.
			ss, _ := stats.Sensitivity([][]float64{x}, y)
			s = ss[0]
		}
		sens[i] = s
	}
	return withInputs(sens), nil
}

// withInputs numbers each input's sensitivity and fills in the
// contributions to variance.
func withInputs(sens []stats.InputSensitivity) []Sensitivity {
	stats.ContributionsToVariance(sens)
	out := make([]Sensitivity, len(sens))
	for i, s := range sens {
		out[i] = Sensitivity{Input: i, InputSensitivity: s}
	}
	return out
}
