package formula

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func init() {
	concat := func(ev *evaluator, a []Value) Value {
		var b strings.Builder
		var err ErrorCode
		ev.walk(a, func(v Value, _ bool) bool {
			s, e := toText(v)
			if e != 0 {
				err = e
				return false
			}
			b.WriteString(s)
			return true
		})
		if err != 0 {
			return errv(err)
		}
		if b.Len() > 32767 {
			return errv(ErrValue)
		}
		return StringValue(b.String())
	}
	reg("CONCAT", 1, 255, concat)
	reg("CONCATENATE", 1, 255, func(ev *evaluator, a []Value) Value {
		var b strings.Builder
		for _, v := range a {
			s, e := ev.text(v)
			if e != 0 {
				return errv(e)
			}
			b.WriteString(s)
		}
		return StringValue(b.String())
	}).lift = math.MaxUint32
	reg("TEXTJOIN", 3, 255, func(ev *evaluator, a []Value) Value {
		sep, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		skip, e := ev.boolean(a[1])
		if e != 0 {
			return errv(e)
		}
		var parts []string
		var err ErrorCode
		ev.walk(a[2:], func(v Value, _ bool) bool {
			s, e := toText(v)
			if e != 0 {
				err = e
				return false
			}
			if s != "" || !skip {
				parts = append(parts, s)
			}
			return true
		})
		if err != 0 {
			return errv(err)
		}
		return StringValue(strings.Join(parts, sep))
	})
	reg("LEFT", 1, 2, func(ev *evaluator, a []Value) Value {
		s, n, e := textN(ev, a, 1)
		if e != 0 {
			return errv(e)
		}
		r := []rune(s)
		return StringValue(string(r[:min(n, len(r))]))
	}).lift = 3
	reg("RIGHT", 1, 2, func(ev *evaluator, a []Value) Value {
		s, n, e := textN(ev, a, 1)
		if e != 0 {
			return errv(e)
		}
		r := []rune(s)
		return StringValue(string(r[len(r)-min(n, len(r)):]))
	}).lift = 3
	reg("MID", 3, 3, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		st, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		n, e := ev.num(a[2])
		if e != 0 {
			return errv(e)
		}
		if st < 1 || n < 0 {
			return errv(ErrValue)
		}
		r := []rune(s)
		i := int(st) - 1
		if i >= len(r) {
			return StringValue("")
		}
		return StringValue(string(r[i:min(len(r), i+int(n))]))
	}).lift = 7
	reg("LEN", 1, 1, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		return num(float64(utf8.RuneCountInString(s)))
	}).lift = 1
	text1 := func(name string, f func(string) string) {
		reg(name, 1, 1, func(ev *evaluator, a []Value) Value {
			s, e := ev.text(a[0])
			if e != 0 {
				return errv(e)
			}
			return StringValue(f(s))
		}).lift = 1
	}
	text1("UPPER", strings.ToUpper)
	text1("LOWER", strings.ToLower)
	text1("TRIM", func(s string) string {
		// Excel removes leading/trailing spaces and collapses inner runs
		return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' }), " ")
	})
	text1("PROPER", func(s string) string {
		r := []rune(strings.ToLower(s))
		prev := false
		for i, c := range r {
			if unicode.IsLetter(c) {
				if !prev {
					r[i] = unicode.ToUpper(c)
				}
				prev = true
			} else {
				prev = false
			}
		}
		return string(r)
	})
	text1("CLEAN", func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 32 {
				return -1
			}
			return r
		}, s)
	})
	reg("REPT", 2, 2, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		n, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		if n < 0 || float64(len(s))*n > 32767 {
			return errv(ErrValue)
		}
		return StringValue(strings.Repeat(s, int(n)))
	}).lift = 3
	reg("SUBSTITUTE", 3, 4, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		old, e := ev.text(a[1])
		if e != 0 {
			return errv(e)
		}
		nw, e := ev.text(a[2])
		if e != 0 {
			return errv(e)
		}
		if old == "" {
			return StringValue(s)
		}
		if len(a) < 4 {
			return StringValue(strings.ReplaceAll(s, old, nw))
		}
		k, e := ev.num(a[3])
		if e != 0 {
			return errv(e)
		}
		if k < 1 {
			return errv(ErrValue)
		}
		idx := 0
		for i := 1; ; i++ {
			j := strings.Index(s[idx:], old)
			if j < 0 {
				return StringValue(s)
			}
			if i == int(k) {
				p := idx + j
				return StringValue(s[:p] + nw + s[p+len(old):])
			}
			idx += j + len(old)
		}
	}).lift = 15
	reg("REPLACE", 4, 4, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		st, e := ev.num(a[1])
		if e != 0 {
			return errv(e)
		}
		n, e := ev.num(a[2])
		if e != 0 {
			return errv(e)
		}
		nw, e := ev.text(a[3])
		if e != 0 {
			return errv(e)
		}
		if st < 1 || n < 0 {
			return errv(ErrValue)
		}
		r := []rune(s)
		i := min(int(st)-1, len(r))
		j := min(i+int(n), len(r))
		return StringValue(string(r[:i]) + nw + string(r[j:]))
	}).lift = 15
	find := func(name string, fold bool) {
		reg(name, 2, 3, func(ev *evaluator, a []Value) Value {
			needle, e := ev.text(a[0])
			if e != 0 {
				return errv(e)
			}
			hay, e := ev.text(a[1])
			if e != 0 {
				return errv(e)
			}
			st, e := ev.optNum(a, 2, 1)
			if e != 0 {
				return errv(e)
			}
			hr := []rune(hay)
			start := int(st) - 1
			if start < 0 || start > len(hr) {
				return errv(ErrValue)
			}
			if fold {
				nl, hl := []rune(strings.ToLower(needle)), []rune(strings.ToLower(hay))
				for i := start; i <= len(hl); i++ {
					if strings.ContainsAny(needle, "*?~") {
						for j := i; j <= len(hl); j++ {
							if wildcardMatch(string(nl), string(hl[i:j])) {
								return num(float64(i + 1))
							}
						}
						continue
					}
					if strings.HasPrefix(string(hl[i:]), string(nl)) {
						return num(float64(i + 1))
					}
				}
				return errv(ErrValue)
			}
			idx := strings.Index(string(hr[start:]), needle)
			if idx < 0 {
				return errv(ErrValue)
			}
			return num(float64(start + utf8.RuneCountInString(string(hr[start:])[:idx]) + 1))
		}).lift = 7
	}
	find("FIND", false)
	find("SEARCH", true)
	reg("EXACT", 2, 2, func(ev *evaluator, a []Value) Value {
		x, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		y, e := ev.text(a[1])
		if e != 0 {
			return errv(e)
		}
		return BoolValue(x == y)
	}).lift = 3
	reg("VALUE", 1, 1, func(ev *evaluator, a []Value) Value {
		v := ev.scalar(a[0])
		switch v.Kind {
		case KindNumber:
			return v
		case KindBlank:
			return num(0)
		case KindError:
			return v
		case KindString:
			if f, ok := parseNumber(v.Str); ok {
				return num(f)
			}
		}
		return errv(ErrValue)
	}).lift = 1
	reg("T", 1, 1, func(ev *evaluator, a []Value) Value {
		v := a[0]
		if v.Kind == KindRef {
			v = ev.cellValue(v.Ref.Sheet, v.Ref.Row1, v.Ref.Col1) // top-left cell
		}
		v = ev.scalar(v)
		switch v.Kind {
		case KindString, KindError:
			return v
		}
		return StringValue("")
	})
	reg("CHAR", 1, 1, func(ev *evaluator, a []Value) Value {
		n, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		if n < 1 || n >= 256 {
			return errv(ErrValue)
		}
		return StringValue(string(cp1252(byte(n))))
	}).lift = 1
	reg("CODE", 1, 1, func(ev *evaluator, a []Value) Value {
		s, e := ev.text(a[0])
		if e != 0 {
			return errv(e)
		}
		if s == "" {
			return errv(ErrValue)
		}
		r, _ := utf8.DecodeRuneInString(s)
		return num(float64(r))
	}).lift = 1
	reg("DOLLAR", 1, 2, func(ev *evaluator, a []Value) Value {
		x, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		d, e := ev.optNum(a, 1, 2)
		if e != 0 {
			return errv(e)
		}
		d = math.Trunc(d)
		x = roundHalfAway(x, d)
		s := groupThousands(strconv.FormatFloat(math.Abs(x), 'f', int(max(d, 0)), 64))
		if x < 0 {
			return StringValue("($" + s + ")")
		}
		return StringValue("$" + s)
	})
	reg("FIXED", 1, 3, func(ev *evaluator, a []Value) Value {
		x, e := ev.num(a[0])
		if e != 0 {
			return errv(e)
		}
		d, e := ev.optNum(a, 1, 2)
		if e != 0 {
			return errv(e)
		}
		noComma := false
		if len(a) > 2 {
			noComma, e = ev.boolean(a[2])
			if e != 0 {
				return errv(e)
			}
		}
		x = roundHalfAway(x, math.Trunc(d))
		s := strconv.FormatFloat(math.Abs(x), 'f', int(max(math.Trunc(d), 0)), 64)
		if !noComma {
			s = groupThousands(s)
		}
		if x < 0 {
			s = "-" + s
		}
		return StringValue(s)
	})
	reg("TEXT", 2, 2, func(ev *evaluator, a []Value) Value {
		v := ev.scalar(a[0])
		if v.Kind == KindError {
			return v
		}
		f, e := ev.text(a[1])
		if e != 0 {
			return errv(e)
		}
		x, e := toNumber(v)
		if e != 0 {
			if v.Kind == KindString {
				return v // text passes through TEXT unchanged
			}
			return errv(e)
		}
		s, ok := formatText(x, f)
		if !ok {
			return errv(ErrValue)
		}
		return StringValue(s)
	})
	reg("HYPERLINK", 1, 2, func(ev *evaluator, a []Value) Value {
		if len(a) > 1 {
			return ev.scalar(a[1])
		}
		return ev.scalar(a[0])
	})
}

func textN(ev *evaluator, a []Value, def float64) (string, int, ErrorCode) {
	s, e := ev.text(a[0])
	if e != 0 {
		return "", 0, e
	}
	n, e := ev.optNum(a, 1, def)
	if e != 0 {
		return "", 0, e
	}
	if n < 0 {
		return "", 0, ErrValue
	}
	return s, int(n), 0
}

func groupThousands(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// cp1252 maps CHAR codes (Windows-1252 on Excel for Windows) to runes.
func cp1252(b byte) rune {
	table := map[byte]rune{0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡',
		0x88: 'ˆ', 0x89: '‰', 0x8A: 'Š', 0x8B: '‹', 0x8C: 'Œ', 0x8E: 'Ž', 0x91: '‘', 0x92: '’',
		0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x98: '˜', 0x99: '™', 0x9A: 'š',
		0x9B: '›', 0x9C: 'œ', 0x9E: 'ž', 0x9F: 'Ÿ'}
	if r, ok := table[b]; ok {
		return r
	}
	return rune(b)
}

// formatText implements the common TEXT format codes: 0, 0.00, #,##0.00,
// percentages, scientific (0.00E+00) and basic dates (yyyy, mm, dd, hh, ss).
func formatText(x float64, f string) (string, bool) {
	if f == "" {
		return "", true
	}
	if strings.EqualFold(f, "General") || f == "@" {
		return formatNumber(x), true
	}
	// sections: positive;negative;zero
	secs := strings.Split(f, ";")
	sec := secs[0]
	neg := x < 0
	if neg && len(secs) > 1 {
		sec, x = secs[1], -x
		neg = false
	} else if x == 0 && len(secs) > 2 {
		sec = secs[2]
	}
	low := strings.ToLower(sec)
	if strings.ContainsAny(low, "ymdhs") && !strings.ContainsAny(low, "0#") {
		return formatDate(x, sec)
	}
	// literal prefix/suffix around the numeric pattern
	start := strings.IndexAny(sec, "0#?.,")
	if start < 0 {
		return strings.ReplaceAll(sec, "\"", ""), true
	}
	end := strings.LastIndexAny(sec, "0#?.,%E+-")
	prefix, pat, suffix := sec[:start], sec[start:end+1], sec[end+1:]
	pct := strings.Count(sec, "%")
	pat = strings.ReplaceAll(pat, "%", "")
	for i := 0; i < pct; i++ {
		x *= 100
	}
	if strings.Contains(strings.ToUpper(pat), "E") {
		mant, _, _ := strings.Cut(strings.ToUpper(pat), "E")
		dec := 0
		if _, fr, ok := strings.Cut(mant, "."); ok {
			dec = len(fr)
		}
		s := strconv.FormatFloat(math.Abs(x), 'E', dec, 64)
		m, ex, _ := strings.Cut(s, "E")
		sign := ex[0]
		digits := strings.TrimLeft(ex[1:], "0")
		for len(digits) < 2 {
			digits = "0" + digits
		}
		out := m + "E" + string(sign) + digits
		if neg {
			out = "-" + out
		}
		return unquote(prefix) + out + unquote(suffix), true
	}
	comma := strings.Contains(pat, ",")
	intPat, fracPat, _ := strings.Cut(strings.ReplaceAll(pat, ",", ""), ".")
	dec := len(fracPat)
	r := roundHalfAway(math.Abs(x), float64(dec))
	s := strconv.FormatFloat(r, 'f', dec, 64)
	ip, fp, _ := strings.Cut(s, ".")
	minInt := strings.Count(intPat, "0")
	if ip == "0" && minInt == 0 {
		ip = ""
	}
	for len(ip) < minInt {
		ip = "0" + ip
	}
	if comma {
		ip = groupThousands(ip)
	}
	// optional fraction digits (#) drop trailing zeros
	if opt := strings.Count(fracPat, "#"); opt > 0 {
		trim := 0
		for trim < opt && strings.HasSuffix(fp[:len(fp)-trim], "0") {
			trim++
		}
		fp = fp[:len(fp)-trim]
	}
	out := ip
	if dec > 0 && (fp != "" || strings.Contains(pat, ".")) {
		out += "." + fp
	}
	if neg && r != 0 {
		out = "-" + out
	}
	return unquote(prefix) + out + unquote(suffix) + strings.Repeat("%", pct-strings.Count(suffix, "%")-strings.Count(prefix, "%")), true
}

func unquote(s string) string {
	s = strings.ReplaceAll(s, "\"", "")
	s = strings.ReplaceAll(s, "\\", "")
	return strings.ReplaceAll(s, "%", "")
}

func formatDate(x float64, f string) (string, bool) {
	y, mo, d, ok := serialToDate(x)
	if !ok {
		return "", false
	}
	secs := int(math.Round((x - math.Floor(x)) * 86400))
	h, mi, s := secs/3600, secs/60%60, secs%60
	months := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	days := []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	wd := int(math.Mod(math.Floor(x)+6, 7))
	var b strings.Builder
	low := strings.ToLower(f)
	prevHour := false
	for i := 0; i < len(f); {
		run := 1
		for i+run < len(f) && low[i+run] == low[i] {
			run++
		}
		switch low[i] {
		case 'y':
			if run <= 2 {
				b.WriteString(pad(y%100, 2))
			} else {
				b.WriteString(pad(y, 4))
			}
		case 'm':
			if prevHour || i+run < len(low) && strings.HasPrefix(strings.TrimLeft(low[i+run:], ":"), "s") && strings.HasPrefix(low[i+run:], ":") {
				b.WriteString(pad(mi, run))
			} else {
				switch {
				case run == 1:
					b.WriteString(strconv.Itoa(mo))
				case run == 2:
					b.WriteString(pad(mo, 2))
				case run == 3:
					b.WriteString(months[mo-1][:3])
				default:
					b.WriteString(months[mo-1])
				}
			}
		case 'd':
			switch {
			case run <= 2:
				b.WriteString(pad(d, run))
			case run == 3:
				b.WriteString(days[wd][:3])
			default:
				b.WriteString(days[wd])
			}
		case 'h':
			b.WriteString(pad(h, run))
			prevHour = true
			i += run
			continue
		case 's':
			b.WriteString(pad(s, run))
		case '"':
			j := strings.IndexByte(f[i+1:], '"')
			if j < 0 {
				return "", false
			}
			b.WriteString(f[i+1 : i+1+j])
			i += j + 2
			continue
		default:
			b.WriteString(f[i : i+run])
		}
		if low[i] != ':' {
			prevHour = false
		}
		i += run
	}
	return b.String(), true
}

func pad(n, w int) string {
	s := strconv.Itoa(n)
	for len(s) < w {
		s = "0" + s
	}
	return s
}
