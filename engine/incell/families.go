package incell

import (
	"math"

	"github.com/simgraph/simgraph/engine/dist"
)

// family maps one in-cell distribution function to a dist.Spec: params
// names its positional arguments (for messages), build reads them.
type family struct {
	params []string
	build  func(a *args) dist.Spec
}

func f(v float64) *float64 { return &v }

// families are keyed by the upper-case function name, as the parser gives
// it. @RISK and ModelRisk give the exponential its mean, not its rate.
var families = map[string]family{
	"RISKNORMAL":  {[]string{"mean", "sd"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.Normal, Mean: a.num(0), StdDev: a.num(1)} }},
	"RISKLOGNORM": {[]string{"mean", "sd"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.LogNormal, Mean: a.num(0), StdDev: a.num(1)} }},
	"RISKLOGNORM2": {[]string{"mu", "sigma"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.LogNormal, Mu: a.num(0), Sigma: a.num(1)}
	}},
	"RISKUNIFORM": {[]string{"min", "max"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.Uniform, Min: a.num(0), Max: a.num(1)} }},
	"RISKTRIANG":  {[]string{"min", "mode", "max"}, triangular},
	"RISKTRIGEN": {[]string{"bottom", "mode", "top", "bottomPerc", "topPerc"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.Trigen, Bottom: a.num(0), Mode: a.num(1), Top: a.num(2), BottomPercentile: a.num(3), TopPercentile: a.num(4)}
	}},
	"RISKPERT": {[]string{"min", "mode", "max"}, pert},
	"RISKBETA": {[]string{"alpha1", "alpha2"}, beta},
	"RISKBETAGENERAL": {[]string{"alpha1", "alpha2", "min", "max"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.Beta, Alpha: a.num(0), Beta: a.num(1), Min: a.num(2), Max: a.num(3)}
	}},
	"RISKGAMMA":      {[]string{"alpha", "beta"}, gamma},
	"RISKEXPON":      {[]string{"beta"}, exponential},
	"RISKWEIBULL":    {[]string{"alpha", "beta"}, weibull},
	"RISKPOISSON":    {[]string{"lambda"}, poisson},
	"RISKBINOMIAL":   {[]string{"n", "p"}, binomial},
	"RISKBERNOULLI":  {[]string{"p"}, bernoulli},
	"RISKDISCRETE":   {[]string{"{x}", "{p}"}, discrete},
	"RISKDUNIFORM":   {[]string{"{x}"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.DiscreteUniform, Values: a.nums(0)} }},
	"RISKINTUNIFORM": {[]string{"min", "max"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.IntegerUniform, Min: a.num(0), Max: a.num(1)} }},
	"RISKCUMUL": {[]string{"min", "max", "{x}", "{p}"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.Cumulative, Min: a.num(0), Max: a.num(1), Values: a.nums(2), Probabilities: a.nums(3)}
	}},
	"RISKHISTOGRM": {[]string{"min", "max", "{p}"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.Histogram, Min: a.num(0), Max: a.num(1), Probabilities: a.nums(2)}
	}},
	"RISKSTUDENT":  {[]string{"nu"}, student},
	"RISKLOGISTIC": {[]string{"alpha", "beta"}, logistic},
	"RISKLOGLOGISTIC": {[]string{"gamma", "beta", "alpha"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.LogLogistic, Min: a.num(0), Beta: a.num(1), Alpha: a.num(2)}
	}},
	"RISKPARETO":   {[]string{"theta", "a"}, pareto},
	"RISKEXTVALUE": {[]string{"alpha", "beta"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.ExtremeValue, Alpha: a.num(0), Beta: a.num(1)} }},
	"RISKNEGBIN":   {[]string{"s", "p"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.NegativeBinomial, N: a.whole(0), P: a.num(1)} }},
	"RISKGENERAL": {[]string{"min", "max", "{x}", "{p}"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.General, Min: a.num(0), Max: a.num(1), Values: a.nums(2), Probabilities: a.nums(3)}
	}},

	// ModelRisk, as Vose Software's help pages give the parameters
	// (vosesoftware.com/ModelRiskHelp and riskwiki): VoseLognormal takes
	// the mean and standard deviation of the variable itself, like
	// RiskLognorm; VoseLognormalE(m, s) is EXP(Normal(m, s)) ("LognormalE
	// distribution"), like RiskLognorm2.
	//
	// Formats checked against the stored copies of those pages (every
	// ModelRisk function takes an optional U last, read as a copula link):
	//   VoseTriangle(min, mode, max, U)   ModelRiskHelp …/Continuous_distributions/Triangle_distribution.htm
	//   VoseUniform(min, max, U)          ModelRiskHelp …/Continuous_distributions/Uniform_distribution.htm
	//   VoseBeta4(a, b, min, max, U)      ModelRiskHelp …/Continuous_distributions/Beta4_distribution.htm
	//   VoseHistogram(min, max, {fi}, U)  ModelRiskHelp …/Continuous_distributions/Histogram_distribution.htm
	//                                     (equally spaced bands, relative frequencies)
	//   VoseDUniform({xi}, U)             ModelRiskHelp …/Discrete_distributions/Discrete_Uniform.htm
	//   VoseNegBin(s, p, U)               ModelRiskHelp …/Discrete_distributions/Negative_Binomial.htm
	//                                     ("the number of failures there will be before s successes")
	//   VoseGamma(α, β) β a scale         the same page: Poisson(Gamma(a, b)) = NegBin(a, 1/(b+1)),
	//                                     which holds for b the scale
	//   VosePERT(min, mode, max)          ModelRiskHelp …/Modified_PERT_distribution.htm: the standard
	//                                     PERT is ModPERT with g = 4, mean (min+4·mode+max)/6
	//   VoseExtValueMax(a, b)             riskwiki ExtremeValueMaxdistribution.php (format, Gumbel of maxima)
	//   VosePareto(θ, a)                  ModelRiskHelp …/Distribution_functions_and_the_U_parameter.htm:
	//                                     Pareto(20, 0.95) has 70th percentile 1.00895
	//   VoseNormal(μ, σ), VoseXBounds(min, max) after an empty U
	//                                     riskwiki DistributionfunctionsandtheUparameter.php
	// No page in those copies gives the format of VoseLogLogistic, VoseRelative
	// (the general density) or VoseStepUniform, so they are not read; ModelRisk
	// has no Trigen. VoseExtValueMin has a page without a format, and the
	// engine has no Gumbel of minima. TestWorkbookFunctionCoverage simulates
	// every function here against its analytic moments.
	"VOSENORMAL":     {[]string{"mu", "sigma"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.Normal, Mean: a.num(0), StdDev: a.num(1)} }},
	"VOSELOGNORMAL":  {[]string{"mu", "sigma"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.LogNormal, Mean: a.num(0), StdDev: a.num(1)} }},
	"VOSELOGNORMALE": {[]string{"m", "s"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.LogNormal, Mu: a.num(0), Sigma: a.num(1)} }},
	// VoseExtValueMax(a, b): riskwiki's "Maximum Extreme Value
	// distribution" gives the format ExtValueMax(a, b) and calls it the
	// Gumbel distribution of maxima; a is read as its location and b its
	// scale, the Gumbel's two parameters in that order (the page's
	// equations are images), as RiskExtValue(α, β) documents them.
	// VoseNegBin(s, p): "the number of failures there will be before s
	// successes are achieved" (ModelRisk help, Negative Binomial), as
	// RiskNegbin.
	"VOSENEGBIN":      {[]string{"s", "p"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.NegativeBinomial, N: a.whole(0), P: a.num(1)} }},
	"VOSEEXTVALUEMAX": {[]string{"a", "b"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.ExtremeValue, Alpha: a.num(0), Beta: a.num(1)} }},
	"VOSEUNIFORM":     {[]string{"min", "max"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.Uniform, Min: a.num(0), Max: a.num(1)} }},
	"VOSETRIANGLE":    {[]string{"min", "mode", "max"}, triangular},
	"VOSEPERT":        {[]string{"min", "mode", "max"}, pert},
	"VOSEBETA":        {[]string{"alpha", "beta"}, beta},
	"VOSEGAMMA":       {[]string{"alpha", "beta"}, gamma},
	"VOSEEXPON":       {[]string{"beta"}, exponential},
	"VOSEWEIBULL":     {[]string{"alpha", "beta"}, weibull},
	"VOSEPOISSON":     {[]string{"lambda"}, poisson},
	"VOSEBINOMIAL":    {[]string{"n", "p"}, binomial},
	"VOSEBERNOULLI":   {[]string{"p"}, bernoulli},
	"VOSEDISCRETE":    {[]string{"{x}", "{p}"}, discrete},
	// VoseBeta4(a, b, min, max, U), VoseHistogram(min, max, {fi}, U) and
	// VoseDUniform({xi}, U), as ModelRisk's help gives their formats
	// (ModelRiskHelp, Distributions: "Beta4 distribution", "Histogram
	// distribution", "Discrete Uniform"): RiskBetaGeneral's, RiskHistogrm's
	// and RiskDUniform's parameters in the same order.
	"VOSEBETA4": {[]string{"a", "b", "min", "max"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.Beta, Alpha: a.num(0), Beta: a.num(1), Min: a.num(2), Max: a.num(3)}
	}},
	"VOSEHISTOGRAM": {[]string{"min", "max", "{f}"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.Histogram, Min: a.num(0), Max: a.num(1), Probabilities: a.nums(2)}
	}},
	"VOSEDUNIFORM": {[]string{"{x}"}, func(a *args) dist.Spec { return dist.Spec{Type: dist.DiscreteUniform, Values: a.nums(0)} }},
	// VoseStudent(ν) is the classical Student t that riskwiki's
	// Three-Parameter Student page rescales (no page of its own was found).
	"VOSESTUDENT":  {[]string{"nu"}, student},
	"VOSELOGISTIC": {[]string{"alpha", "beta"}, logistic},
	"VOSEPARETO":   {[]string{"theta", "a"}, pareto},
	// VoseCumulA(min, max, {x}, {P}): P the cumulative probabilities at x,
	// ascending, as RiskCumul.
	"VOSECUMULA": {[]string{"min", "max", "{x}", "{P}"}, func(a *args) dist.Spec {
		return dist.Spec{Type: dist.Cumulative, Min: a.num(0), Max: a.num(1), Values: a.nums(2), Probabilities: a.nums(3)}
	}},
}

func triangular(a *args) dist.Spec {
	return dist.Spec{Type: dist.Triangular, Min: a.num(0), Mode: a.num(1), Max: a.num(2)}
}
func pert(a *args) dist.Spec {
	return dist.Spec{Type: dist.PERT, Min: a.num(0), Mode: a.num(1), Max: a.num(2)}
}
func beta(a *args) dist.Spec { return dist.Spec{Type: dist.Beta, Alpha: a.num(0), Beta: a.num(1)} }
func gamma(a *args) dist.Spec {
	return dist.Spec{Type: dist.Gamma, Shape: a.num(0), Scale: a.num(1)}
}
func exponential(a *args) dist.Spec {
	mean := a.num(0)
	if mean != nil && !(*mean > 0) {
		a.fail("the mean (beta) must be > 0, got %g", *mean)
		return dist.Spec{}
	}
	if mean == nil {
		return dist.Spec{}
	}
	return dist.Spec{Type: dist.Exponential, Rate: f(1 / *mean)}
}
func weibull(a *args) dist.Spec {
	return dist.Spec{Type: dist.Weibull, Shape: a.num(0), Scale: a.num(1)}
}
func poisson(a *args) dist.Spec   { return dist.Spec{Type: dist.Poisson, Lambda: a.num(0)} }
func binomial(a *args) dist.Spec  { return dist.Spec{Type: dist.Binomial, N: a.whole(0), P: a.num(1)} }
func bernoulli(a *args) dist.Spec { return dist.Spec{Type: dist.Bernoulli, P: a.num(0)} }
func student(a *args) dist.Spec   { return dist.Spec{Type: dist.Student, Nu: a.num(0)} }
func logistic(a *args) dist.Spec {
	return dist.Spec{Type: dist.Logistic, Alpha: a.num(0), Beta: a.num(1)}
}
func pareto(a *args) dist.Spec { return dist.Spec{Type: dist.Pareto, Shape: a.num(0), Min: a.num(1)} }

// discrete normalises the weights, as @RISK and ModelRisk do: their
// probabilities need not sum to 1.
func discrete(a *args) dist.Spec {
	s := dist.Spec{Type: dist.Discrete, Values: a.nums(0), Probabilities: a.nums(1)}
	sum := 0.0
	for _, p := range s.Probabilities {
		if !(p >= 0) {
			a.fail("the probabilities must be >= 0, got %g", p)
			return s
		}
		sum += p
	}
	if len(s.Probabilities) > 0 && sum > 0 {
		for i := range s.Probabilities {
			s.Probabilities[i] /= sum
		}
	}
	return s
}

// shift moves s by d in place: into its family's location parameters when
// it has some to absorb it (every value of the shifted distribution is a
// value of s plus d), so that the input reads as users write it
// (Normal(mean+d, sd)), else through Spec.Shift, which adds d to every
// value of any family.
func shift(s *dist.Spec, d float64) {
	add := func(ps ...*float64) {
		for _, p := range ps {
			if p != nil {
				*p += d
			}
		}
	}
	addAll := func(v []float64) {
		for i := range v {
			v[i] += d
		}
	}
	switch s.Type {
	case dist.Normal:
		add(s.Mean)
	case dist.Uniform, dist.Histogram:
		add(s.Min, s.Max)
	case dist.Triangular, dist.PERT:
		add(s.Min, s.Mode, s.Max)
	case dist.Trigen:
		add(s.Bottom, s.Mode, s.Top)
	case dist.Beta:
		if s.Min == nil {
			s.Min, s.Max = f(0), f(1)
		}
		add(s.Min, s.Max)
	case dist.Logistic, dist.ExtremeValue:
		add(s.Alpha)
	case dist.LogLogistic:
		if s.Min == nil {
			s.Min = f(0)
		}
		add(s.Min)
	case dist.Discrete, dist.DiscreteUniform:
		addAll(s.Values)
	case dist.Cumulative, dist.General:
		add(s.Min, s.Max)
		addAll(s.Values)
	case dist.IntegerUniform:
		if d != math.Trunc(d) {
			s.Shift = f(d)
			return
		}
		add(s.Min, s.Max)
	default:
		s.Shift = f(d)
	}
}

// descriptiveProperties are the property functions a distribution call may carry
// that only describe it (units, category, whether to keep its samples)
// and so change nothing in a simulation.
var descriptiveProperties = map[string]bool{
	"RISKUNITS": true, "RISKCATEGORY": true, "RISKCOLLECT": true,
}
