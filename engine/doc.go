// Package engine is simgraph's Monte Carlo engine: it compiles a workbook's
// formula graph once (engine/formula), draws inputs from their
// distributions (engine/dist) with Monte Carlo or Latin Hypercube sampling
// and Iman-Conover rank correlation (engine/sample), evaluates the program
// over batches of iterations on every core, and summarises each output
// (engine/stats): moments, percentiles, histogram and sensitivity.
//
// It knows nothing of HTTP, databases or tenants. [Simulate] takes a
// [Model] (a workbook, its uncertain [Input] cells with their
// distributions, the output cells and optional rank correlations) and
// [Options], and returns a [Result] with one [Output] per output cell; see
// the package example.
//
// # Reproducibility
//
// A seed gives bit-identical results whatever the number of workers:
// iterations are cut into chunks of [ChunkSize], and every random number of
// a chunk (input draws, RAND()) comes from streams of (seed, input, chunk),
// not of the worker that happens to evaluate it. Outputs are stored by
// iteration and summarised in iteration order; running statistics and
// floating-point sums of the summarising passes are merged in chunk order; auto-stop ([AutoStop]) decides on prefixes of
// whole chunks, so an auto-stopped run keeps the same iterations whatever
// the workers did.
//
// # Errors
//
// An iteration whose output is an Excel error (#DIV/0!, #N/A, …) is counted
// in [Output].Errors by kind and left out of that output's statistics; it
// does not stop the run. Invalid models and options are errors from
// Simulate before anything runs; a panic in a worker becomes an error too.
//
// # Cancellation and progress
//
// Simulate returns context.Cause(ctx) when ctx is cancelled; each worker
// stops after the chunk it is evaluating. [Options].Progress is called, never
// concurrently, as the chunks complete in order.
//
// # Memory
//
// With [Options].KeepSamples a run keeps 8·N bytes per output for N
// iterations (the values it returns); beyond them nothing it holds grows
// with N past [Options].SummaryMemory. A run whose summary fits that bound
// is summarised exactly from its values in memory. A larger one streams:
// the moments are merged chunk by chunk; the outputs' values (kept, or
// written to an unlinked temporary file as the run goes) are read back in
// passes, input values drawn again from the plan, to find the exact order
// statistics that the percentiles and the histogram need (stats.Selection:
// the same results bit for bit) and the binned ranks that estimate the
// sensitivity (stats.RankScale). Latin Hypercube strata come from a keyed
// bijection, not a stored permutation; only Iman-Conover keeps
// per-iteration tables, because it reorders a whole sample. See [Simulate].
package engine
