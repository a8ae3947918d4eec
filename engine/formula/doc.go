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
// State holds one []float64 of batch length per varying cell, so each
// formula costs a tight loop over floats per batch rather than an
// interpreter step per iteration. Values that are not numbers (errors,
// text, logicals) travel inside the float64s as NaN payloads (ErrorKind
// decodes errors); arithmetic only leaves its fast path when a result is not
// finite. Lookups, NPV, IRR and other range functions run lane by lane with
// the same scalar evaluator that folds the constants, so the batch and the
// deterministic evaluation cannot disagree. Run allocates nothing in steady
// state.
//
// EvaluateWorkbook evaluates every formula once, without inputs, and pairs
// each result with the value the spreadsheet application cached: the
// conformance oracle of the test suite.
//
// Known limits: OFFSET and INDIRECT targets are not part of the static
// dependency graph (a varying cell reached only through them is read as it
// was in the batch being computed); dynamic-array spilling is not modelled
// (legacy implicit intersection applies, array formulas are supported);
// TODAY/NOW are not implemented.
package formula
