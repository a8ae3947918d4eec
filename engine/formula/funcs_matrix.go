package formula

import (
	"gonum.org/v1/gonum/mat"
)

func init() {
	reg("MMULT", 2, 2, func(ev *evaluator, a []Value) Value {
		x, e := ev.matrix(a[0])
		if e != 0 {
			return errv(e)
		}
		y, e := ev.matrix(a[1])
		if e != 0 {
			return errv(e)
		}
		xr, xc := x.Dims()
		yr, yc := y.Dims()
		if xc != yr {
			return errv(ErrValue)
		}
		if e := ev.arrayCells(xr, yc); e != 0 || !ev.spend(xr*yc*xc) {
			return errv(ErrNum)
		}
		var p mat.Dense
		p.Mul(x, y)
		return denseValue(&p)
	}).arrayArgs = true
	reg("MINVERSE", 1, 1, func(ev *evaluator, a []Value) Value {
		x, e := ev.matrix(a[0])
		if e != 0 {
			return errv(e)
		}
		r, c := x.Dims()
		if r != c {
			return errv(ErrValue)
		}
		if !ev.spend(r * r * r) {
			return errv(ErrNum)
		}
		if det := mat.Det(x); det == 0 {
			return errv(ErrNum)
		}
		var inv mat.Dense
		if err := inv.Inverse(x); err != nil {
			return errv(ErrNum)
		}
		return denseValue(&inv)
	}).arrayArgs = true
	reg("MDETERM", 1, 1, func(ev *evaluator, a []Value) Value {
		x, e := ev.matrix(a[0])
		if e != 0 {
			return errv(e)
		}
		r, c := x.Dims()
		if r != c {
			return errv(ErrValue)
		}
		if !ev.spend(r * r * r) {
			return errv(ErrNum)
		}
		return num(mat.Det(x))
	}).arrayArgs = true
	reg("SUBTOTAL", 2, 255, func(ev *evaluator, a []Value) Value {
		k, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		// 101-111 also ignore hidden rows; rows are never hidden here
		names := map[int]string{1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT",
			7: "STDEV", 8: "STDEVP", 9: "SUM", 10: "VAR", 11: "VARP"}
		n, ok := names[int(k)%100]
		if !ok || int(k) > 111 || int(k) > 11 && int(k) < 101 {
			return errv(ErrValue)
		}
		return functions[n].fn(ev, a[1:])
	})
}

// matrix reads a numeric matrix; any non-number is #VALUE!.
func (ev *evaluator) matrix(v Value) (*mat.Dense, ErrorCode) {
	if v.Kind == KindRef {
		v = ev.refToArray(v.Ref)
	}
	if v.Kind == KindError {
		return nil, v.Err
	}
	if v.Kind != KindArray {
		if v.Kind != KindNumber {
			return nil, ErrValue
		}
		return mat.NewDense(1, 1, []float64{v.Num}), 0
	}
	d := make([]float64, len(v.Arr.V))
	for i, x := range v.Arr.V {
		switch x.Kind {
		case KindNumber:
			d[i] = x.Num
		case KindError:
			return nil, x.Err
		default:
			return nil, ErrValue
		}
	}
	return mat.NewDense(v.Arr.Rows, v.Arr.Cols, d), 0
}

func denseValue(m *mat.Dense) Value {
	r, c := m.Dims()
	out := &ArrayValue{Rows: r, Cols: c, V: make([]Value, r*c)}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.V[i*c+j] = num(m.At(i, j))
		}
	}
	return Value{Kind: KindArray, Arr: out}
}
