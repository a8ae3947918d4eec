package formula

import (
	"math"
	"strings"

	"github.com/simgraph/simgraph/engine/workbook"
)

func init() {
	reg("VLOOKUP", 3, 4, func(ev *evaluator, a []Value) Value { return vhlookup(ev, a, true) })
	reg("HLOOKUP", 3, 4, func(ev *evaluator, a []Value) Value { return vhlookup(ev, a, false) })
	reg("MATCH", 2, 3, func(ev *evaluator, a []Value) Value {
		x := ev.scalar(a[0])
		if x.Kind == KindError {
			return x
		}
		mt, e := ev.optNum(a, 2, 1)
		if e != 0 {
			return errv(e)
		}
		g := ev.grid(a[1])
		if g.rows != 1 && g.cols != 1 {
			return errv(ErrNA)
		}
		n := g.rows * g.cols
		at := func(i int) Value {
			if g.cols == 1 {
				return g.at(i, 0)
			}
			return g.at(0, i)
		}
		var i int
		switch {
		case mt == 0:
			i = linearFind(x, n, at, true)
		case mt > 0:
			i = approxFind(x, n, at, false)
		default:
			i = approxFind(x, n, at, true)
		}
		if i < 0 {
			return errv(ErrNA)
		}
		return num(float64(i + 1))
	})
	reg("XMATCH", 2, 4, func(ev *evaluator, a []Value) Value {
		x := ev.scalar(a[0])
		if x.Kind == KindError {
			return x
		}
		g := ev.grid(a[1])
		if g.rows != 1 && g.cols != 1 {
			return errv(ErrValue)
		}
		mode, e := ev.optNum(a, 2, 0)
		if e != 0 {
			return errv(e)
		}
		search, e := ev.optNum(a, 3, 1)
		if e != 0 {
			return errv(e)
		}
		i := xfind(ev, x, &g, int(mode), int(search))
		if i < 0 {
			return errv(ErrNA)
		}
		return num(float64(i + 1))
	})
	reg("XLOOKUP", 3, 6, func(ev *evaluator, a []Value) Value {
		x := ev.scalar(a[0])
		if x.Kind == KindError {
			return x
		}
		g := ev.grid(a[1])
		if g.rows != 1 && g.cols != 1 {
			return errv(ErrValue)
		}
		mode, e := ev.optNum(a, 4, 0)
		if e != 0 {
			return errv(e)
		}
		search, e := ev.optNum(a, 5, 1)
		if e != 0 {
			return errv(e)
		}
		i := xfind(ev, x, &g, int(mode), int(search))
		if i < 0 {
			if len(a) > 3 && a[3].Kind != KindBlank {
				return a[3]
			}
			return errv(ErrNA)
		}
		// return the matching row/column of the return array
		r := a[2]
		switch r.Kind {
		case KindRef:
			ar := r.Ref
			if g.cols == 1 {
				if ar.rows() != g.rows {
					return errv(ErrValue)
				}
				ar.Row1 += int32(i)
				ar.Row2 = ar.Row1
			} else {
				if ar.cols() != g.cols {
					return errv(ErrValue)
				}
				ar.Col1 += int32(i)
				ar.Col2 = ar.Col1
			}
			return Value{Kind: KindRef, Ref: ar}
		case KindArray:
			if g.cols == 1 {
				return rowOf(r.Arr, i)
			}
			return colOf(r.Arr, i)
		}
		return r
	})
	reg("LOOKUP", 2, 3, func(ev *evaluator, a []Value) Value {
		x := ev.scalar(a[0])
		if x.Kind == KindError {
			return x
		}
		g := ev.grid(a[1])
		vertical := g.rows >= g.cols
		n := g.cols
		if vertical {
			n = g.rows
		}
		at := func(i int) Value {
			if vertical {
				return g.at(i, 0)
			}
			return g.at(0, i)
		}
		i := approxFind(x, n, at, false)
		if i < 0 {
			return errv(ErrNA)
		}
		if len(a) > 2 {
			rg := ev.grid(a[2])
			if rg.cols == 1 || rg.rows > 1 && rg.cols > 1 {
				if i >= rg.rows {
					return errv(ErrNA)
				}
				return rg.at(i, 0)
			}
			if i >= rg.cols {
				return errv(ErrNA)
			}
			return rg.at(0, i)
		}
		if vertical {
			return g.at(i, g.cols-1)
		}
		return g.at(g.rows-1, i)
	})
	reg("INDEX", 2, 4, func(ev *evaluator, a []Value) Value {
		src := a[0]
		if src.Kind == KindRef && len(src.Areas) > 0 {
			k, e := ev.optNum(a, 3, 1)
			if e != 0 {
				return errv(e)
			}
			areas := append([]Area{src.Ref}, src.Areas...)
			if int(k) < 1 || int(k) > len(areas) {
				return errv(ErrRef)
			}
			src = Value{Kind: KindRef, Ref: areas[int(k)-1]}
		}
		r, e := ev.optNum(a, 1, 0)
		if e != 0 {
			return errv(e)
		}
		c, e := ev.optNum(a, 2, 0)
		if e != 0 {
			return errv(e)
		}
		g := ev.grid(src)
		ri, ci := int(r), int(c)
		if len(a) == 2 && g.rows == 1 {
			// a single row: the one index selects the column
			ri, ci = 0, int(r)
		}
		if ri < 0 || ci < 0 || ri > g.rows || ci > g.cols {
			return errv(ErrRef)
		}
		switch src.Kind {
		case KindRef:
			ar := src.Ref
			if ri > 0 {
				ar.Row1 += int32(ri - 1)
				ar.Row2 = ar.Row1
			}
			if ci > 0 {
				ar.Col1 += int32(ci - 1)
				ar.Col2 = ar.Col1
			}
			return Value{Kind: KindRef, Ref: ar}
		case KindArray:
			switch {
			case ri > 0 && ci > 0:
				return src.Arr.V[(ri-1)*src.Arr.Cols+ci-1]
			case ri > 0:
				if src.Arr.Cols == 1 {
					return src.Arr.V[ri-1]
				}
				return rowOf(src.Arr, ri-1)
			case ci > 0:
				if src.Arr.Rows == 1 {
					return src.Arr.V[ci-1]
				}
				return colOf(src.Arr, ci-1)
			}
			return src
		}
		return src
	})
	reg("OFFSET", 3, 5, func(ev *evaluator, a []Value) Value {
		if a[0].Kind != KindRef {
			return errv(ErrValue)
		}
		ar := a[0].Ref
		dr, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		dc, e := ev.num(a[2])
		if e != 0 {
			return errv(e)
		}
		h, e := ev.optNum(a, 3, float64(ar.rows()))
		if e != 0 {
			return errv(e)
		}
		w, e := ev.optNum(a, 4, float64(ar.cols()))
		if e != 0 {
			return errv(e)
		}
		h, w = math.Trunc(h), math.Trunc(w)
		if h == 0 || w == 0 {
			return errv(ErrRef)
		}
		r1 := float64(ar.Row1) + math.Trunc(dr)
		c1 := float64(ar.Col1) + math.Trunc(dc)
		r2, c2 := r1+h-1, c1+w-1
		if h < 0 {
			r1, r2 = r1+h+1, r1
		}
		if w < 0 {
			c1, c2 = c1+w+1, c1
		}
		if r1 < 1 || c1 < 1 || r2 > workbook.MaxRows || c2 > workbook.MaxCols {
			return errv(ErrRef)
		}
		return Value{Kind: KindRef, Ref: Area{Sheet: ar.Sheet, Sheet2: ar.Sheet2, Row1: int32(r1), Col1: int32(c1), Row2: int32(r2), Col2: int32(c2)}}
	})
	reg("ROW", 0, 1, func(ev *evaluator, a []Value) Value {
		if len(a) == 0 || a[0].Kind == KindBlank {
			return num(float64(ev.row))
		}
		if a[0].Kind != KindRef {
			return errv(ErrValue)
		}
		return num(float64(a[0].Ref.Row1))
	})
	reg("COLUMN", 0, 1, func(ev *evaluator, a []Value) Value {
		if len(a) == 0 || a[0].Kind == KindBlank {
			return num(float64(ev.col))
		}
		if a[0].Kind != KindRef {
			return errv(ErrValue)
		}
		return num(float64(a[0].Ref.Col1))
	})
	reg("ROWS", 1, 1, func(ev *evaluator, a []Value) Value {
		switch a[0].Kind {
		case KindRef:
			return num(float64(a[0].Ref.rows()))
		case KindArray:
			return num(float64(a[0].Arr.Rows))
		case KindError:
			return a[0]
		}
		return num(1)
	})
	reg("COLUMNS", 1, 1, func(ev *evaluator, a []Value) Value {
		switch a[0].Kind {
		case KindRef:
			return num(float64(a[0].Ref.cols()))
		case KindArray:
			return num(float64(a[0].Arr.Cols))
		case KindError:
			return a[0]
		}
		return num(1)
	})
	reg("TRANSPOSE", 1, 1, func(ev *evaluator, a []Value) Value {
		v := a[0]
		if v.Kind == KindRef {
			v = ev.refToArray(v.Ref)
		}
		if v.Kind != KindArray {
			return v
		}
		in := v.Arr
		out := &ArrayValue{Rows: in.Cols, Cols: in.Rows, V: make([]Value, len(in.V))}
		for i := 0; i < in.Rows; i++ {
			for j := 0; j < in.Cols; j++ {
				out.V[j*out.Cols+i] = in.V[i*in.Cols+j]
			}
		}
		return Value{Kind: KindArray, Arr: out}
	})
	reg("ADDRESS", 2, 5, func(ev *evaluator, a []Value) Value {
		r, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		c, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		abs, e := ev.optNum(a, 2, 1)
		if e != 0 {
			return errv(e)
		}
		a1 := true
		if len(a) > 3 && a[3].Kind != KindBlank {
			b, e := ev.boolean(a[3])
			if e != 0 {
				return errv(e)
			}
			a1 = b
		}
		ri, ci := int(r), int(c)
		if ri < 1 || ci < 1 || ri > workbook.MaxRows || ci > workbook.MaxCols || abs < 1 || abs > 4 {
			return errv(ErrValue)
		}
		var s string
		if a1 {
			colAbs, rowAbs := "", ""
			if abs == 1 || abs == 3 {
				colAbs = "$"
			}
			if abs == 1 || abs == 2 {
				rowAbs = "$"
			}
			s = colAbs + workbook.ColumnName(ci) + rowAbs + itoa(ri)
		} else {
			rs, cs := itoa(ri), itoa(ci)
			if abs == 2 || abs == 4 {
				cs = "[" + cs + "]"
			}
			if abs == 3 || abs == 4 {
				rs = "[" + rs + "]"
			}
			s = "R" + rs + "C" + cs
		}
		if len(a) > 4 && a[4].Kind != KindBlank {
			sh, e := ev.text(a[4])
			if e != 0 {
				return errv(e)
			}
			s = quoteSheet(sh) + "!" + s
		}
		return StringValue(s)
	})
	reg("INDIRECT", 1, 2, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		if len(a) > 1 && a[1].Kind != KindBlank {
			b, e := ev.boolean(a[1])
			if e != 0 {
				return errv(e)
			}
			if !b {
				return errv(ErrRef) // R1C1 text is not supported
			}
		}
		n, err := Parse(strings.TrimSpace(s))
		if err != nil {
			return errv(ErrRef)
		}
		if ev.m.hasTableRef(n) {
			// Table1[Col] and bare table names, from the formula's cell
			n = ev.m.resolveTables(n, ev.sheet, ev.row, ev.col)
		}
		switch x := n.(type) {
		case ErrorLit:
			return errv(x.K)
		case *Call:
			if x.Name == "ANCHORARRAY" {
				return anchorArray(ev, x.Args)
			}
		case *Ref, *Name:
			v := ev.eval(x)
			if v.Kind != KindRef {
				return errv(ErrRef)
			}
			return v
		case *Binary:
			if x.Op == ":" {
				v := ev.eval(x)
				if v.Kind == KindRef {
					return v
				}
			}
		}
		return errv(ErrRef)
	})
}

func itoa(i int) string { return formatNumber(float64(i)) }

func rowOf(a *ArrayValue, i int) Value {
	out := &ArrayValue{Rows: 1, Cols: a.Cols, V: a.V[i*a.Cols : (i+1)*a.Cols]}
	return Value{Kind: KindArray, Arr: out}
}

func colOf(a *ArrayValue, j int) Value {
	out := &ArrayValue{Rows: a.Rows, Cols: 1, V: make([]Value, a.Rows)}
	for i := 0; i < a.Rows; i++ {
		out.V[i] = a.V[i*a.Cols+j]
	}
	return Value{Kind: KindArray, Arr: out}
}

func vhlookup(ev *evaluator, a []Value, vertical bool) Value {
	x := ev.scalar(a[0])
	if x.Kind == KindError {
		return x
	}
	idx, e := ev.num(a[2])
	if e != 0 {
		return errv(e)
	}
	approx := true
	if len(a) > 3 && a[3].Kind != KindBlank {
		b, e := ev.boolean(a[3])
		if e != 0 {
			return errv(e)
		}
		approx = b
	}
	g := ev.grid(a[1])
	k := int(idx)
	n, width := g.usedRows(), g.cols
	if !vertical {
		n, width = g.usedCols(), g.rows
	}
	if k < 1 {
		return errv(ErrValue)
	}
	if k > width {
		return errv(ErrRef)
	}
	at := func(i int) Value {
		if vertical {
			return g.at(i, 0)
		}
		return g.at(0, i)
	}
	var i int
	if approx {
		i = approxFind(x, n, at, false)
	} else {
		i = linearFind(x, n, at, true)
	}
	if i < 0 {
		return errv(ErrNA)
	}
	if vertical {
		return g.at(i, k-1)
	}
	return g.at(k-1, i)
}

// lookupEqual compares for exact-match lookups: same type, text
// case-insensitive, with wildcards when pattern is set.
func lookupEqual(x, v Value, wild bool) bool {
	if x.Kind == KindString && v.Kind == KindString {
		if wild && strings.ContainsAny(x.Str, "*?~") {
			return wildcardMatch(strings.ToLower(x.Str), strings.ToLower(v.Str))
		}
		return strings.EqualFold(x.Str, v.Str)
	}
	if x.Kind != v.Kind {
		return false
	}
	return compareValues(x, v) == 0
}

func linearFind(x Value, n int, at func(int) Value, wild bool) int {
	for i := 0; i < n; i++ {
		if lookupEqual(x, at(i), wild) {
			return i
		}
	}
	return -1
}

// approxFind is Excel's approximate lookup on sorted data (VLOOKUP,
// HLOOKUP, LOOKUP, MATCH 1): a binary search whose probes step over values
// of another type than x; it returns the last position whose value is <= x.
// For descending data (MATCH -1) it is the last position >= x, scanning.
// The search follows Apache POI's LookupUtils, which reproduces Excel's
// results on unsorted and mixed-type data.
func approxFind(x Value, n int, at func(int) Value, desc bool) int {
	if desc {
		best := -1
		for i := 0; i < n; i++ {
			v := at(i)
			if v.Kind != x.Kind {
				continue
			}
			if compareValues(v, x) >= 0 {
				best = i
			} else {
				break
			}
		}
		return best
	}
	// cmp: -1 x < item, 0 equal, 1 x > item, 2 type mismatch
	cmp := func(i int) int {
		v := at(i)
		if v.Kind != x.Kind {
			return 2
		}
		return compareValues(x, v)
	}
	lo, hi := -1, n
	for {
		if hi-lo < 2 {
			return lo
		}
		mid := lo + (hi-lo)/2
		c := cmp(mid)
		if c == 2 {
			nm := mid
			found := false
			for {
				nm++
				if nm == hi {
					hi = mid
					break
				}
				cc := cmp(nm)
				if cc < 0 && nm == hi-1 {
					hi = mid
					break
				}
				if cc == 2 {
					continue
				}
				found = true
				break
			}
			if !found {
				continue
			}
			mid = nm
			c = cmp(mid)
		}
		if c == 0 {
			for i := mid + 1; i < hi; i++ {
				if cmp(i) != 0 {
					return i - 1
				}
			}
			return hi - 1
		}
		if c < 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
}

// xfind implements XMATCH/XLOOKUP match_mode (0 exact, -1 exact or next
// smaller, 1 exact or next larger, 2 wildcard) and search_mode (1 first to
// last, -1 last to first, 2/-2 binary).
func xfind(ev *evaluator, x Value, g *grid, mode, search int) int {
	n := g.rows * g.cols
	at := func(i int) Value {
		if g.cols == 1 {
			return g.at(i, 0)
		}
		return g.at(0, i)
	}
	if search == 2 || search == -2 {
		return xbinary(x, n, at, mode, search == -2)
	}
	best := -1
	var bestV Value
	start, end, step := 0, n, 1
	if search == -1 || search == -2 {
		start, end, step = n-1, -1, -1
	}
	for i := start; i != end; i += step {
		v := at(i)
		switch mode {
		case 0, 2:
			if lookupEqual(x, v, mode == 2) {
				return i
			}
		case -1, 1:
			if v.Kind != x.Kind {
				continue
			}
			c := compareValues(v, x)
			if c == 0 {
				return i
			}
			if mode == -1 && c < 0 && (best < 0 || compareValues(v, bestV) > 0) ||
				mode == 1 && c > 0 && (best < 0 || compareValues(v, bestV) < 0) {
				best, bestV = i, v
			}
		}
	}
	return best
}

// xbinary is XLOOKUP/XMATCH's binary search (search_mode 2 ascending, -2
// descending): plain bisection with Excel's mixed-type ordering.
func xbinary(x Value, n int, at func(int) Value, mode int, desc bool) int {
	lo, hi := 0, n-1
	below, above := -1, -1 // closest smaller / larger positions seen
	for lo <= hi {
		mid := (lo + hi) / 2
		c := compareValues(at(mid), x)
		if desc {
			c = -c
		}
		switch {
		case c == 0:
			return mid
		case c < 0:
			lo = mid + 1
			if desc {
				above = mid
			} else {
				below = mid
			}
		default:
			hi = mid - 1
			if desc {
				below = mid
			} else {
				above = mid
			}
		}
	}
	switch mode {
	case -1:
		return below
	case 1:
		return above
	}
	return -1
}
