package formula

import (
	"math"
	"strings"
	"time"
)

// Serial dates: Excel's 1900 system counts days from 1899-12-31 as day 0
// and keeps Lotus 1-2-3's phantom 1900-02-29 (serial 60), so from March
// 1900 on serial = days since 1899-12-30.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func dateToSerial(t time.Time) float64 {
	d := math.Floor(t.Sub(excelEpoch).Hours()/24 + 0.5)
	if d < 61 {
		d-- // before the phantom leap day
	}
	return d
}

// serialToDate returns the calendar date of a serial (day part only).
// Serial 60 reports as 1900-02-29 via ok60.
func serialToDate(s float64) (y, m, d int, ok bool) {
	n := math.Floor(s)
	if n < 0 || n > 2958465 {
		return 0, 0, 0, false
	}
	switch {
	case n == 0:
		return 1900, 1, 0, true
	case n == 60:
		return 1900, 2, 29, true
	case n < 60:
		n++
	}
	t := excelEpoch.AddDate(0, 0, int(n))
	return t.Year(), int(t.Month()), t.Day(), true
}

func serialTime(s float64) time.Time {
	n := math.Floor(s)
	if n < 61 {
		n++
	}
	return excelEpoch.AddDate(0, 0, int(n))
}

func makeDate(y, m, d float64) (float64, bool) {
	y, m, d = math.Trunc(y), math.Trunc(m), math.Trunc(d)
	if y < 0 || y >= 10000 {
		return 0, false
	}
	if y < 1900 {
		y += 1900
	}
	// Excel adds the day offset to the serial of the month's first day, so
	// day overflow counts the phantom 1900-02-29: DATE(1900,1,61) = 61.
	t := time.Date(int(y), time.Month(1), 1, 0, 0, 0, 0, time.UTC).AddDate(0, int(m)-1, 0)
	s := dateToSerial(t) + d - 1
	if s < 0 || s > 2958465 {
		return 0, false
	}
	return s, true
}

// parseDateText accepts ISO and US-style date text ("2020-01-31",
// "1/31/2020") for implicit coercion.
func parseDateText(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006/01/02", "1/2/2006", "01/02/2006", "2-Jan-2006", "02-Jan-2006", "January 2, 2006", "Jan 2, 2006", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			frac := float64(t.Hour()*3600+t.Minute()*60+t.Second()) / 86400
			d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			return dateToSerial(d) + frac, true
		}
	}
	for _, layout := range []string{"15:04:05", "15:04", "3:04 PM", "3:04:05 PM"} {
		if t, err := time.Parse(layout, s); err == nil {
			return float64(t.Hour()*3600+t.Minute()*60+t.Second()) / 86400, true
		}
	}
	return 0, false
}

func init() {
	reg("DATE", 3, 3, func(ev *evaluator, a []Value) Value {
		y, m, d, e := nums3(ev, a)
		if e != 0 {
			return errv(e)
		}
		s, ok := makeDate(y, m, d)
		if !ok {
			return errv(ErrNum)
		}
		return num(s)
	}).lift = 7
	part := func(name string, f func(y, m, d int) int) {
		reg(name, 1, 1, func(ev *evaluator, a []Value) Value {
			s, e := ev.num(a[0])
			if e != 0 {
				return errv(e)
			}
			y, m, d, ok := serialToDate(s)
			if !ok {
				return errv(ErrNum)
			}
			return num(float64(f(y, m, d)))
		}).lift = 1
	}
	part("YEAR", func(y, _, _ int) int { return y })
	part("MONTH", func(_, m, _ int) int { return m })
	part("DAY", func(_, _, d int) int { return d })
	timePart := func(name string, f func(sec int) int) {
		reg(name, 1, 1, func(ev *evaluator, a []Value) Value {
			s, e := ev.num(a[0])
			if e != 0 {
				return errv(e)
			}
			if s < 0 {
				return errv(ErrNum)
			}
			frac := s - math.Floor(s)
			sec := int(math.Round(frac * 86400))
			return num(float64(f(sec % 86400)))
		}).lift = 1
	}
	timePart("HOUR", func(s int) int { return s / 3600 })
	timePart("MINUTE", func(s int) int { return s / 60 % 60 })
	timePart("SECOND", func(s int) int { return s % 60 })
	reg("TIME", 3, 3, func(ev *evaluator, a []Value) Value {
		h, m, s, e := nums3(ev, a)
		if e != 0 {
			return errv(e)
		}
		t := math.Trunc(h)*3600 + math.Trunc(m)*60 + math.Trunc(s)
		if t < 0 {
			return errv(ErrNum)
		}
		return num(math.Mod(t, 86400) / 86400)
	}).lift = 7
	reg("EDATE", 2, 2, func(ev *evaluator, a []Value) Value {
		s, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		m, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		if s < 0 {
			return errv(ErrNum)
		}
		y, mo, d, _ := serialToDate(s)
		return monthShift(y, mo, d, int(math.Trunc(m)), false)
	}).lift = 3
	reg("EOMONTH", 2, 2, func(ev *evaluator, a []Value) Value {
		s, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		m, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		if s < 0 {
			return errv(ErrNum)
		}
		y, mo, d, _ := serialToDate(s)
		return monthShift(y, mo, d, int(math.Trunc(m)), true)
	}).lift = 3
	reg("WEEKDAY", 1, 2, func(ev *evaluator, a []Value) Value {
		s, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		typ, e := ev.optNum(a, 1, 1)
		if e != 0 {
			return errv(e)
		}
		if s < 0 {
			return errv(ErrNum)
		}
		// serial 1 (1900-01-01) is a Sunday in Excel's calendar
		w := int(math.Mod(math.Floor(s)+6, 7)) // 0 = Sunday
		switch int(typ) {
		case 1, 17:
			return num(float64(w + 1))
		case 2, 11:
			return num(float64((w+6)%7 + 1))
		case 3:
			return num(float64((w + 6) % 7))
		case 12, 13, 14, 15, 16:
			start := int(typ) - 10 // 12: Tuesday=1 ...
			return num(float64((w-start+7)%7 + 1))
		}
		return errv(ErrNum)
	})
	reg("DAYS", 2, 2, func(ev *evaluator, a []Value) Value {
		e1, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		s1, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		return num(math.Floor(e1) - math.Floor(s1))
	})
	reg("DAYS360", 2, 3, func(ev *evaluator, a []Value) Value {
		s, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		en, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		eu := false
		if len(a) > 2 && a[2].Kind != KindBlank {
			eu, e = ev.boolean(a[2])
			if e != 0 {
				return errv(e)
			}
		}
		y1, m1, d1, ok1 := serialToDate(s)
		y2, m2, d2, ok2 := serialToDate(en)
		if !ok1 || !ok2 {
			return errv(ErrNum)
		}
		if eu {
			d1, d2 = min(d1, 30), min(d2, 30)
		} else {
			lastFeb := func(y, m, d int) bool {
				return m == 2 && d == daysIn(y, 2)
			}
			if lastFeb(y1, m1, d1) {
				if lastFeb(y2, m2, d2) {
					d2 = 30
				}
				d1 = 30
			}
			if d1 == 31 {
				d1 = 30
			}
			if d2 == 31 && d1 >= 30 {
				d2 = 30
			}
		}
		return num(float64((y2-y1)*360 + (m2-m1)*30 + d2 - d1))
	})
	reg("WORKDAY", 2, 3, func(ev *evaluator, a []Value) Value {
		s, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		n, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		hol := map[float64]bool{}
		if len(a) > 2 {
			hs, e := ev.numbers(a[2:3])
			if e != 0 {
				return errv(e)
			}
			for _, h := range hs {
				hol[math.Floor(h)] = true
			}
		}
		d := math.Floor(s)
		k := int(math.Trunc(n))
		step := 1.0
		if k < 0 {
			step, k = -1, -k
		}
		for k > 0 {
			d += step
			w := int(math.Mod(d+6, 7))
			if w == 0 || w == 6 || hol[d] {
				continue
			}
			k--
		}
		return num(d)
	})
	reg("NETWORKDAYS", 2, 3, func(ev *evaluator, a []Value) Value {
		s, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		en, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		hol := map[float64]bool{}
		if len(a) > 2 {
			hs, e := ev.numbers(a[2:3])
			if e != 0 {
				return errv(e)
			}
			for _, h := range hs {
				hol[math.Floor(h)] = true
			}
		}
		lo, hi, sign := math.Floor(s), math.Floor(en), 1.0
		if lo > hi {
			lo, hi, sign = hi, lo, -1
		}
		n := 0
		for d := lo; d <= hi; d++ {
			w := int(math.Mod(d+6, 7))
			if w != 0 && w != 6 && !hol[d] {
				n++
			}
		}
		return num(sign * float64(n))
	})
	reg("DATEVALUE", 1, 1, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		d, ok := parseDateText(s)
		if !ok {
			return errv(ErrValue)
		}
		return num(math.Floor(d))
	})
	reg("TIMEVALUE", 1, 1, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		d, ok := parseDateText(s)
		if !ok {
			return errv(ErrValue)
		}
		return num(d - math.Floor(d))
	})
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func monthShift(y, m, d, k int, eom bool) Value {
	t := time.Date(y, time.Month(m)+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
	last := daysIn(t.Year(), int(t.Month()))
	if eom || d > last {
		d = last
	}
	t = time.Date(t.Year(), t.Month(), d, 0, 0, 0, 0, time.UTC)
	s := dateToSerial(t)
	if s < 0 {
		return errv(ErrNum)
	}
	return num(s)
}
