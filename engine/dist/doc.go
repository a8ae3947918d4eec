// Package dist holds the probability distributions that a simgraph user can
// attach to an uncertain input cell.
//
// A distribution is built from a [Spec], the same shape as the GraphQL
// DistributionInput, by [New]. New validates every parameter and returns a
// *[ParamError] that names the input and says what is wrong, for example
//
//	input "Price" (Inputs!B2): triangular requires min <= mode <= max (got min=5, mode=3, max=4)
//
// The engine draws every value by inversion: it asks the sample package for a
// uniform u in (0, 1) and evaluates [Distribution.Quantile](u). Inversion is
// what lets Latin Hypercube sampling and Iman-Conover rank correlation work
// the same way for every distribution, and it makes a draw a pure function of
// its uniform, so results do not depend on how iterations are split between
// workers. Nothing in this package holds or draws from a random source.
//
// Where gonum's stat/distuv has the distribution, its CDF, density and
// quantile are used; the normal, lognormal, uniform, triangular, Weibull and
// exponential quantiles are closed forms (the normal one is Wichura's AS241,
// measured in the tests against 50-digit references at a relative error
// below 1e-15); so are the logistic, extreme-value, log-logistic and Pareto
// ones. Student's t inverts gonum's incomplete beta function, corrected
// near the median and polished in the tails of many degrees of freedom.
// Poisson, binomial and negative binomial invert a precomputed CDF table;
// discrete, discrete-uniform, integer-uniform, cumulative, histogram and
// general distributions invert their own piecewise tables. TRIGEN is a
// triangular distribution whose bounds are solved, once, from the given
// percentiles.
//
// Truncation (Spec.TruncateMin, Spec.TruncateMax) applies to every type: the
// truncated quantile is Quantile(F(a⁻) + u·(F(b) − F(a⁻))), so a truncated
// input costs one more multiply-add per draw and never rejects.
//
// [Points] samples a density (or probability mass) curve for previews.
package dist
