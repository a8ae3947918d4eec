package formula

import (
	"strings"
)

// criteria is a parsed COUNTIF/SUMIF condition such as ">=10", "apple",
// "a*", "<>" or a plain value.
type criteria struct {
	op      string // "=", "<>", "<", ">", "<=", ">="
	val     Value  // number, string, bool, error or blank
	pattern bool   // val.Str holds * ? ~ wildcards
	lower   string
}

func parseCriteria(v Value) criteria {
	switch v.Kind {
	case KindNumber, KindBool, KindError:
		return criteria{op: "=", val: v}
	case KindBlank:
		return criteria{op: "=", val: NumberValue(0)}
	}
	s := v.Str
	op := "="
	for _, o := range []string{"<=", ">=", "<>", "=", "<", ">"} {
		if strings.HasPrefix(s, o) {
			op, s = o, s[len(o):]
			break
		}
	}
	c := criteria{op: op}
	switch {
	case s == "":
		c.val = Blank
	default:
		if f, ok := parseNumber(s); ok {
			c.val = NumberValue(f)
		} else if up := strings.ToUpper(s); up == "TRUE" || up == "FALSE" {
			c.val = BoolValue(up == "TRUE")
		} else if k, ok := ParseErrorCode(s); ok {
			c.val = ErrValueOf(k)
		} else {
			c.val = StringValue(s)
			c.lower = strings.ToLower(s)
			c.pattern = (op == "=" || op == "<>") && strings.ContainsAny(s, "*?~")
		}
	}
	return c
}

func (c *criteria) match(v Value) bool {
	cv := c.val
	switch cv.Kind {
	case KindBlank:
		// "" or "=" matches empty cells; "<>" matches non-empty ones
		empty := v.Kind == KindBlank || v.Kind == KindString && v.Str == ""
		if c.op == "<>" {
			return !empty
		}
		if c.op == "=" {
			return empty
		}
		return false
	case KindNumber:
		x := v
		if v.Kind == KindString && c.op == "=" {
			// "=5" matches the text "5" as well as the number
			if f, ok := parseNumber(v.Str); ok {
				x = NumberValue(f)
			}
		}
		if x.Kind != KindNumber {
			return c.op == "<>"
		}
		return cmpOp(c.op, compareValues(x, cv))
	case KindBool:
		if v.Kind != KindBool {
			return c.op == "<>"
		}
		return cmpOp(c.op, compareValues(v, cv))
	case KindError:
		if v.Kind != KindError {
			return c.op == "<>"
		}
		return cmpOp(c.op, int(v.Err)-int(cv.Err))
	}
	// text criteria
	if v.Kind != KindString {
		if v.Kind == KindBlank && c.op == "<>" {
			return true
		}
		return c.op == "<>"
	}
	if c.pattern {
		m := wildcardMatch(c.lower, strings.ToLower(v.Str))
		if c.op == "<>" {
			return !m
		}
		return m
	}
	return cmpOp(c.op, strings.Compare(strings.ToLower(v.Str), c.lower))
}

func cmpOp(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "<>":
		return c != 0
	case "<":
		return c < 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	case ">=":
		return c >= 0
	}
	return false
}

// wildcardMatch matches Excel patterns: * any run, ? one character, ~
// escapes the next character.
func wildcardMatch(p, s string) bool {
	pr, sr := []rune(p), []rune(s)
	var rec func(i, j int) bool
	memo := map[[2]int]bool{}
	rec = func(i, j int) bool {
		if i == len(pr) {
			return j == len(sr)
		}
		k := [2]int{i, j}
		if r, ok := memo[k]; ok {
			return r
		}
		var res bool
		switch pr[i] {
		case '*':
			res = rec(i+1, j) || j < len(sr) && rec(i, j+1)
		case '?':
			res = j < len(sr) && rec(i+1, j+1)
		case '~':
			if i+1 < len(pr) {
				res = j < len(sr) && sr[j] == pr[i+1] && rec(i+2, j+1)
			} else {
				res = j < len(sr) && sr[j] == '~' && rec(i+1, j+1)
			}
		default:
			res = j < len(sr) && sr[j] == pr[i] && rec(i+1, j+1)
		}
		memo[k] = res
		return res
	}
	return rec(0, 0)
}
