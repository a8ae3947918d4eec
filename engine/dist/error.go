package dist

import "fmt"

// ParamError reports an invalid distribution parameter. Input is the name the
// user gave the input, Cell its cell reference (may be empty) and Reason a
// sentence about the parameters, in terms a spreadsheet user knows.
type ParamError struct {
	Input  string
	Cell   string
	Reason string
}

// Error returns, for example,
// `input "Price" (Inputs!B2): triangular requires min <= mode <= max (got min=5, mode=3, max=4)`.
func (e *ParamError) Error() string {
	if e.Cell != "" {
		return fmt.Sprintf("input %q (%s): %s", e.Input, e.Cell, e.Reason)
	}
	return fmt.Sprintf("input %q: %s", e.Input, e.Reason)
}
