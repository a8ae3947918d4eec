package formula

func init() {
	regLazy("IF", 1, 3, func(ev *evaluator, a []Node) Value {
		c := ev.eval(a[0])
		if ev.arrayMode {
			c = ev.operand(c)
			if c.Kind == KindArray {
				return ev.ifArray(c, a)
			}
		}
		b, e := ev.boolean(c)
		if e != 0 {
			return errv(e)
		}
		if b {
			if len(a) < 2 {
				return BoolValue(true)
			}
			return ev.branch(a[1])
		}
		if len(a) < 3 {
			return BoolValue(false)
		}
		return ev.branch(a[2])
	})
	regLazy("IFS", 2, 254, func(ev *evaluator, a []Node) Value {
		if len(a)%2 != 0 {
			return errv(ErrValue)
		}
		for i := 0; i < len(a); i += 2 {
			b, e := ev.boolean(ev.eval(a[i]))
			if e != 0 {
				return errv(e)
			}
			if b {
				return ev.branch(a[i+1])
			}
		}
		return errv(ErrNA)
	})
	regLazy("IFERROR", 2, 2, func(ev *evaluator, a []Node) Value {
		v := ev.eval(a[0])
		if s := ev.scalarKeepRef(v); s.Kind == KindError {
			return ev.branch(a[1])
		}
		return v
	})
	regLazy("IFNA", 2, 2, func(ev *evaluator, a []Node) Value {
		v := ev.eval(a[0])
		if s := ev.scalarKeepRef(v); s.Kind == KindError && s.Err == ErrNA {
			return ev.branch(a[1])
		}
		return v
	})
	regLazy("CHOOSE", 2, 255, func(ev *evaluator, a []Node) Value {
		i, e := ev.num(ev.eval(a[0]))
		if e != 0 {
			return errv(e)
		}
		k := int(i)
		if k < 1 || k >= len(a) {
			return errv(ErrValue)
		}
		return ev.branch(a[k])
	})
	regLazy("SWITCH", 3, 254, func(ev *evaluator, a []Node) Value {
		x := ev.scalar(ev.eval(a[0]))
		if x.Kind == KindError {
			return x
		}
		i := 1
		for ; i+1 < len(a); i += 2 {
			v := ev.scalar(ev.eval(a[i]))
			if v.Kind == KindError {
				return v
			}
			if v.Kind == x.Kind && compareValues(x, v) == 0 {
				return ev.branch(a[i+1])
			}
		}
		if i < len(a) {
			return ev.branch(a[i])
		}
		return errv(ErrNA)
	})
	logical := func(name string, fold func(acc, b bool) bool, init bool, xor bool) {
		reg(name, 1, 255, func(ev *evaluator, a []Value) Value {
			acc, seen := init, false
			var err ErrorCode
			ev.walk(a, func(v Value, fromRef bool) bool {
				var b bool
				switch v.Kind {
				case KindError:
					err = v.Err
					return false
				case KindNumber, KindBool:
					b = v.Num != 0
				case KindBlank:
					if fromRef {
						return true
					}
				case KindString:
					if fromRef {
						return true
					}
					bb, e := toBool(v)
					if e != 0 {
						err = e
						return false
					}
					b = bb
				}
				seen = true
				acc = fold(acc, b)
				return true
			})
			if err != 0 {
				return errv(err)
			}
			if !seen {
				return errv(ErrValue)
			}
			return BoolValue(acc)
		})
	}
	logical("AND", func(acc, b bool) bool { return acc && b }, true, false)
	logical("OR", func(acc, b bool) bool { return acc || b }, false, false)
	logical("XOR", func(acc, b bool) bool { return acc != b }, false, true)
	reg("NOT", 1, 1, func(ev *evaluator, a []Value) Value {
		b, e := ev.boolean(a[0])
		if e != 0 {
			return errv(e)
		}
		return BoolValue(!b)
	}).lift = 1
	reg("TRUE", 0, 0, func(*evaluator, []Value) Value { return BoolValue(true) })
	reg("FALSE", 0, 0, func(*evaluator, []Value) Value { return BoolValue(false) })
	reg("NA", 0, 0, func(*evaluator, []Value) Value { return errv(ErrNA) })
	is := func(name string, f func(v Value) bool) {
		reg(name, 1, 1, func(ev *evaluator, a []Value) Value {
			return BoolValue(f(ev.scalar(a[0])))
		}).lift = 1
	}
	is("ISERROR", func(v Value) bool { return v.Kind == KindError })
	is("ISERR", func(v Value) bool { return v.Kind == KindError && v.Err != ErrNA })
	is("ISNA", func(v Value) bool { return v.Kind == KindError && v.Err == ErrNA })
	is("ISNUMBER", func(v Value) bool { return v.Kind == KindNumber })
	is("ISTEXT", func(v Value) bool { return v.Kind == KindString })
	is("ISNONTEXT", func(v Value) bool { return v.Kind != KindString })
	is("ISLOGICAL", func(v Value) bool { return v.Kind == KindBool })
	is("ISBLANK", func(v Value) bool { return v.Kind == KindBlank })
	// ISREF asks whether its argument is a reference, a range being one:
	// it is not mapped over the range's cells. ISEVEN and ISODD are, like
	// the other IS functions: FILTER(r, ISODD(r)) keeps r's odd numbers.
	reg("ISREF", 1, 1, func(ev *evaluator, a []Value) Value { return BoolValue(a[0].Kind == KindRef) })
	reg("ISEVEN", 1, 1, func(ev *evaluator, a []Value) Value {
		x, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		return BoolValue(int64(x)%2 == 0)
	}).lift = 1
	reg("ISODD", 1, 1, func(ev *evaluator, a []Value) Value {
		x, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		return BoolValue(int64(x)%2 != 0)
	}).lift = 1
	reg("ERROR.TYPE", 1, 1, func(ev *evaluator, a []Value) Value {
		v := ev.scalar(a[0])
		if v.Kind != KindError {
			return errv(ErrNA)
		}
		return num(float64(v.Err))
	})
	reg("N", 1, 1, func(ev *evaluator, a []Value) Value {
		v := ev.scalar(a[0])
		switch v.Kind {
		case KindNumber, KindBool:
			return num(v.Num)
		case KindError:
			return v
		}
		return num(0)
	})
}

// branch evaluates a chosen IF/CHOOSE branch, keeping references (so that
// IF(..., A1:A3) can feed SUM) and turning an omitted branch into 0.
func (ev *evaluator) branch(n Node) Value {
	if _, ok := n.(Missing); ok {
		return NumberValue(0)
	}
	return ev.eval(n)
}

// scalarKeepRef reads the scalar a value stands for, for error tests.
func (ev *evaluator) scalarKeepRef(v Value) Value {
	if v.Kind == KindRef {
		return ev.intersect(v)
	}
	if v.Kind == KindArray {
		return v.Arr.V[0]
	}
	return v
}

// ifArray evaluates IF element-wise over an array condition (array formulas).
func (ev *evaluator) ifArray(c Value, a []Node) Value {
	var t, f Value = BoolValue(true), BoolValue(false)
	if len(a) > 1 {
		t = ev.operand(ev.branch(a[1]))
	}
	if len(a) > 2 {
		f = ev.operand(ev.branch(a[2]))
	}
	out := &ArrayValue{Rows: c.Arr.Rows, Cols: c.Arr.Cols, V: make([]Value, len(c.Arr.V))}
	for i := 0; i < out.Rows; i++ {
		for j := 0; j < out.Cols; j++ {
			b, e := toBool(c.Arr.V[i*out.Cols+j])
			var v Value
			switch {
			case e != 0:
				v = errv(e)
			case b:
				v = pick(t, i, j)
			default:
				v = pick(f, i, j)
			}
			out.V[i*out.Cols+j] = v
		}
	}
	return Value{Kind: KindArray, Arr: out}
}

func pick(v Value, i, j int) Value {
	if v.Kind == KindArray {
		return v.Arr.at(i, j)
	}
	return v
}
