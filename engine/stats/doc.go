// Package stats summarises the values a simulation produced for one output:
// moments ([Accumulator], [Summary]), Excel-compatible percentiles
// ([PercentileInc], [PercentileExc]), histograms ([Histogram]) and
// sensitivity to each input ([Sensitivity]: Spearman rank correlation for a
// tornado chart, contribution to variance, output mean per input decile for
// a spider chart).
//
// Definitions follow Excel, because the numbers are shown next to a
// spreadsheet: the variance and standard deviation are the sample ones
// (VAR.S, STDEV.S, divisor n−1), the skewness is SKEW (the adjusted
// Fisher–Pearson coefficient n/((n−1)(n−2))·Σ((x−x̄)/s)³) and the kurtosis
// is KURT (excess kurtosis, n(n+1)/((n−1)(n−2)(n−3))·Σ((x−x̄)/s)⁴ −
// 3(n−1)²/((n−2)(n−3))). The 95% confidence interval of the mean uses
// Student's t with n−1 degrees of freedom, like CONFIDENCE.T.
//
// Values that are NaN or infinite (iterations where the model produced an
// error) are skipped everywhere and counted; classifying the errors is the
// caller's business.
//
// Moments stream: workers feed an [Accumulator] per chunk and the engine
// merges them in chunk order, which makes the result bit-identical whatever
// the number of workers (floating-point merging is not associative, so the
// order is part of the contract). The same accumulator gives the running
// mean and standard error shown while the simulation progresses.
//
// A sample too large to keep is summarised in passes over it, each pass
// split among goroutines: [Selection] finds exact order statistics (so
// percentiles and [HistogramShape] need no sorted copy: see
// [PercentileIncAt], [PercentileIncRanks], [EmptyBins] and [BinIndex]),
// and [RankScale] with [RankSums] estimates the sensitivity from binned
// ranks. Their memory depends on the bin counts, not on the sample.
package stats
