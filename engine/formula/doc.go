// Package formula turns a workbook's formulas into a program that a Monte
// Carlo worker can run millions of times.
//
// Parse reads Excel formula text into an AST with Excel's precedence
// (unary minus binds tighter than ^, ^ is left-associative, % is postfix,
// then * /, + -, &, comparisons) and reference syntax (A1, $A$1, A:A, 1:1,
// Sheet!A1, 'My Sheet'!A1:B2, Sheet1:Sheet3!A1, defined names).
//
// Compile builds the dependency graph of the cells reachable from the
// requested outputs, rejects cycles (*CycleError) and unknown functions
// (*UnsupportedError, never evaluated as zero), and splits the cells in
// two: those that do not depend on any input or on RAND are evaluated once,
// as Excel would, and become constants; the others become vector code. A
// State holds []float64 vectors of batch length for the varying cells, so each
// formula costs a tight loop over floats per batch rather than an
// interpreter step per iteration. Values that are not numbers (errors,
// text, logicals) travel inside the float64s as NaN payloads (ErrorKind
// decodes errors). Arithmetic is flattened per formula into whole-vector
// kernels (gonum's assembly where it has one) writing straight into the
// cell's slot, with no per-lane test: the few lanes whose result is not a
// finite number are recomputed with Excel's rules afterwards, so the fast
// path and the rules agree bit for bit. That check is deferred for a cell
// read only as an operand of other cells' arithmetic through which a
// non-finite value stays non-finite (vcheck.go): the first checked cell
// downstream finds such lanes and repairs the chain. SUM, AVERAGE, MIN,
// MAX, STDEV and the other functions of their arguments' numbers, NPV, IRR, VLOOKUP and
// HLOOKUP in constant tables and the float functions (ROUND, MOD...) have
// kernels that read referenced ranges from vector slots resolved at compile
// time and call the scalar evaluator's own functions; so do COUNTIF,
// SUMIF, AVERAGEIF and their -S forms with constant criteria, SUMPRODUCT,
// MATCH and INDEX (vgrid.go), which hand the lanes their fast path does not
// cover (text or errors in varying cells, an index that selects no single
// cell...) to the scalar evaluator. Other expressions are evaluated lane
// by lane with the scalar evaluator. Slots are recycled once their last
// reader has run and a batch is processed in sub-batches of 512 lanes, so
// that the vectors in use stay in cache. Run allocates nothing in steady
// state.
//
// EvaluateWorkbook evaluates every formula once, without inputs, and pairs
// each result with the value the spreadsheet application cached: the
// conformance oracle of the test suite.
//
// Known limits: a formula calling OFFSET or INDIRECT makes Compile
// compile every formula of the workbook and run that formula, and those
// depending on it, after all others (a cycle or an unsupported function
// anywhere then fails the compilation, saying why); a target that itself
// depends on the formula reading it is read as it was before this batch.
// IF computes a branch only when some lane of the batch takes it.
// LET, LAMBDA and the LAMBDA helpers are evaluated lane by lane
// (lambda.go).
// Dynamic arrays spill over a range decided when the model is built, from
// the formula's static result and the array's bound, within which each
// iteration's array shows at its own size (spillrange.go, spillbound.go);
// legacy formulas keep
// implicit intersection. TODAY and NOW are refused on purpose: a model
// that reads the clock cannot be reproduced.
package formula
