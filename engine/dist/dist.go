package dist

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Type names a distribution family. The values are those of the GraphQL enum
// DistributionType.
type Type string

// The distribution families.
const (
	Normal           Type = "NORMAL"
	LogNormal        Type = "LOGNORMAL"
	Uniform          Type = "UNIFORM"
	Triangular       Type = "TRIANGULAR"
	PERT             Type = "PERT"
	Beta             Type = "BETA"
	Gamma            Type = "GAMMA"
	Exponential      Type = "EXPONENTIAL"
	Weibull          Type = "WEIBULL"
	Poisson          Type = "POISSON"
	Binomial         Type = "BINOMIAL"
	Bernoulli        Type = "BERNOULLI"
	Discrete         Type = "DISCRETE"
	Cumulative       Type = "CUMULATIVE"
	Logistic         Type = "LOGISTIC"
	ExtremeValue     Type = "EXTREME_VALUE"
	Student          Type = "STUDENT"
	LogLogistic      Type = "LOGLOGISTIC"
	Pareto           Type = "PARETO"
	NegativeBinomial Type = "NEGATIVE_BINOMIAL"
	General          Type = "GENERAL"
	Histogram        Type = "HISTOGRAM"
	DiscreteUniform  Type = "DISCRETE_UNIFORM"
	IntegerUniform   Type = "INTEGER_UNIFORM"
	Trigen           Type = "TRIGEN"
)

// Types lists every family, in the order of the GraphQL enum.
var Types = []Type{
	Normal, LogNormal, Uniform, Triangular, PERT, Beta, Gamma, Exponential,
	Weibull, Poisson, Binomial, Bernoulli, Discrete, Cumulative,
	Logistic, ExtremeValue, Student, LogLogistic, Pareto, NegativeBinomial,
	General, Histogram, DiscreteUniform, IntegerUniform, Trigen,
}

// ProbabilitySumTolerance is how far from 1 the probabilities of a DISCRETE
// distribution (and the last cumulative probability of a CUMULATIVE one) may
// be: 1e-9 accepts probabilities typed with nine decimals, or computed in a
// spreadsheet, while still catching a forgotten or mistyped value. Accepted
// probabilities are rescaled to sum to exactly 1.
const ProbabilitySumTolerance = 1e-9

// DefaultPERTLambda is the weight of the mode in a beta-PERT distribution:
// mean = (min + λ·mode + max) / (λ + 2). 4 is the classic PERT value (Malcolm
// et al. 1959) used by @RISK's RiskPert and Crystal Ball; Spec.Lambda
// overrides it (the "modified PERT").
const DefaultPERTLambda = 4

// Spec is the parameter set of a distribution, as the user entered it. Which
// fields a Type takes (the @RISK function of the same family in brackets
// where its parameters are named differently):
//
//	NORMAL            Mean, StdDev
//	LOGNORMAL         Mean, StdDev of the variable, or Mu, Sigma of its logarithm
//	UNIFORM           Min, Max
//	TRIANGULAR        Min, Mode, Max
//	PERT              Min, Mode, Max; Lambda (optional, default 4)
//	BETA              Alpha, Beta; Min, Max (optional, default 0 and 1)
//	GAMMA             Shape, and Scale or Rate
//	EXPONENTIAL       Rate
//	WEIBULL           Shape, Scale
//	POISSON           Lambda
//	BINOMIAL          N, P
//	BERNOULLI         P
//	LOGISTIC          Alpha (location), Beta (scale)
//	EXTREME_VALUE     Alpha (location), Beta (scale); Gumbel, maximum form
//	DISCRETE          Values, Probabilities
//	CUMULATIVE        Values and Probabilities as points (x, cumulative p) of a
//	                  piecewise-linear CDF, with optional Min and Max that add the
//	                  points (Min, 0) and (Max, 1); or Values alone, a sample whose
//	                  empirical CDF (interpolated like PERCENTILE.INC) is used
//	STUDENT           Nu (degrees of freedom, > 0 and at most 10,000, not
//	                  necessarily whole); the standard t, centred on 0 with
//	                  scale 1 [RiskStudent(nu)]
//	LOGLOGISTIC       Alpha (shape), Beta (scale); Min (optional, default 0),
//	                  the shift γ and lower bound [RiskLoglogistic(γ, β, α)]
//	PARETO            Shape (θ), Min (a, the lower bound) [RiskPareto(θ, a)]
//	NEGATIVE_BINOMIAL N (s, the number of successes, whole, >= 1), P (the
//	                  probability of success); the number of failures before
//	                  the s-th success [RiskNegbin(s, p)]
//	GENERAL           Min, Max, Values (x), Probabilities (relative densities
//	                  at x): the piecewise-linear density through (Min, 0),
//	                  (x_i, p_i), (Max, 0) [RiskGeneral]
//	HISTOGRAM         Min, Max, Probabilities (relative weights of equal-width
//	                  bins from Min to Max, uniform within a bin) [RiskHistogrm]
//	DISCRETE_UNIFORM  Values, each equally likely [RiskDUniform]
//	INTEGER_UNIFORM   Min, Max (whole numbers): every integer in between, ends
//	                  included, equally likely [RiskIntUniform]
//	TRIGEN            Bottom, Mode, Top, BottomPercentile, TopPercentile: the
//	                  triangular distribution with that mode whose
//	                  BottomPercentile-th percentile is Bottom and
//	                  TopPercentile-th is Top (percentiles from 0 to 100, as in
//	                  @RISK; 0 and 100 make Bottom and Top the minimum and
//	                  maximum) [RiskTrigen]
//
// Every type also takes Shift, TruncateMin and TruncateMax. A field that the type
// does not take is an error rather than silently ignored.
type Spec struct {
	Type                                    Type
	Min, Mode, Max, Mean, StdDev, Mu, Sigma *float64
	Alpha, Beta, Shape, Scale, Rate, Lambda *float64
	P                                       *float64
	N                                       *int
	Values, Probabilities                   []float64
	Nu                                      *float64
	Bottom, Top                             *float64
	BottomPercentile, TopPercentile         *float64
	TruncateMin, TruncateMax                *float64
	// Shift is added to every value (@RISK's RiskShift), before the
	// truncation: TruncateMin and TruncateMax bound the shifted value.
	Shift *float64
}

// Distribution is a univariate probability distribution.
//
// Quantile is the generalised inverse of the CDF, inf{x : CDF(x) >= p}, and
// is how the engine draws values; Quantile(0) and Quantile(1) are the support
// bounds Min and Max, and p outside [0, 1] or NaN gives NaN. Density is the
// probability density for continuous distributions and the probability mass
// at x for discrete ones. Min and Max bound the support and may be infinite.
// Mean and Variance are +Inf where the moment diverges (Pareto with shape
// <= 1) and NaN where it is undefined (Student's t with nu <= 1).
type Distribution interface {
	Quantile(p float64) float64
	CDF(x float64) float64
	Density(x float64) float64
	Mean() float64
	Variance() float64
	Min() float64
	Max() float64
	Discrete() bool
}

// New validates s and builds the distribution of the input named name.
// Invalid parameters give a *ParamError.
func New(name string, s Spec) (Distribution, error) {
	return NewAt(name, "", s)
}

// NewAt is New for an input at cell (for example "Inputs!B2"), which errors
// then mention.
func NewAt(name, cell string, s Spec) (Distribution, error) {
	d, reason := build(s)
	if reason != "" {
		return nil, &ParamError{Input: name, Cell: cell, Reason: reason}
	}
	return d, nil
}

// label is how error messages call a type.
func (t Type) label() string {
	if t == PERT {
		return "PERT"
	}
	return strings.ToLower(string(t))
}

// field names, as in the GraphQL input, for error messages.
func setFields(s *Spec) []string {
	var f []string
	add := func(name string, set bool) {
		if set {
			f = append(f, name)
		}
	}
	add("min", s.Min != nil)
	add("mode", s.Mode != nil)
	add("max", s.Max != nil)
	add("mean", s.Mean != nil)
	add("stdDev", s.StdDev != nil)
	add("mu", s.Mu != nil)
	add("sigma", s.Sigma != nil)
	add("alpha", s.Alpha != nil)
	add("beta", s.Beta != nil)
	add("shape", s.Shape != nil)
	add("scale", s.Scale != nil)
	add("rate", s.Rate != nil)
	add("lambda", s.Lambda != nil)
	add("p", s.P != nil)
	add("n", s.N != nil)
	add("values", s.Values != nil)
	add("probabilities", s.Probabilities != nil)
	add("nu", s.Nu != nil)
	add("bottom", s.Bottom != nil)
	add("top", s.Top != nil)
	add("bottomPercentile", s.BottomPercentile != nil)
	add("topPercentile", s.TopPercentile != nil)
	return f
}

var allowed = map[Type][]string{
	Normal:           {"mean", "stdDev"},
	LogNormal:        {"mean", "stdDev", "mu", "sigma"},
	Uniform:          {"min", "max"},
	Triangular:       {"min", "mode", "max"},
	PERT:             {"min", "mode", "max", "lambda"},
	Beta:             {"alpha", "beta", "min", "max"},
	Gamma:            {"shape", "scale", "rate"},
	Exponential:      {"rate"},
	Weibull:          {"shape", "scale"},
	Poisson:          {"lambda"},
	Binomial:         {"n", "p"},
	Bernoulli:        {"p"},
	Discrete:         {"values", "probabilities"},
	Cumulative:       {"values", "probabilities", "min", "max"},
	Logistic:         {"alpha", "beta"},
	ExtremeValue:     {"alpha", "beta"},
	Student:          {"nu"},
	LogLogistic:      {"alpha", "beta", "min"},
	Pareto:           {"shape", "min"},
	NegativeBinomial: {"n", "p"},
	General:          {"min", "max", "values", "probabilities"},
	Histogram:        {"min", "max", "probabilities"},
	DiscreteUniform:  {"values"},
	IntegerUniform:   {"min", "max"},
	Trigen:           {"bottom", "mode", "top", "bottomPercentile", "topPercentile"},
}

func num(x float64) string { return fmt.Sprintf("%g", x) }

// build returns the distribution or the reason it cannot be built.
func build(s Spec) (Distribution, string) {
	ok, known := allowed[s.Type]
	if !known {
		return nil, fmt.Sprintf("unknown distribution type %q", string(s.Type))
	}
	for _, f := range setFields(&s) {
		if !slices.Contains(ok, f) {
			return nil, fmt.Sprintf("%s does not take %s (it takes %s)", s.Type.label(), f, strings.Join(ok, ", "))
		}
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{
		{"min", s.Min}, {"mode", s.Mode}, {"max", s.Max}, {"mean", s.Mean}, {"stdDev", s.StdDev},
		{"mu", s.Mu}, {"sigma", s.Sigma}, {"alpha", s.Alpha}, {"beta", s.Beta}, {"shape", s.Shape},
		{"scale", s.Scale}, {"rate", s.Rate}, {"lambda", s.Lambda}, {"p", s.P}, {"nu", s.Nu},
		{"bottom", s.Bottom}, {"top", s.Top}, {"bottomPercentile", s.BottomPercentile}, {"topPercentile", s.TopPercentile},
	} {
		if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0)) {
			return nil, fmt.Sprintf("%s must be a finite number (got %s=%g)", s.Type.label(), f.name, *f.v)
		}
	}
	if (s.TruncateMin != nil && math.IsNaN(*s.TruncateMin)) || (s.TruncateMax != nil && math.IsNaN(*s.TruncateMax)) {
		return nil, "truncation bounds must be numbers"
	}
	if s.Shift != nil && (math.IsNaN(*s.Shift) || math.IsInf(*s.Shift, 0)) {
		return nil, fmt.Sprintf("shift must be a finite number (got %g)", *s.Shift)
	}
	d, reason := buildBase(s)
	if reason != "" {
		return nil, reason
	}
	if s.Shift != nil && *s.Shift != 0 {
		d = shift(d, *s.Shift)
	}
	if s.TruncateMin == nil && s.TruncateMax == nil {
		return d, ""
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	if s.TruncateMin != nil {
		lo = *s.TruncateMin
	}
	if s.TruncateMax != nil {
		hi = *s.TruncateMax
	}
	return truncate(d, lo, hi)
}

func buildBase(s Spec) (Distribution, string) {
	l := s.Type.label()
	need := func(names ...string) string { return requireFields(&s, names...) }
	switch s.Type {
	case Normal:
		if r := need("mean", "stdDev"); r != "" {
			return nil, r
		}
		if *s.StdDev <= 0 {
			return nil, fmt.Sprintf("normal requires stdDev > 0 (got stdDev=%s)", num(*s.StdDev))
		}
		return newNormal(*s.Mean, *s.StdDev), ""
	case LogNormal:
		switch {
		case s.Mean != nil || s.StdDev != nil:
			if s.Mu != nil || s.Sigma != nil {
				return nil, "lognormal takes either mean and stdDev (of the variable) or mu and sigma (of its logarithm), not both"
			}
			if r := need("mean", "stdDev"); r != "" {
				return nil, r
			}
			m, sd := *s.Mean, *s.StdDev
			if m <= 0 || sd <= 0 {
				return nil, fmt.Sprintf("lognormal requires mean > 0 and stdDev > 0 (got mean=%s, stdDev=%s)", num(m), num(sd))
			}
			return newLogNormalMoments(m, sd), ""
		default:
			if r := need("mu", "sigma"); r != "" {
				return nil, "lognormal requires mean and stdDev, or mu and sigma"
			}
			if *s.Sigma <= 0 {
				return nil, fmt.Sprintf("lognormal requires sigma > 0 (got sigma=%s)", num(*s.Sigma))
			}
			return newLogNormal(*s.Mu, *s.Sigma), ""
		}
	case Uniform:
		if r := need("min", "max"); r != "" {
			return nil, r
		}
		if !(*s.Min < *s.Max) {
			return nil, fmt.Sprintf("uniform requires min < max (got min=%s, max=%s)", num(*s.Min), num(*s.Max))
		}
		return newUniform(*s.Min, *s.Max), ""
	case Triangular, PERT:
		if r := need("min", "mode", "max"); r != "" {
			return nil, r
		}
		a, c, b := *s.Min, *s.Mode, *s.Max
		if !(a <= c && c <= b) {
			return nil, fmt.Sprintf("%s requires min <= mode <= max (got min=%s, mode=%s, max=%s)", l, num(a), num(c), num(b))
		}
		if !(a < b) {
			return nil, fmt.Sprintf("%s requires min < max (got min=%s, max=%s)", l, num(a), num(b))
		}
		if s.Type == Triangular {
			return newTriangular(a, c, b), ""
		}
		lambda := float64(DefaultPERTLambda)
		if s.Lambda != nil {
			lambda = *s.Lambda
			if lambda <= 0 {
				return nil, fmt.Sprintf("PERT requires lambda > 0 (got lambda=%s)", num(lambda))
			}
		}
		return newPERT(a, c, b, lambda), ""
	case Beta:
		if r := need("alpha", "beta"); r != "" {
			return nil, r
		}
		al, be := *s.Alpha, *s.Beta
		if al <= 0 || be <= 0 {
			return nil, fmt.Sprintf("beta requires alpha > 0 and beta > 0 (got alpha=%s, beta=%s)", num(al), num(be))
		}
		lo, hi := 0.0, 1.0
		if s.Min != nil || s.Max != nil {
			if r := need("min", "max"); r != "" {
				return nil, "beta takes min and max together (or neither, for [0, 1])"
			}
			lo, hi = *s.Min, *s.Max
			if !(lo < hi) {
				return nil, fmt.Sprintf("beta requires min < max (got min=%s, max=%s)", num(lo), num(hi))
			}
		}
		return newBeta(Beta, al, be, lo, hi), ""
	case Gamma:
		if r := need("shape"); r != "" {
			return nil, r
		}
		if (s.Scale == nil) == (s.Rate == nil) {
			return nil, "gamma requires exactly one of scale or rate"
		}
		if *s.Shape <= 0 {
			return nil, fmt.Sprintf("gamma requires shape > 0 (got shape=%s)", num(*s.Shape))
		}
		var scale float64
		if s.Scale != nil {
			if *s.Scale <= 0 {
				return nil, fmt.Sprintf("gamma requires scale > 0 (got scale=%s)", num(*s.Scale))
			}
			scale = *s.Scale
		} else {
			if *s.Rate <= 0 {
				return nil, fmt.Sprintf("gamma requires rate > 0 (got rate=%s)", num(*s.Rate))
			}
			scale = 1 / *s.Rate
		}
		return newGamma(*s.Shape, scale), ""
	case Exponential:
		if r := need("rate"); r != "" {
			return nil, r
		}
		if *s.Rate <= 0 {
			return nil, fmt.Sprintf("exponential requires rate > 0 (got rate=%s)", num(*s.Rate))
		}
		return newExponential(*s.Rate), ""
	case Weibull:
		if r := need("shape", "scale"); r != "" {
			return nil, r
		}
		if *s.Shape <= 0 || *s.Scale <= 0 {
			return nil, fmt.Sprintf("weibull requires shape > 0 and scale > 0 (got shape=%s, scale=%s)", num(*s.Shape), num(*s.Scale))
		}
		return newWeibull(*s.Shape, *s.Scale), ""
	case Poisson:
		if r := need("lambda"); r != "" {
			return nil, r
		}
		if *s.Lambda <= 0 {
			return nil, fmt.Sprintf("poisson requires lambda > 0 (got lambda=%s)", num(*s.Lambda))
		}
		if *s.Lambda > maxPoissonLambda {
			return nil, fmt.Sprintf("poisson requires lambda <= %g (got lambda=%s); use a normal distribution", float64(maxPoissonLambda), num(*s.Lambda))
		}
		return newPoisson(*s.Lambda), ""
	case Binomial:
		if r := need("n", "p"); r != "" {
			return nil, r
		}
		n, p := *s.N, *s.P
		if n < 1 || n > maxBinomialN {
			return nil, fmt.Sprintf("binomial requires 1 <= n <= %d (got n=%d)", maxBinomialN, n)
		}
		if p < 0 || p > 1 {
			return nil, fmt.Sprintf("binomial requires 0 <= p <= 1 (got p=%s)", num(p))
		}
		return newBinomial(n, p), ""
	case Bernoulli:
		if r := need("p"); r != "" {
			return nil, r
		}
		p := *s.P
		if p < 0 || p > 1 {
			return nil, fmt.Sprintf("bernoulli requires 0 <= p <= 1 (got p=%s)", num(p))
		}
		return newBernoulli(p), ""
	case Logistic, ExtremeValue:
		if r := need("alpha", "beta"); r != "" {
			return nil, r
		}
		if *s.Beta <= 0 {
			return nil, fmt.Sprintf("%s requires beta > 0 (got beta=%s)", l, num(*s.Beta))
		}
		if s.Type == Logistic {
			return newLogistic(*s.Alpha, *s.Beta), ""
		}
		return newExtremeValue(*s.Alpha, *s.Beta), ""
	case Student:
		if r := need("nu"); r != "" {
			return nil, r
		}
		if *s.Nu <= 0 {
			return nil, fmt.Sprintf("student requires nu > 0 (got nu=%s)", num(*s.Nu))
		}
		if *s.Nu > maxStudentNu {
			return nil, fmt.Sprintf("student requires nu <= %g (got nu=%s); use a normal distribution, which it then matches within 0.1%%", float64(maxStudentNu), num(*s.Nu))
		}
		return newStudent(*s.Nu), ""
	case LogLogistic:
		if r := need("alpha", "beta"); r != "" {
			return nil, r
		}
		if *s.Alpha <= 0 || *s.Beta <= 0 {
			return nil, fmt.Sprintf("loglogistic requires alpha > 0 and beta > 0 (got alpha=%s, beta=%s)", num(*s.Alpha), num(*s.Beta))
		}
		shift := 0.0
		if s.Min != nil {
			shift = *s.Min
		}
		return newLogLogistic(shift, *s.Beta, *s.Alpha), ""
	case Pareto:
		if r := need("shape", "min"); r != "" {
			return nil, r
		}
		if *s.Shape <= 0 || *s.Min <= 0 {
			return nil, fmt.Sprintf("pareto requires shape > 0 and min > 0 (got shape=%s, min=%s)", num(*s.Shape), num(*s.Min))
		}
		return newPareto(*s.Shape, *s.Min), ""
	case NegativeBinomial:
		return newNegativeBinomialSpec(s)
	case General:
		return newGeneral(s)
	case Histogram:
		return newHistogram(s)
	case DiscreteUniform:
		return newDiscreteUniform(s.Values)
	case IntegerUniform:
		return newIntegerUniformSpec(s)
	case Trigen:
		return newTrigenSpec(s)
	case Discrete:
		return newDiscrete(s.Values, s.Probabilities)
	case Cumulative:
		return newCumulative(s)
	}
	return nil, fmt.Sprintf("unknown distribution type %q", string(s.Type))
}

// requireFields returns the reason s lacks some of the named fields, or "".
func requireFields(s *Spec, names ...string) string {
	var missing []string
	set := setFields(s)
	for _, n := range names {
		if !slices.Contains(set, n) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("%s requires %s", s.Type.label(), strings.Join(missing, " and "))
	}
	return ""
}

// badP reports whether p is a probability.
func badP(p float64) bool { return !(p >= 0 && p <= 1) }
