package engine

import (
	"context"
	"math"
	"slices"

	"github.com/simgraph/simgraph/engine/stats"
)

// summarize computes output j's results from its values held in memory:
// percentiles and histogram from the sorted numbers, the
// sensitivity from their exact ranks.
func (r *run) summarize(ctx context.Context, sc *scratch, j int) (Output, error) {
	values := r.outputs[j]
	out := r.outputHead(j)
	sorted := sc.x[:0] // free until the sensitivity pass
	for _, v := range values {
		if finite(v) {
			sorted = append(sorted, v)
		}
	}
	slices.Sort(sorted)
	if n := len(sorted); n > 0 {
		at := func(rank int) float64 { return sorted[rank] }
		out.Percentiles = r.percentiles(n, at)
		k, rule := r.histogramShape(n, at)
		out.Histogram = stats.EmptyBins(sorted[0], sorted[n-1], k)
		for _, x := range sorted {
			out.Histogram[stats.BinIndex(out.Histogram, x)].Count++
		}
		out.HistogramMethod = rule
		t := r.newTailSums(j, n, at)
		t.addChunked(values)
		r.setTails(&out, j, t, n)
	} else {
		r.setTails(&out, j, nil, 0)
	}
	clean := len(sorted)
	if len(r.m.Inputs) > 0 && clean > 1 {
		sens, err := r.sensitivity(ctx, sc, values, clean)
		if err != nil {
			return Output{}, err
		}
		out.Sensitivity = r.withRegression(j, &out, sens)
	}
	if r.o.KeepSamples {
		out.Samples = values
	}
	return out, nil
}

// outputHead is what both summaries take from the first pass: the
// moments and the errors.
func (r *run) outputHead(j int) Output {
	return Output{Cell: r.m.Outputs[j], Summary: r.total.acc[j].Summary(), Errors: r.total.errorCounts(j),
		RSquared: math.NaN(), Unexplained: math.NaN()}
}

// withRegression adds output j's standardised regression, from the run's
// co-moments, to its sensitivity.
func (r *run) withRegression(j int, out *Output, sens []Sensitivity) []Sensitivity {
	reg := stats.Regress(r.total.reg[j])
	shares, unexplained := stats.VarianceShares(reg)
	for i := range sens {
		sens[i].StandardizedRegression = reg.Coefficients[i]
		sens[i].VarianceShare = shares[i]
	}
	out.RSquared, out.Unexplained = reg.RSquared, unexplained
	return sens
}

// percentileFractions are the requested percentiles as fractions.
func (r *run) percentileFractions() (percents, fractions []float64) {
	percents = r.o.Percentiles
	if len(percents) == 0 {
		percents = DefaultPercentiles
	}
	fractions = make([]float64, len(percents))
	for i, p := range percents {
		fractions[i] = p / 100
	}
	return percents, fractions
}

// percentiles computes the requested percentiles (PERCENTILE.INC) of n
// sorted numbers known through at.
func (r *run) percentiles(n int, at func(rank int) float64) []Percentile {
	percents, fractions := r.percentileFractions()
	out := make([]Percentile, len(percents))
	for i, p := range fractions {
		v, _ := stats.PercentileIncAt(n, p, at)
		out[i] = Percentile{P: percents[i], Value: v}
	}
	return out
}

// histogramShape is the histogram's bin count and rule for n sorted
// numbers known through at.
func (r *run) histogramShape(n int, at func(rank int) float64) (int, string) {
	q1, _ := stats.PercentileIncAt(n, 0.25, at)
	q3, _ := stats.PercentileIncAt(n, 0.75, at)
	return stats.HistogramShape(int64(n), at(0), at(n-1), q1, q3, r.o.Histogram)
}

// orderStatisticRanks are the ranks percentiles and histogramShape read.
func (r *run) orderStatisticRanks(n int) []int64 {
	_, fractions := r.percentileFractions()
	var ranks []int64
	for _, p := range append(fractions, 0, 0.25, 0.75, 1) {
		for _, k := range stats.PercentileIncRanks(n, p) {
			ranks = append(ranks, int64(k))
		}
	}
	return append(ranks, r.tailRanks(n)...)
}
