// Package engine is simgraph's Monte Carlo engine: it compiles a workbook's
// formula graph once (engine/formula), draws inputs from their
// distributions (engine/dist) with Monte Carlo or Latin Hypercube sampling
// and Iman-Conover rank correlation (engine/sample), evaluates the program
// over batches of iterations on every core, and summarises each output
// (engine/stats): moments, percentiles, histogram and sensitivity.
//
// It knows nothing of HTTP, databases or tenants. A seed gives
// bit-identical results whatever the number of workers: random streams
// belong to fixed-size chunks of iterations, not to workers.
package engine
