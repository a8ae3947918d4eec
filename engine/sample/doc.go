// Package sample generates the uniform variates that drive a simulation:
// plain Monte Carlo or Latin Hypercube, optionally reordered by Iman-Conover
// to carry a rank correlation between inputs. The engine turns a uniform u
// into an input value with the input's dist.Distribution.Quantile(u).
//
// # Reproducibility
//
// A [Plan] fixes the number of iterations, the chunk size (iterations per
// chunk), the seed and the method. Every random number comes from a PCG
// stream seeded by SplitMix64-hashing (seed, purpose, input, chunk), so the
// uniforms of chunk c of input i are a pure function of the plan, i and c:
// they do not depend on which worker materialises the chunk, in what order,
// or in what batch sizes ([Plan.FillRange] accepts any range). Changing the
// chunk size changes the streams and therefore the results; the engine
// keeps it fixed per simulation.
//
// # Monte Carlo
//
// Lane k of chunk c is the k-th draw of stream (seed, i, c), mapped to the
// open interval (0, 1) as (⌊x/2¹¹⌋ + ½)·2⁻⁵³, so Quantile never sees 0 or 1.
//
// # Latin Hypercube
//
// [0, 1) is cut into N = Iterations strata [k/N, (k+1)/N). Input i gets a
// pseudo-random permutation perm of the N strata, and the iteration of
// global index g gets u = (perm(g) + j)/N with the jitter j drawn from
// stream (seed, i, c) of its chunk. Each stratum therefore holds exactly one
// draw per input.
//
// perm is not stored: it is a keyed bijection of [0, N) evaluated for each
// draw, a Feistel network on a rectangle of about √N × √N values just
// larger than N (six rounds of a SplitMix64 round function keyed by seed,
// input, round and half; twelve for N ≤ 128) with cycle walking to come
// back into [0, N). So the memory of a simulation does not grow with its
// number of iterations (a stored permutation took 4 bytes per iteration per
// input, 4 MB per input at a million iterations), and perm(g) is again a
// pure function of the plan, i and g: the results for a seed stay
// bit-identical whatever the batch sizes, the order of the batches or the
// number of workers. Evaluating the network costs six SplitMix64 hashes
// per draw, a few times the cost of the jitter draw itself, for any N up to
// [MaxIterations].
//
// # Iman-Conover
//
// With a Correlation (target Spearman rank correlations, the @RISK and
// Crystal Ball convention), [Plan.Prepare] generates once, for every
// correlated input, its N uncorrelated uniforms (sorted, 8 bytes per
// iteration) and the rank that each iteration should take (4 bytes per
// iteration) so that the ranks follow van der Waerden scores whose Pearson
// correlation is 2·sin(π·ρs/6), which gives Spearman correlation ρs for
// normal scores. Iteration g then receives the rank[g]-th smallest of the
// uncorrelated uniforms: the marginal sample is exactly the uncorrelated one,
// only reordered. Prepare also needs two N×k float64 matrices transiently.
// A target matrix that is not positive semi-definite is replaced by the
// nearest correlation matrix (Higham 2002, alternating projections) and
// Prepare returns a warning saying so.
//
// # Copulas
//
// Iman-Conover imposes a Gaussian copula. [Plan.Copulas] join other inputs
// by a Student t copula (tail dependence in both tails) or a bivariate
// Archimedean one: Clayton (lower tail), Gumbel (upper tail), Frank (none).
// A copula needs no per-iteration state: it is driven by its members'
// independent uniforms of the same iteration (Monte Carlo or LHS, as
// above). The t copula maps them to normals, correlates them by the
// Cholesky factor of its matrix, divides them by √(S/ν) with S = F⁻¹χ²ν(w)
// for one more uniform w per iteration from the stream (seed, copula,
// first member, chunk), and maps them back by the t CDF. An Archimedean
// copula keeps its first member's uniform u and gives the second the
// conditional inverse v = C⁻¹(w | u) of the second's own uniform w (closed
// forms for Clayton and Frank, Newton's method on a concave equation for
// Gumbel). Every iteration takes a fixed number of draws from each
// stream, so a copula's uniforms too are a pure function of the plan, the
// input and the iteration. With LHS the members' driving uniforms are
// stratified; the first member of an Archimedean copula keeps its strata,
// the others do not.
package sample
