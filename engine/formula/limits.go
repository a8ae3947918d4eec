package formula

// Evaluation limits. A formula is data from an uploaded workbook: a
// recursive LAMBDA doubling its calls, MAKEARRAY inside MAKEARRAY or the
// product of a long column and a long row must end with an Excel error in
// bounded time and memory, never hang a worker or exhaust its memory.
// Nesting is bounded by maxEvalDepth and maxLambdaDepth, every array a
// function builds by maxArrayCells, and the work of one evaluation of a
// formula (one cell, in one lane) by maxEvalSteps: every node evaluated
// and every array cell built or read spends a step. Past any of them the
// result is #NUM!, as Excel's for a LAMBDA recursing too deep.

// maxEvalSteps is the work one evaluation of a formula may do: under a
// second of the scalar evaluator (tens of nanoseconds a step) and far
// above the formulas of the workbooks we know (a MAP over a 100,000-row
// column with a ten-node body spends about a million steps, a
// SUMPRODUCT of three comparisons over 1,000,000 rows about eight).
const maxEvalSteps = 1 << 24

// spend charges n steps to the evaluation and reports whether the budget
// still holds. Once it is exhausted every later evaluation fails at once,
// so loops over arrays end quickly too.
func (ev *evaluator) spend(n int) bool {
	ev.steps += n
	return ev.steps <= maxEvalSteps
}

// arrayCells checks the extent of an array about to be built: more than
// maxArrayCells cells, or past the evaluation's budget, is #NUM!.
func (ev *evaluator) arrayCells(rows, cols int) ErrorCode {
	if rows < 0 || cols < 0 {
		return ErrValue
	}
	if rows > maxArrayCells || cols > maxArrayCells || rows*cols > maxArrayCells || !ev.spend(rows*cols) {
		return ErrNum
	}
	return 0
}
