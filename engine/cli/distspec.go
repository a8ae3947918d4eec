package cli

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/simgraph/simgraph/engine/dist"
)

// DistributionHelp documents the syntax ParseDistribution accepts; it is
// part of `simgraph simulate --help`.
const DistributionHelp = `Distributions (names are case-insensitive; numbers may be written 15%):
  normal(mean,sd)                 lognormal(mean,sd)   of the variable
  lognormal_mu(mu,sigma)          of its logarithm
  uniform(min,max)                triangular(min,mode,max)
  pert(min,mode,max[,lambda])     beta(alpha,beta[,min,max])
  gamma(shape,scale)              exponential(rate)
  weibull(shape,scale)            poisson(lambda)
  binomial(n,p)                   bernoulli(p)
  discrete(v1:p1,v2:p2,...)       values and their probabilities (sum 1)
  cumulative(x1:p1,x2:p2,...)     points (x, P(X<=x)) of a piecewise-linear
                                  CDF; a bare first/last number is the
                                  min/max: cumulative(0,5:0.4,8:0.9,10)
  cumulative(v1,v2,v3,...)        the empirical CDF of a sample
  logistic(alpha,beta)            extreme_value(alpha,beta)  Gumbel, maximum
  student(nu)                     standard t, nu degrees of freedom
  loglogistic(gamma,beta,alpha)   shift, scale, shape (as @RISK)
  pareto(theta,a)                 shape, minimum
  negative_binomial(s,p)          failures before the s-th success
  general(min,max,x1:p1,...)      density through (min,0), (x_i,p_i), (max,0)
  histogram(min,max,p1,p2,...)    equal-width bins with relative weights
  discrete_uniform(v1,v2,...)     each value equally likely
  integer_uniform(min,max)        the integers min..max, equally likely
  trigen(bottom,mode,top,bp,tp)   triangular with bottom at percentile bp
                                  and top at percentile tp (0 to 100)
  @RISK's names work too: negbin, histogrm, duniform, intuniform, extvalue
Truncation, after any of them: normal(0,1)[-2,2], gamma(2,3)[,10], ...[0,]
Semicolons may separate the parameters, as in a spreadsheet that writes
decimal commas; a comma between digits is then a decimal comma:
  triangular(100;120;150)  normal(0,5;1)  discrete(1:0,2;2:0,8)  normal(0;1)[-2;2]
(quote them in the shell: --input 'Inputs!B2=triangular(100;120;150)').
`

// ParseDistribution parses a distribution written as in DistributionHelp
// into a dist.Spec. Errors say what is wrong in the user's terms; the
// parameters' values are checked by dist.New.
func ParseDistribution(text string) (dist.Spec, error) {
	s := strings.TrimSpace(text)
	open := strings.IndexByte(s, '(')
	if open <= 0 {
		return dist.Spec{}, fmt.Errorf("distribution %q: want name(parameters), for example normal(100,15)", text)
	}
	name := strings.ToLower(strings.TrimSpace(s[:open]))
	closing := strings.IndexByte(s, ')')
	if closing < open {
		return dist.Spec{}, fmt.Errorf("distribution %q: missing ')'", text)
	}
	body, rest := s[open+1:closing], strings.TrimSpace(s[closing+1:])
	var spec dist.Spec
	if rest != "" {
		if err := parseTruncation(rest, &spec); err != nil {
			return dist.Spec{}, fmt.Errorf("distribution %q: %w", text, err)
		}
	}
	args, err := splitParams(body)
	if err != nil {
		return dist.Spec{}, fmt.Errorf("distribution %q: %w", text, err)
	}
	if err := parseParams(name, args, &spec); err != nil {
		if strings.Contains(body, ";") && strings.Contains(body, ",") {
			err = fmt.Errorf("%w (%s)", err, semicolonRule)
		}
		return dist.Spec{}, fmt.Errorf("distribution %q: %w", text, err)
	}
	return spec, nil
}

// semicolonRule explains how a parameter list with semicolons is read.
const semicolonRule = "with ';' between the parameters, as in a spreadsheet set to a comma decimal separator, " +
	"a ',' is a decimal comma: normal(0,5;1) is normal(0.5,1)"

// splitParams splits a parameter list at its separators: commas, as in
// normal(0.5,1), or semicolons, the separator of spreadsheets set to a
// comma decimal separator, as in normal(0,5;1). With semicolons, a comma
// inside a parameter is a decimal comma.
func splitParams(body string) ([]string, error) {
	if strings.TrimSpace(body) == "" {
		return nil, nil
	}
	sep := ","
	if strings.Contains(body, ";") {
		sep = ";"
	}
	args := strings.Split(body, sep)
	for i, a := range args {
		a = strings.TrimSpace(a)
		if sep == ";" {
			var err error
			if a, err = decimalComma(a); err != nil {
				return nil, err
			}
		}
		args[i] = a
	}
	return args, nil
}

// decimalComma turns the decimal commas of a parameter ("0,5", or
// "1:0,2" in discrete) into points. A comma is only read as a decimal
// comma when that is its one possible meaning: one comma between digits
// in a number without a point. "1.000,5" and "1,000,000" are refused:
// thousands separators are not read.
func decimalComma(param string) (string, error) {
	parts := strings.Split(param, ":")
	for i, p := range parts {
		comma := strings.IndexByte(p, ',')
		if comma < 0 {
			continue
		}
		digit := func(j int) bool { return j >= 0 && j < len(p) && p[j] >= '0' && p[j] <= '9' }
		if strings.Count(p, ",") > 1 || strings.Contains(p, ".") || !digit(comma-1) || !digit(comma+1) {
			return "", fmt.Errorf("%q is not a number: %s; write numbers without thousands separators", param, semicolonRule)
		}
		parts[i] = p[:comma] + "." + p[comma+1:]
	}
	return strings.Join(parts, ":"), nil
}

// family is a distribution name and its positional parameters.
type family struct {
	typ      dist.Type
	params   []string // required, in order
	optional []string // taken after the required ones
	set      func(s *dist.Spec, v []float64) error
	// percentiles are the names of parameters that are percentiles from 0
	// to 100, where "10%" means 10 rather than 0.1.
	percentiles []string
}

var families = map[string]family{
	"normal": {dist.Normal, []string{"mean", "sd"}, nil, func(s *dist.Spec, v []float64) error {
		s.Mean, s.StdDev = &v[0], &v[1]
		return nil
	}, nil},
	"lognormal": {dist.LogNormal, []string{"mean", "sd"}, nil, func(s *dist.Spec, v []float64) error {
		s.Mean, s.StdDev = &v[0], &v[1]
		return nil
	}, nil},
	"lognormal_mu": {dist.LogNormal, []string{"mu", "sigma"}, nil, func(s *dist.Spec, v []float64) error {
		s.Mu, s.Sigma = &v[0], &v[1]
		return nil
	}, nil},
	"uniform": {dist.Uniform, []string{"min", "max"}, nil, func(s *dist.Spec, v []float64) error {
		s.Min, s.Max = &v[0], &v[1]
		return nil
	}, nil},
	"triangular": {dist.Triangular, []string{"min", "mode", "max"}, nil, func(s *dist.Spec, v []float64) error {
		s.Min, s.Mode, s.Max = &v[0], &v[1], &v[2]
		return nil
	}, nil},
	"pert": {dist.PERT, []string{"min", "mode", "max"}, []string{"lambda"}, func(s *dist.Spec, v []float64) error {
		s.Min, s.Mode, s.Max = &v[0], &v[1], &v[2]
		if len(v) > 3 {
			s.Lambda = &v[3]
		}
		return nil
	}, nil},
	"beta": {dist.Beta, []string{"alpha", "beta"}, []string{"min", "max"}, func(s *dist.Spec, v []float64) error {
		s.Alpha, s.Beta = &v[0], &v[1]
		switch len(v) {
		case 3:
			return fmt.Errorf("beta takes min and max together (or neither, for [0, 1])")
		case 4:
			s.Min, s.Max = &v[2], &v[3]
		}
		return nil
	}, nil},
	"gamma": {dist.Gamma, []string{"shape", "scale"}, nil, func(s *dist.Spec, v []float64) error {
		s.Shape, s.Scale = &v[0], &v[1]
		return nil
	}, nil},
	"exponential": {dist.Exponential, []string{"rate"}, nil, func(s *dist.Spec, v []float64) error {
		s.Rate = &v[0]
		return nil
	}, nil},
	"weibull": {dist.Weibull, []string{"shape", "scale"}, nil, func(s *dist.Spec, v []float64) error {
		s.Shape, s.Scale = &v[0], &v[1]
		return nil
	}, nil},
	"poisson": {dist.Poisson, []string{"lambda"}, nil, func(s *dist.Spec, v []float64) error {
		s.Lambda = &v[0]
		return nil
	}, nil},
	"binomial": {dist.Binomial, []string{"n", "p"}, nil, func(s *dist.Spec, v []float64) error {
		n, err := wholeNumber("binomial n", v[0])
		s.N, s.P = &n, &v[1]
		return err
	}, nil},
	"bernoulli": {dist.Bernoulli, []string{"p"}, nil, func(s *dist.Spec, v []float64) error {
		s.P = &v[0]
		return nil
	}, nil},
	"logistic": {dist.Logistic, []string{"alpha", "beta"}, nil, func(s *dist.Spec, v []float64) error {
		s.Alpha, s.Beta = &v[0], &v[1]
		return nil
	}, nil},
	"extreme_value": {dist.ExtremeValue, []string{"alpha", "beta"}, nil, func(s *dist.Spec, v []float64) error {
		s.Alpha, s.Beta = &v[0], &v[1]
		return nil
	}, nil},
	"student": {dist.Student, []string{"nu"}, nil, func(s *dist.Spec, v []float64) error {
		s.Nu = &v[0]
		return nil
	}, nil},
	"loglogistic": {dist.LogLogistic, []string{"gamma", "beta", "alpha"}, nil, func(s *dist.Spec, v []float64) error {
		s.Min, s.Beta, s.Alpha = &v[0], &v[1], &v[2]
		return nil
	}, nil},
	"pareto": {dist.Pareto, []string{"theta", "a"}, nil, func(s *dist.Spec, v []float64) error {
		s.Shape, s.Min = &v[0], &v[1]
		return nil
	}, nil},
	"negative_binomial": {dist.NegativeBinomial, []string{"s", "p"}, nil, func(s *dist.Spec, v []float64) error {
		n, err := wholeNumber("negative_binomial s", v[0])
		s.N, s.P = &n, &v[1]
		return err
	}, nil},
	"integer_uniform": {dist.IntegerUniform, []string{"min", "max"}, nil, func(s *dist.Spec, v []float64) error {
		s.Min, s.Max = &v[0], &v[1]
		return nil
	}, nil},
	"trigen": {dist.Trigen, []string{"bottom", "mode", "top", "bottom percentile", "top percentile"}, nil, func(s *dist.Spec, v []float64) error {
		s.Bottom, s.Mode, s.Top, s.BottomPercentile, s.TopPercentile = &v[0], &v[1], &v[2], &v[3], &v[4]
		return nil
	}, []string{"bottom percentile", "top percentile"}},
}

// wholeNumber converts a parameter that must be an integer.
func wholeNumber(what string, x float64) (int, error) {
	if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
		return 0, fmt.Errorf("%s must be a whole number (got %g)", what, x)
	}
	return int(x), nil
}

// aliases are other spellings users type.
var aliases = map[string]string{
	"norm": "normal", "gaussian": "normal", "lognorm": "lognormal", "lognormal2": "lognormal_mu",
	"unif": "uniform", "triang": "triangular", "triangle": "triangular", "betapert": "pert",
	"exp": "exponential", "expon": "exponential", "binom": "binomial",
	"extvalue": "extreme_value", "gumbel": "extreme_value", "t": "student",
	"negbin": "negative_binomial", "nbinom": "negative_binomial",
	"histogrm": "histogram", "duniform": "discrete_uniform", "intuniform": "integer_uniform",
}

func parseParams(name string, args []string, spec *dist.Spec) error {
	if a, ok := aliases[name]; ok {
		name = a
	}
	switch name {
	case "discrete":
		spec.Type = dist.Discrete
		return parsePairs(name, args, spec, false)
	case "cumulative":
		spec.Type = dist.Cumulative
		return parsePairs(name, args, spec, true)
	case "discrete_uniform":
		spec.Type = dist.DiscreteUniform
		if len(args) == 0 {
			return fmt.Errorf("discrete_uniform needs values, for example discrete_uniform(1,2,5)")
		}
		values, err := parseNumbers(name+" value", args)
		spec.Values = values
		return err
	case "histogram":
		spec.Type = dist.Histogram
		if len(args) < 3 {
			return fmt.Errorf("histogram takes min, max and at least one bin weight, for example histogram(0,10,1,2,3), got %d parameters", len(args))
		}
		if err := parseBounds(name, args, spec); err != nil {
			return err
		}
		weights, err := parseNumbers(name+" weight", args[2:])
		spec.Probabilities = weights
		return err
	case "general":
		spec.Type = dist.General
		if len(args) < 3 {
			return fmt.Errorf("general takes min, max and at least one x:p point, for example general(0,10,2:1,5:3), got %d parameters", len(args))
		}
		if err := parseBounds(name, args, spec); err != nil {
			return err
		}
		return parsePairs(name, args[2:], spec, false)
	}
	fam, ok := families[name]
	if !ok {
		return fmt.Errorf("unknown distribution %q (known: %s)", name, knownNames)
	}
	spec.Type = fam.typ
	lo, hi := len(fam.params), len(fam.params)+len(fam.optional)
	if len(args) < lo || len(args) > hi {
		all := strings.Join(fam.params, ", ")
		if len(fam.optional) > 0 {
			all += ", [" + strings.Join(fam.optional, ", ") + "]"
		}
		want := strconv.Itoa(lo)
		if hi > lo {
			want = fmt.Sprintf("%d to %d", lo, hi)
		}
		return fmt.Errorf("%s takes %s parameters (%s), got %d", name, want, all, len(args))
	}
	names := append(append([]string{}, fam.params...), fam.optional...)
	v := make([]float64, len(args))
	for i, a := range args {
		x, err := parseNumber(a)
		if err != nil {
			return fmt.Errorf("%s %s: %w", name, names[i], err)
		}
		if slices.Contains(fam.percentiles, names[i]) && strings.HasSuffix(a, "%") {
			x *= 100
		}
		v[i] = x
	}
	return fam.set(spec, v)
}

// parseBounds reads the min and max that open a histogram or general.
func parseBounds(name string, args []string, spec *dist.Spec) error {
	lo, err := parseNumber(args[0])
	if err != nil {
		return fmt.Errorf("%s min: %w", name, err)
	}
	hi, err := parseNumber(args[1])
	if err != nil {
		return fmt.Errorf("%s max: %w", name, err)
	}
	spec.Min, spec.Max = &lo, &hi
	return nil
}

// parseNumbers reads a list of numbers, what naming one in errors.
func parseNumbers(what string, args []string) ([]float64, error) {
	out := make([]float64, len(args))
	for i, a := range args {
		x, err := parseNumber(a)
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", what, i+1, err)
		}
		out[i] = x
	}
	return out, nil
}

// parsePairs reads value:probability items; with bounds (cumulative), a
// bare number first or last is the min or max, and all bare numbers are a
// sample.
func parsePairs(name string, args []string, spec *dist.Spec, bounds bool) error {
	if len(args) == 0 {
		return fmt.Errorf("%s needs value:probability items, for example %s(1:0.2,2:0.8)", name, name)
	}
	bare := 0
	for _, a := range args {
		if !strings.Contains(a, ":") {
			bare++
		}
	}
	if bounds && bare == len(args) {
		for i, a := range args {
			x, err := parseNumber(a)
			if err != nil {
				return fmt.Errorf("%s value %d: %w", name, i+1, err)
			}
			spec.Values = append(spec.Values, x)
		}
		return nil
	}
	for i, a := range args {
		v, p, isPair := strings.Cut(a, ":")
		if !isPair {
			x, err := parseNumber(a)
			switch {
			case !bounds:
				return fmt.Errorf("%s item %d (%q) must be value:probability", name, i+1, a)
			case err != nil:
				return fmt.Errorf("%s item %d: %w", name, i+1, err)
			case i == 0 && spec.Min == nil:
				spec.Min = &x
			case i == len(args)-1 && spec.Max == nil:
				spec.Max = &x
			default:
				return fmt.Errorf("%s item %d (%q): only the first and last items may be bare numbers (the min and max)", name, i+1, a)
			}
			continue
		}
		x, err := parseNumber(v)
		if err != nil {
			return fmt.Errorf("%s item %d value: %w", name, i+1, err)
		}
		q, err := parseNumber(p)
		if err != nil {
			return fmt.Errorf("%s item %d probability: %w", name, i+1, err)
		}
		spec.Values = append(spec.Values, x)
		spec.Probabilities = append(spec.Probabilities, q)
	}
	return nil
}

// parseTruncation reads "[lo,hi]", either bound may be empty.
func parseTruncation(s string, spec *dist.Spec) error {
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return fmt.Errorf("unexpected %q after the parameters (truncation is written [min,max])", s)
	}
	bounds := s[1 : len(s)-1]
	lo, hi, ok := strings.Cut(bounds, ",")
	if strings.Contains(bounds, ";") {
		lo, hi, ok = strings.Cut(bounds, ";")
		var err error
		for _, b := range []*string{&lo, &hi} {
			if *b, err = decimalComma(strings.TrimSpace(*b)); err != nil {
				return fmt.Errorf("truncation %q: %w", s, err)
			}
		}
	}
	if !ok {
		return fmt.Errorf("truncation %q: want [min,max] or [min;max] (a bound may be empty)", s)
	}
	for _, b := range []struct {
		text string
		dst  **float64
		name string
	}{{lo, &spec.TruncateMin, "lower"}, {hi, &spec.TruncateMax, "upper"}} {
		t := strings.TrimSpace(b.text)
		if t == "" {
			continue
		}
		x, err := parseNumber(t)
		if err != nil {
			return fmt.Errorf("truncation %s bound: %w", b.name, err)
		}
		*b.dst = &x
	}
	if spec.TruncateMin == nil && spec.TruncateMax == nil {
		return fmt.Errorf("truncation %q has no bound", s)
	}
	return nil
}

// parseNumber reads a finite number, "15%" meaning 0.15.
func parseNumber(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(t, "%") {
		t, scale = strings.TrimSpace(t[:len(t)-1]), 0.01
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return x * scale, nil
}

// knownNames lists the distribution names for error messages.
const knownNames = "normal, lognormal, lognormal_mu, uniform, triangular, pert, beta, gamma, exponential, weibull, poisson, binomial, bernoulli, discrete, cumulative, " +
	"logistic, extreme_value, student, loglogistic, pareto, negative_binomial, general, histogram, discrete_uniform, integer_uniform, trigen"
