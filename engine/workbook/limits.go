package workbook

import (
	"errors"
	"fmt"
)

// ErrInvalidWorkbook is matched (errors.Is) by every error caused by a file
// that is not a readable .xlsx workbook.
var ErrInvalidWorkbook = errors.New("invalid workbook")

// ErrLimitExceeded is matched (errors.Is) by every error caused by a
// workbook that is larger or deeper than the Limits allow.
var ErrLimitExceeded = errors.New("workbook limit exceeded")

// Limits bound the resources an import may use. A zero field means "use the
// default"; a negative one means "no limit".
type Limits struct {
	// MaxFileSize bounds the compressed file.
	MaxFileSize int64
	// MaxUncompressed bounds the sum of the declared uncompressed sizes of all
	// zip entries (zip bombs declare or produce huge sizes).
	MaxUncompressed int64
	// MaxRatio bounds uncompressed/compressed per entry, for entries larger
	// than ratioFloor (tiny entries legitimately compress very well).
	MaxRatio int64
	// MaxEntries bounds the number of zip entries.
	MaxEntries int64
	// MaxSheets bounds the number of worksheets.
	MaxSheets int64
	// MaxCells bounds the number of cells (values and formulas) in all sheets.
	MaxCells int64
	// MaxFormulaLen bounds the length of one formula; Excel's own limit is
	// 8,192 characters.
	MaxFormulaLen int64
	// MaxDepth bounds formula nesting (parentheses and function calls); it is
	// enforced by the formula parser. Excel allows 64 nested functions.
	MaxDepth int64
}

// ratioFloor: entries below this uncompressed size are exempt from the
// ratio check; a 1 MiB bomb is harmless and small XML parts compress 100x.
const ratioFloor = 1 << 20

// DefaultLimits suits interactive uploads: generous for real financial
// models (hundreds of thousands of cells), far below what would exhaust a
// worker.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:     100 << 20,
		MaxUncompressed: 1 << 30,
		MaxRatio:        200,
		MaxEntries:      10_000,
		MaxSheets:       1_000,
		MaxCells:        5_000_000,
		MaxFormulaLen:   8_192,
		MaxDepth:        128,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v, def int64) int64 {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 1<<63 - 1
		}
		return v
	}
	l.MaxFileSize = pick(l.MaxFileSize, d.MaxFileSize)
	l.MaxUncompressed = pick(l.MaxUncompressed, d.MaxUncompressed)
	l.MaxRatio = pick(l.MaxRatio, d.MaxRatio)
	l.MaxEntries = pick(l.MaxEntries, d.MaxEntries)
	l.MaxSheets = pick(l.MaxSheets, d.MaxSheets)
	l.MaxCells = pick(l.MaxCells, d.MaxCells)
	l.MaxFormulaLen = pick(l.MaxFormulaLen, d.MaxFormulaLen)
	l.MaxDepth = pick(l.MaxDepth, d.MaxDepth)
	return l
}

// LimitError reports which limit a workbook exceeded.
type LimitError struct {
	Limit string // the Limits field name
	Max   int64
	Got   int64  // the value seen (at least Max+1 when counted incrementally)
	Where string // optional: part or cell
}

func (e *LimitError) Error() string {
	s := fmt.Sprintf("workbook limit exceeded: %s is %d, limit %d", e.Limit, e.Got, e.Max)
	if e.Where != "" {
		s += " (" + e.Where + ")"
	}
	return s
}

// Is makes errors.Is(err, ErrLimitExceeded) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimitExceeded }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidWorkbook}, args...)...)
}
