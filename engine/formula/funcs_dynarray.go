package formula

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Dynamic-array functions. Their results are arrays that spill from a
// cell (spillrange.go) or feed other functions; they evaluate their
// arguments as arrays wherever they appear, so FILTER(A1:A9,B1:B9>0)
// compares every row in a formula that does not spill too. Whole columns
// and rows in their arguments stop at the sheet's used extent (A:A>0
// included), so FILTER(A:A,A:A>0) reads the used rows, not a million: the
// blank cells past them, which Excel would include where a condition holds
// for blanks, are left out.

// maxArrayCells bounds the arrays these functions build (a Value is about
// 100 bytes: a megabyte of cells is a tenth of a gigabyte).
const maxArrayCells = 1 << 20

// dynArgs marks a function whose arguments are arrays, whole columns
// bounded.
func dynArgs(s *fnSpec) {
	s.arrayArgs, s.clipWhole = true, true
}

func init() {
	regLazy("ANCHORARRAY", 1, 1, anchorArray)
	reg("SEQUENCE", 1, 4, fnSequence)
	reg("RANDARRAY", 0, 5, fnRandArray).volatile = true
	dynArgs(reg("FILTER", 2, 3, fnFilter))
	dynArgs(reg("SORT", 1, 4, fnSort))
	dynArgs(reg("SORTBY", 2, 255, fnSortBy))
	dynArgs(reg("UNIQUE", 1, 3, fnUnique))
	dynArgs(reg("TAKE", 2, 3, func(ev *evaluator, a []Value) Value { return takeDrop(ev, a, true) }))
	dynArgs(reg("DROP", 2, 3, func(ev *evaluator, a []Value) Value { return takeDrop(ev, a, false) }))
	dynArgs(reg("VSTACK", 1, 255, func(ev *evaluator, a []Value) Value { return stack(ev, a, true) }))
	dynArgs(reg("HSTACK", 1, 255, func(ev *evaluator, a []Value) Value { return stack(ev, a, false) }))
	dynArgs(reg("TOCOL", 1, 3, func(ev *evaluator, a []Value) Value { return toVector(ev, a, true) }))
	dynArgs(reg("TOROW", 1, 3, func(ev *evaluator, a []Value) Value { return toVector(ev, a, false) }))
	dynArgs(reg("CHOOSECOLS", 2, 255, func(ev *evaluator, a []Value) Value { return choose(ev, a, false) }))
	dynArgs(reg("CHOOSEROWS", 2, 255, func(ev *evaluator, a []Value) Value { return choose(ev, a, true) }))
}

// arrayOf reads an argument as an array: a range whole (whole columns or
// rows bounded by the sheet's used extent), an array as it is, a scalar as
// one element. A scalar error is returned as the error.
func (ev *evaluator) arrayOf(v Value) (*ArrayValue, ErrorCode) {
	switch v.Kind {
	case KindRef:
		if len(v.Areas) > 0 || v.Ref.Sheet != v.Ref.Sheet2 {
			return nil, ErrValue
		}
		saved := ev.clipWhole
		ev.clipWhole = true
		r := ev.refToArray(v.Ref)
		ev.clipWhole = saved
		if r.Kind == KindError {
			return nil, r.Err
		}
		return r.Arr, 0
	case KindArray:
		return v.Arr, 0
	case KindError:
		return nil, v.Err
	}
	return &ArrayValue{Rows: 1, Cols: 1, V: []Value{v}}, 0
}

func arrayResult(rows, cols int, v []Value) Value {
	if rows == 1 && cols == 1 {
		return v[0]
	}
	return Value{Kind: KindArray, Arr: &ArrayValue{Rows: rows, Cols: cols, V: v}}
}

// intArg is an optional whole-number argument (truncated, as Excel does).
func (ev *evaluator) intArg(a []Value, i int, def float64) (int, ErrorCode) {
	f, e := ev.optNum(a, i, def)
	if e != 0 {
		return 0, e
	}
	if math.Abs(f) > maxArrayCells {
		return 0, ErrValue
	}
	return int(math.Trunc(f)), 0
}

func (ev *evaluator) optBool(a []Value, i int) (bool, ErrorCode) {
	if i >= len(a) || a[i].Kind == KindBlank {
		return false, 0
	}
	return ev.boolean(a[i])
}

// SEQUENCE(rows, [columns], [start], [step])
func fnSequence(ev *evaluator, a []Value) Value {
	rows, e := ev.intArg(a, 0, 1)
	if e != 0 {
		return errv(e)
	}
	cols, e := ev.intArg(a, 1, 1)
	if e != 0 {
		return errv(e)
	}
	start, e := ev.optNum(a, 2, 1)
	if e != 0 {
		return errv(e)
	}
	step, e := ev.optNum(a, 3, 1)
	if e != 0 {
		return errv(e)
	}
	if e := ev.arrayDims(rows, cols); e != 0 {
		return errv(e)
	}
	v := make([]Value, rows*cols)
	for i := range v {
		v[i] = num(start + float64(i)*step)
	}
	return arrayResult(rows, cols, v)
}

// arrayDims checks the extent of a built array: none is #CALC!, negative
// #VALUE!, more than maxArrayCells or past the evaluation's budget #NUM!.
func (ev *evaluator) arrayDims(rows, cols int) ErrorCode {
	if rows == 0 && cols >= 0 || cols == 0 && rows >= 0 {
		return ErrCalc
	}
	return ev.arrayCells(rows, cols)
}

// RANDARRAY([rows], [columns], [min], [max], [whole_number]) draws from the
// same random source as RAND, element by element in row-major order.
func fnRandArray(ev *evaluator, a []Value) Value {
	rows, e := ev.intArg(a, 0, 1)
	if e != 0 {
		return errv(e)
	}
	cols, e := ev.intArg(a, 1, 1)
	if e != 0 {
		return errv(e)
	}
	lo, e := ev.optNum(a, 2, 0)
	if e != 0 {
		return errv(e)
	}
	hi, e := ev.optNum(a, 3, 1)
	if e != 0 {
		return errv(e)
	}
	whole, e := ev.optBool(a, 4)
	if e != 0 {
		return errv(e)
	}
	if e := ev.arrayDims(rows, cols); e != 0 {
		return errv(e)
	}
	if lo > hi {
		return errv(ErrValue)
	}
	if whole && (lo != math.Trunc(lo) || hi != math.Trunc(hi)) {
		return errv(ErrValue)
	}
	v := make([]Value, rows*cols)
	for i := range v {
		switch {
		case ev.rng == nil:
			// without a random source (static evaluation) the shape
			// is all that is known
			v[i] = errv(ErrNA)
		case whole:
			v[i] = num(lo + math.Floor(ev.rng.Float64()*(hi-lo+1)))
		default:
			v[i] = num(lo + ev.rng.Float64()*(hi-lo))
		}
	}
	return arrayResult(rows, cols, v)
}

// FILTER(array, include, [if_empty])
func fnFilter(ev *evaluator, a []Value) Value {
	arr, e := ev.arrayOf(a[0])
	if e != 0 {
		return errv(e)
	}
	inc, e := ev.arrayOf(a[1])
	if e != 0 {
		return errv(e)
	}
	byRow := inc.Cols == 1 && inc.Rows == arr.Rows
	if !byRow && !(inc.Rows == 1 && inc.Cols == arr.Cols) {
		return errv(ErrValue)
	}
	var keep []int
	for i, x := range inc.V {
		b, e := toBool(x)
		if e != 0 {
			return errv(e)
		}
		if b {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		if len(a) > 2 {
			v := a[2]
			if v.Kind == KindRef {
				v = ev.operand(v)
			}
			return v
		}
		return errv(ErrCalc)
	}
	if byRow {
		out := make([]Value, 0, len(keep)*arr.Cols)
		for _, r := range keep {
			out = append(out, arr.V[r*arr.Cols:(r+1)*arr.Cols]...)
		}
		return arrayResult(len(keep), arr.Cols, out)
	}
	out := make([]Value, 0, len(keep)*arr.Rows)
	for r := 0; r < arr.Rows; r++ {
		for _, c := range keep {
			out = append(out, arr.V[r*arr.Cols+c])
		}
	}
	return arrayResult(arr.Rows, len(keep), out)
}

// sortRank orders values as SORT does: numbers, text (ignoring case),
// logicals; blanks and then errors after them whatever the order.
func sortCompare(x, y Value, desc bool) int {
	rank := func(v Value) int {
		switch v.Kind {
		case KindBlank:
			return 1
		case KindError:
			return 2
		}
		return 0
	}
	if rx, ry := rank(x), rank(y); rx != 0 || ry != 0 {
		return rx - ry
	}
	c := compareValues(x, y)
	if desc {
		return -c
	}
	return c
}

// sortKey is one key of a sort: the key values per row (or column) of the
// sorted array and the order.
type sortKey struct {
	vals []Value
	desc bool
}

// sortLines returns the array with its rows (byCol false) or columns
// reordered by keys, stably.
func sortLines(arr *ArrayValue, byCol bool, keys []sortKey) Value {
	n := arr.Rows
	if byCol {
		n = arr.Cols
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		for _, k := range keys {
			if c := sortCompare(k.vals[i], k.vals[j], k.desc); c != 0 {
				return c
			}
		}
		return 0
	})
	out := make([]Value, 0, len(arr.V))
	if !byCol {
		for _, r := range order {
			out = append(out, arr.V[r*arr.Cols:(r+1)*arr.Cols]...)
		}
	} else {
		for r := 0; r < arr.Rows; r++ {
			for _, c := range order {
				out = append(out, arr.V[r*arr.Cols+c])
			}
		}
	}
	return arrayResult(arr.Rows, arr.Cols, out)
}

// line returns row i (byCol false) or column i of arr.
func line(arr *ArrayValue, i int, byCol bool) []Value {
	if !byCol {
		return arr.V[i*arr.Cols : (i+1)*arr.Cols]
	}
	out := make([]Value, arr.Rows)
	for r := range out {
		out[r] = arr.V[r*arr.Cols+i]
	}
	return out
}

// SORT(array, [sort_index], [sort_order], [by_col]); sort_index and
// sort_order may be arrays of several keys.
func fnSort(ev *evaluator, a []Value) Value {
	arr, e := ev.arrayOf(a[0])
	if e != 0 {
		return errv(e)
	}
	byCol, e := ev.optBool(a, 3)
	if e != 0 {
		return errv(e)
	}
	idx := []Value{NumberValue(1)}
	if len(a) > 1 && a[1].Kind != KindBlank {
		x, e := ev.arrayOf(a[1])
		if e != 0 {
			return errv(e)
		}
		idx = x.V
	}
	ord := []Value{NumberValue(1)}
	if len(a) > 2 && a[2].Kind != KindBlank {
		x, e := ev.arrayOf(a[2])
		if e != 0 {
			return errv(e)
		}
		ord = x.V
	}
	if len(ord) != 1 && len(ord) != len(idx) {
		return errv(ErrValue)
	}
	width := arr.Cols
	if byCol {
		width = arr.Rows
	}
	var keys []sortKey
	for i, x := range idx {
		k, e := toNumber(x)
		if e != 0 {
			return errv(e)
		}
		o, e := toNumber(ord[min(i, len(ord)-1)])
		if e != 0 {
			return errv(e)
		}
		ki := int(math.Trunc(k))
		if ki < 1 || ki > width || o != 1 && o != -1 {
			return errv(ErrValue)
		}
		n := arr.Rows
		if byCol {
			n = arr.Cols
		}
		vals := make([]Value, n)
		for j := range vals {
			if byCol {
				vals[j] = arr.V[(ki-1)*arr.Cols+j]
			} else {
				vals[j] = arr.V[j*arr.Cols+ki-1]
			}
		}
		keys = append(keys, sortKey{vals, o == -1})
	}
	return sortLines(arr, byCol, keys)
}

// SORTBY(array, by_array1, [sort_order1], ...): each by_array is one column
// as tall as array (sorting rows) or one row as wide (sorting columns).
func fnSortBy(ev *evaluator, a []Value) Value {
	arr, e := ev.arrayOf(a[0])
	if e != 0 {
		return errv(e)
	}
	var keys []sortKey
	byCol := false
	for i := 1; i < len(a); i += 2 {
		by, e := ev.arrayOf(a[i])
		if e != 0 {
			return errv(e)
		}
		col := by.Cols == 1 && by.Rows == arr.Rows
		row := by.Rows == 1 && by.Cols == arr.Cols
		if !col && !row {
			return errv(ErrValue)
		}
		if i == 1 {
			byCol = !col
		} else if col == byCol && !(col && row) {
			return errv(ErrValue) // keys of both orientations
		}
		o := 1.0
		if i+1 < len(a) && a[i+1].Kind != KindBlank {
			o, e = ev.num(a[i+1])
			if e != 0 {
				return errv(e)
			}
		}
		if o != 1 && o != -1 {
			return errv(ErrValue)
		}
		keys = append(keys, sortKey{by.V, o == -1})
	}
	return sortLines(arr, byCol, keys)
}

// uniqueKey writes v as UNIQUE tells values apart: text ignoring case,
// numbers and logicals by kind and value, errors by kind, blanks alike.
func uniqueKey(b *strings.Builder, v Value) {
	b.WriteByte(byte('0' + v.Kind))
	switch v.Kind {
	case KindString:
		s := strings.ToLower(v.Str)
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	case KindError:
		b.WriteString(strconv.Itoa(int(v.Err)))
	default:
		b.WriteString(strconv.FormatUint(math.Float64bits(v.Num+0), 16)) // +0: -0 is 0
	}
	b.WriteByte(';')
}

// UNIQUE(array, [by_col], [exactly_once])
func fnUnique(ev *evaluator, a []Value) Value {
	arr, e := ev.arrayOf(a[0])
	if e != 0 {
		return errv(e)
	}
	byCol, e := ev.optBool(a, 1)
	if e != 0 {
		return errv(e)
	}
	once, e := ev.optBool(a, 2)
	if e != 0 {
		return errv(e)
	}
	n := arr.Rows
	if byCol {
		n = arr.Cols
	}
	lines := make([][]Value, n)
	for i := range lines {
		lines[i] = line(arr, i, byCol)
	}
	// first occurrences in order, with their counts
	var firsts []int
	first := map[string]int{}
	count := map[int]int{}
	var b strings.Builder
	for i, l := range lines {
		b.Reset()
		for _, v := range l {
			uniqueKey(&b, v)
		}
		k := b.String()
		found, ok := first[k]
		if !ok {
			firsts = append(firsts, i)
			first[k], found = i, i
		}
		count[found]++
	}
	var keep []int
	for _, f := range firsts {
		if !once || count[f] == 1 {
			keep = append(keep, f)
		}
	}
	if len(keep) == 0 {
		return errv(ErrCalc)
	}
	return fromLines(lines, keep, byCol)
}

// fromLines builds an array of the chosen rows (or columns, byCol).
func fromLines(lines [][]Value, pick []int, byCol bool) Value {
	w := len(lines[pick[0]])
	out := make([]Value, 0, len(pick)*w)
	if !byCol {
		for _, i := range pick {
			out = append(out, lines[i]...)
		}
		return arrayResult(len(pick), w, out)
	}
	for r := 0; r < w; r++ {
		for _, i := range pick {
			out = append(out, lines[i][r])
		}
	}
	return arrayResult(w, len(pick), out)
}

// TAKE(array, rows, [columns]) and DROP(array, rows, [columns]): a positive
// count from the start, a negative one from the end; omitted is all.
func takeDrop(ev *evaluator, a []Value, take bool) Value {
	arr, e := ev.arrayOf(a[0])
	if e != 0 {
		return errv(e)
	}
	span := func(i, n int) (int, int, ErrorCode) {
		if i >= len(a) || a[i].Kind == KindBlank {
			return 0, n, 0
		}
		k, e := ev.intArg(a, i, 0)
		if e != 0 {
			return 0, 0, e
		}
		if !take {
			// DROP k is TAKE of the rest
			switch {
			case k >= 0:
				return min(k, n), n, 0
			default:
				return 0, max(n+k, 0), 0
			}
		}
		switch {
		case k == 0:
			return 0, 0, ErrCalc
		case k > 0:
			return 0, min(k, n), 0
		default:
			return max(n+k, 0), n, 0
		}
	}
	r1, r2, e := span(1, arr.Rows)
	if e != 0 {
		return errv(e)
	}
	c1, c2, e := span(2, arr.Cols)
	if e != 0 {
		return errv(e)
	}
	if r2 <= r1 || c2 <= c1 {
		return errv(ErrCalc)
	}
	out := make([]Value, 0, (r2-r1)*(c2-c1))
	for r := r1; r < r2; r++ {
		out = append(out, arr.V[r*arr.Cols+c1:r*arr.Cols+c2]...)
	}
	return arrayResult(r2-r1, c2-c1, out)
}

// VSTACK and HSTACK: arrays one after the other, the short ones padded
// with #N/A.
func stack(ev *evaluator, a []Value, vertical bool) Value {
	arrs := make([]*ArrayValue, len(a))
	rows, cols := 0, 0
	for i, v := range a {
		x, e := ev.arrayOf(v)
		if e != 0 {
			x = &ArrayValue{Rows: 1, Cols: 1, V: []Value{errv(e)}}
		}
		arrs[i] = x
		if vertical {
			rows, cols = rows+x.Rows, max(cols, x.Cols)
		} else {
			rows, cols = max(rows, x.Rows), cols+x.Cols
		}
	}
	if e := ev.arrayDims(rows, cols); e != 0 {
		return errv(e)
	}
	out := make([]Value, rows*cols)
	for i := range out {
		out[i] = errv(ErrNA)
	}
	r0, c0 := 0, 0
	for _, x := range arrs {
		for r := 0; r < x.Rows; r++ {
			copy(out[(r0+r)*cols+c0:], x.V[r*x.Cols:(r+1)*x.Cols])
		}
		if vertical {
			r0 += x.Rows
		} else {
			c0 += x.Cols
		}
	}
	return arrayResult(rows, cols, out)
}

// TOCOL(array, [ignore], [scan_by_column]) and TOROW: ignore 1 skips
// blanks, 2 errors, 3 both.
func toVector(ev *evaluator, a []Value, col bool) Value {
	arr, e := ev.arrayOf(a[0])
	if e != 0 {
		return errv(e)
	}
	ignore, e := ev.intArg(a, 1, 0)
	if e != 0 {
		return errv(e)
	}
	if ignore < 0 || ignore > 3 {
		return errv(ErrValue)
	}
	byCol, e := ev.optBool(a, 2)
	if e != 0 {
		return errv(e)
	}
	var out []Value
	add := func(v Value) {
		if ignore&1 != 0 && v.Kind == KindBlank || ignore&2 != 0 && v.Kind == KindError {
			return
		}
		out = append(out, v)
	}
	if byCol {
		for c := 0; c < arr.Cols; c++ {
			for r := 0; r < arr.Rows; r++ {
				add(arr.V[r*arr.Cols+c])
			}
		}
	} else {
		for _, v := range arr.V {
			add(v)
		}
	}
	if len(out) == 0 {
		return errv(ErrCalc)
	}
	if col {
		return arrayResult(len(out), 1, out)
	}
	return arrayResult(1, len(out), out)
}

// CHOOSEROWS(array, row_num1, ...) and CHOOSECOLS: negative numbers count
// from the end; each argument may be an array of numbers.
func choose(ev *evaluator, a []Value, rows bool) Value {
	arr, e := ev.arrayOf(a[0])
	if e != 0 {
		return errv(e)
	}
	n := arr.Cols
	if rows {
		n = arr.Rows
	}
	var pick []int
	for _, v := range a[1:] {
		x, e := ev.arrayOf(v)
		if e != 0 {
			return errv(e)
		}
		for _, y := range x.V {
			f, e := toNumber(y)
			if e != 0 {
				return errv(e)
			}
			k := int(math.Trunc(f))
			if k < 0 {
				k += n + 1
			}
			if k < 1 || k > n {
				return errv(ErrValue)
			}
			pick = append(pick, k-1)
		}
	}
	lines := make([][]Value, n)
	for i := range lines {
		lines[i] = line(arr, i, !rows)
	}
	return fromLines(lines, pick, !rows)
}
