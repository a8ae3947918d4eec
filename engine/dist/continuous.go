package dist

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// continuous is embedded by the continuous families.
type continuous struct{}

func (continuous) Discrete() bool { return false }

// normal is N(mu, sigma²).
type normal struct {
	continuous
	mu, sigma float64
}

func newNormal(mu, sigma float64) normal { return normal{mu: mu, sigma: sigma} }

func (d normal) Quantile(p float64) float64 {
	if badP(p) {
		return math.NaN()
	}
	return d.mu + d.sigma*mathext.NormalQuantile(p)
}

func (d normal) CDF(x float64) float64 {
	return 0.5 * math.Erfc(-(x-d.mu)/(d.sigma*math.Sqrt2))
}

func (d normal) Density(x float64) float64 {
	return distuv.Normal{Mu: d.mu, Sigma: d.sigma}.Prob(x)
}

func (d normal) Mean() float64     { return d.mu }
func (d normal) Variance() float64 { return d.sigma * d.sigma }
func (d normal) Min() float64      { return math.Inf(-1) }
func (d normal) Max() float64      { return math.Inf(1) }

// logNormal is exp(N(mu, sigma²)).
type logNormal struct {
	continuous
	mu, sigma float64
}

func newLogNormal(mu, sigma float64) logNormal { return logNormal{mu: mu, sigma: sigma} }

// newLogNormalMoments is the lognormal whose variable (not its logarithm) has
// the given mean and standard deviation: sigma² = ln(1 + sd²/mean²),
// mu = ln(mean) − sigma²/2.
func newLogNormalMoments(mean, sd float64) logNormal {
	s2 := math.Log1p((sd / mean) * (sd / mean))
	return logNormal{mu: math.Log(mean) - s2/2, sigma: math.Sqrt(s2)}
}

func (d logNormal) Quantile(p float64) float64 {
	if badP(p) {
		return math.NaN()
	}
	return math.Exp(d.mu + d.sigma*mathext.NormalQuantile(p))
}

func (d logNormal) CDF(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return 0.5 * math.Erfc(-(math.Log(x)-d.mu)/(d.sigma*math.Sqrt2))
}

func (d logNormal) Density(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return distuv.LogNormal{Mu: d.mu, Sigma: d.sigma}.Prob(x)
}

func (d logNormal) Mean() float64 { return math.Exp(d.mu + d.sigma*d.sigma/2) }
func (d logNormal) Variance() float64 {
	s2 := d.sigma * d.sigma
	return math.Expm1(s2) * math.Exp(2*d.mu+s2)
}
func (d logNormal) Min() float64 { return 0 }
func (d logNormal) Max() float64 { return math.Inf(1) }

// uniform is U(a, b).
type uniform struct {
	continuous
	a, b float64
}

func newUniform(a, b float64) uniform { return uniform{a: a, b: b} }

func (d uniform) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 1:
		return d.b
	}
	return d.a + p*(d.b-d.a)
}

func (d uniform) CDF(x float64) float64 {
	switch {
	case x <= d.a:
		return 0
	case x >= d.b:
		return 1
	}
	return (x - d.a) / (d.b - d.a)
}

func (d uniform) Density(x float64) float64 {
	if x < d.a || x > d.b {
		return 0
	}
	return 1 / (d.b - d.a)
}

func (d uniform) Mean() float64     { return (d.a + d.b) / 2 }
func (d uniform) Variance() float64 { return (d.b - d.a) * (d.b - d.a) / 12 }
func (d uniform) Min() float64      { return d.a }
func (d uniform) Max() float64      { return d.b }

// triangular has minimum a, mode c and maximum b; typ is TRIANGULAR, or
// TRIGEN when the bounds were solved from percentiles.
type triangular struct {
	continuous
	typ     Type
	a, c, b float64
	f       float64 // CDF at the mode, (c−a)/(b−a)
}

func newTriangular(a, c, b float64) triangular {
	return triangular{typ: Triangular, a: a, c: c, b: b, f: (c - a) / (b - a)}
}

func (d triangular) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p < d.f:
		return d.a + math.Sqrt(p*(d.b-d.a)*(d.c-d.a))
	}
	return d.b - math.Sqrt((1-p)*(d.b-d.a)*(d.b-d.c))
}

func (d triangular) CDF(x float64) float64 {
	switch {
	case x <= d.a:
		return 0
	case x >= d.b:
		return 1
	case x <= d.c:
		return (x - d.a) * (x - d.a) / ((d.b - d.a) * (d.c - d.a))
	}
	return 1 - (d.b-x)*(d.b-x)/((d.b-d.a)*(d.b-d.c))
}

func (d triangular) Density(x float64) float64 {
	switch {
	case x < d.a || x > d.b:
		return 0
	case x < d.c:
		return 2 * (x - d.a) / ((d.b - d.a) * (d.c - d.a))
	case x == d.c:
		return 2 / (d.b - d.a)
	}
	return 2 * (d.b - x) / ((d.b - d.a) * (d.b - d.c))
}

func (d triangular) Mean() float64 { return (d.a + d.b + d.c) / 3 }
func (d triangular) Variance() float64 {
	a, b, c := d.a, d.b, d.c
	return (a*a + b*b + c*c - a*b - a*c - b*c) / 18
}
func (d triangular) Min() float64 { return d.a }
func (d triangular) Max() float64 { return d.b }

// scaledBeta is lo + (hi−lo)·Beta(alpha, beta); PERT is a scaledBeta too.
type scaledBeta struct {
	continuous
	typ         Type
	alpha, beta float64
	lo, w       float64
}

func newBeta(typ Type, alpha, beta, lo, hi float64) scaledBeta {
	return scaledBeta{typ: typ, alpha: alpha, beta: beta, lo: lo, w: hi - lo}
}

// newPERT is the beta-PERT distribution: a beta on [a, b] with
// alpha = 1 + λ(c−a)/(b−a) and beta = 1 + λ(b−c)/(b−a), whose mean is
// (a + λc + b)/(λ + 2).
func newPERT(a, c, b, lambda float64) scaledBeta {
	w := b - a
	return newBeta(PERT, 1+lambda*(c-a)/w, 1+lambda*(b-c)/w, a, b)
}

func (d scaledBeta) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return d.lo
	case p == 1:
		return d.lo + d.w
	}
	return d.lo + d.w*mathext.InvRegIncBeta(d.alpha, d.beta, p)
}

func (d scaledBeta) CDF(x float64) float64 {
	z := (x - d.lo) / d.w
	switch {
	case z <= 0:
		return 0
	case z >= 1:
		return 1
	}
	return mathext.RegIncBeta(d.alpha, d.beta, z)
}

func (d scaledBeta) Density(x float64) float64 {
	z := (x - d.lo) / d.w
	if z < 0 || z > 1 {
		return 0
	}
	return distuv.Beta{Alpha: d.alpha, Beta: d.beta}.Prob(z) / d.w
}

func (d scaledBeta) Mean() float64 { return d.lo + d.w*d.alpha/(d.alpha+d.beta) }
func (d scaledBeta) Variance() float64 {
	s := d.alpha + d.beta
	return d.w * d.w * d.alpha * d.beta / (s * s * (s + 1))
}
func (d scaledBeta) Min() float64 { return d.lo }
func (d scaledBeta) Max() float64 { return d.lo + d.w }

// gamma has shape k and scale theta.
type gamma struct {
	continuous
	k, theta float64
}

func newGamma(k, theta float64) gamma { return gamma{k: k, theta: theta} }

func (d gamma) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return 0
	case p == 1:
		return math.Inf(1)
	}
	return d.theta * gammaQuantile(d.k, p)
}

// gammaQuantile is the quantile of Gamma(k, 1). gonum's inverse incomplete
// gamma underflows to 0 deep in the lower tail of small shapes (k = 0.3,
// p = 1e-10 gives 0 instead of 1.6e-34); there the series
// P(k, x) = x^k/Γ(k+1)·(1 − k·x/(k+1) + …) gives x₀ = (p·Γ(k+1))^(1/k),
// which Newton steps on log x then polish.
func gammaQuantile(k, p float64) float64 {
	lg, _ := math.Lgamma(k + 1)
	x := math.Exp((math.Log(p) + lg) / k)
	if x > smallGammaQuantile {
		return mathext.GammaIncRegInv(k, p)
	}
	lgk, _ := math.Lgamma(k)
	for range 3 {
		cdf := mathext.GammaIncReg(k, x)
		if cdf <= 0 {
			break
		}
		// d log P / d log x = x·f(x)/P with f the Gamma(k, 1) density.
		slope := math.Exp(k*math.Log(x)-x-lgk) / cdf
		x *= math.Exp(-(math.Log(cdf) - math.Log(p)) / slope)
	}
	return x
}

// smallGammaQuantile is where gammaQuantile switches from gonum's inverse to
// the lower-tail series: below it the series starting point is already
// within about 1e-3 relative and three Newton steps reach full precision.
const smallGammaQuantile = 1e-3

func (d gamma) CDF(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return mathext.GammaIncReg(d.k, x/d.theta)
}

func (d gamma) Density(x float64) float64 {
	if x < 0 {
		return 0
	}
	return distuv.Gamma{Alpha: d.k, Beta: 1 / d.theta}.Prob(x)
}

func (d gamma) Mean() float64     { return d.k * d.theta }
func (d gamma) Variance() float64 { return d.k * d.theta * d.theta }
func (d gamma) Min() float64      { return 0 }
func (d gamma) Max() float64      { return math.Inf(1) }

// exponential has the given rate (1/mean).
type exponential struct {
	continuous
	rate float64
}

func newExponential(rate float64) exponential { return exponential{rate: rate} }

func (d exponential) Quantile(p float64) float64 {
	if badP(p) {
		return math.NaN()
	}
	return -math.Log1p(-p) / d.rate
}

func (d exponential) CDF(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return -math.Expm1(-d.rate * x)
}

func (d exponential) Density(x float64) float64 {
	if x < 0 {
		return 0
	}
	return d.rate * math.Exp(-d.rate*x)
}

func (d exponential) Mean() float64     { return 1 / d.rate }
func (d exponential) Variance() float64 { return 1 / (d.rate * d.rate) }
func (d exponential) Min() float64      { return 0 }
func (d exponential) Max() float64      { return math.Inf(1) }

// weibull has shape k and scale lambda.
type weibull struct {
	continuous
	k, lambda float64
}

func newWeibull(k, lambda float64) weibull { return weibull{k: k, lambda: lambda} }

func (d weibull) Quantile(p float64) float64 {
	if badP(p) {
		return math.NaN()
	}
	return d.lambda * math.Pow(-math.Log1p(-p), 1/d.k)
}

func (d weibull) CDF(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return -math.Expm1(-math.Pow(x/d.lambda, d.k))
}

func (d weibull) Density(x float64) float64 {
	if x < 0 {
		return 0
	}
	return distuv.Weibull{K: d.k, Lambda: d.lambda}.Prob(x)
}

func (d weibull) Mean() float64 { return d.lambda * math.Gamma(1+1/d.k) }
func (d weibull) Variance() float64 {
	g1 := math.Gamma(1 + 1/d.k)
	return d.lambda * d.lambda * (math.Gamma(1+2/d.k) - g1*g1)
}
func (d weibull) Min() float64 { return 0 }
func (d weibull) Max() float64 { return math.Inf(1) }

// logistic has location alpha and scale beta (@RISK's RiskLogistic).
type logistic struct {
	continuous
	alpha, beta float64
}

func newLogistic(alpha, beta float64) logistic { return logistic{alpha: alpha, beta: beta} }

func (d logistic) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	}
	return d.alpha + d.beta*(math.Log(p)-math.Log1p(-p))
}

func (d logistic) CDF(x float64) float64 {
	z := (x - d.alpha) / d.beta
	if z > 0 {
		// 1 − upper tail keeps the tail's relative accuracy.
		e := math.Exp(-z)
		return 1 - e/(1+e)
	}
	return 1 / (1 + math.Exp(-z))
}

func (d logistic) Density(x float64) float64 {
	e := math.Exp(-math.Abs(x-d.alpha) / d.beta)
	return e / (d.beta * (1 + e) * (1 + e))
}

func (d logistic) Mean() float64     { return d.alpha }
func (d logistic) Variance() float64 { return d.beta * d.beta * math.Pi * math.Pi / 3 }
func (d logistic) Min() float64      { return math.Inf(-1) }
func (d logistic) Max() float64      { return math.Inf(1) }

// extremeValue is the Gumbel distribution of maxima, with location alpha
// and scale beta (@RISK's RiskExtValue): CDF(x) = exp(−exp(−(x−α)/β)).
type extremeValue struct {
	continuous
	alpha, beta float64
}

func newExtremeValue(alpha, beta float64) extremeValue {
	return extremeValue{alpha: alpha, beta: beta}
}

func (d extremeValue) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	}
	return d.alpha - d.beta*math.Log(-math.Log(p))
}

func (d extremeValue) CDF(x float64) float64 {
	return math.Exp(-math.Exp(-(x - d.alpha) / d.beta))
}

func (d extremeValue) Density(x float64) float64 {
	z := (x - d.alpha) / d.beta
	return math.Exp(-z-math.Exp(-z)) / d.beta
}

// eulerGamma is the Euler–Mascheroni constant.
const eulerGamma = 0.57721566490153286060651209008240243

func (d extremeValue) Mean() float64     { return d.alpha + eulerGamma*d.beta }
func (d extremeValue) Variance() float64 { return d.beta * d.beta * math.Pi * math.Pi / 6 }
func (d extremeValue) Min() float64      { return math.Inf(-1) }
func (d extremeValue) Max() float64      { return math.Inf(1) }

// student is Student's t with nu degrees of freedom, centred on 0 with
// scale 1 (@RISK's RiskStudent).
type student struct {
	continuous
	nu float64
}

func newStudent(nu float64) student { return student{nu: nu} }

// Quantile inverts F(t) = 1 − I_x(ν/2, 1/2)/2 with x = ν/(ν+t²) for t > 0,
// as gonum's distuv.StudentsT does, with two corrections. Near the median
// gonum recovers t from 1 − x, which has cancelled (ν = 4,
// p = 0.5 − 2⁻⁴⁰ gives −2.1e-8 instead of −2.4e-12), so there the
// complementary form 1 − x = I⁻¹(1/2, ν/2; |2p−1|) is inverted directly.
// In the tails of large ν the inverse incomplete beta loses digits (ν =
// 1000, p = 1e-10 is off by 3e-7 relative), so two Newton steps on the
// lower tail's CDF, which stays accurate, polish it.
func (d student) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	case p == 0.5:
		return 0
	}
	var t float64
	if c := math.Abs(2*p - 1); c < studentCentralBand {
		y := mathext.InvRegIncBeta(0.5, d.nu/2, c) // 1 − x
		t = math.Sqrt(d.nu * y / (1 - y))
	} else {
		q := math.Min(p, 1-p)
		x := mathext.InvRegIncBeta(d.nu/2, 0.5, 2*q)
		t = -math.Sqrt(d.nu * (1 - x) / x) // the q-quantile, in the lower tail
		if d.nu > studentPolishNu {
			dt := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: d.nu}
			for range 2 {
				t -= (dt.CDF(t) - q) / dt.Prob(t)
			}
		}
		t = -t
	}
	if p < 0.5 {
		return -t
	}
	return t
}

// studentCentralBand is the |2p−1| below which the t quantile is computed
// from 1 − x: near the median 1 − x is small and must keep its relative
// accuracy, in the tails x is.
const studentCentralBand = 0.5

// studentPolishNu is the ν above which tail quantiles get Newton steps:
// up to 100 the inverse incomplete beta alone is accurate to 1e-15
// relative down to p = 1e-10.
const studentPolishNu = 100

// maxStudentNu bounds the degrees of freedom: up to it, the polished
// quantile stays within 1e-12 relative; beyond, the t differs from the
// standard normal by less than 0.1% even at p = 1e-10.
const maxStudentNu = 1e4

func (d student) CDF(x float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: d.nu}.CDF(x)
}

func (d student) Density(x float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: d.nu}.Prob(x)
}

// Mean is 0 for ν > 1 and undefined (NaN) otherwise.
func (d student) Mean() float64 {
	if d.nu <= 1 {
		return math.NaN()
	}
	return 0
}

// Variance is ν/(ν−2) for ν > 2, infinite for 1 < ν <= 2 and undefined
// (NaN) for ν <= 1.
func (d student) Variance() float64 {
	switch {
	case d.nu <= 1:
		return math.NaN()
	case d.nu <= 2:
		return math.Inf(1)
	}
	return d.nu / (d.nu - 2)
}
func (d student) Min() float64 { return math.Inf(-1) }
func (d student) Max() float64 { return math.Inf(1) }

// logLogistic is @RISK's RiskLoglogistic(γ, β, α): γ + β·Y where
// ln Y is logistic with location 0 and scale 1/α, so
// CDF(x) = 1/(1 + ((x−γ)/β)^−α) for x > γ.
type logLogistic struct {
	continuous
	shift, scale, shape float64
}

func newLogLogistic(shift, scale, shape float64) logLogistic {
	return logLogistic{shift: shift, scale: scale, shape: shape}
}

func (d logLogistic) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 0:
		return d.shift
	case p == 1:
		return math.Inf(1)
	}
	return d.shift + d.scale*math.Exp((math.Log(p)-math.Log1p(-p))/d.shape)
}

func (d logLogistic) CDF(x float64) float64 {
	if x <= d.shift {
		return 0
	}
	// 1/(1 + z^−α) written as the logistic of α·ln z, like logistic.CDF.
	return newLogistic(0, 1/d.shape).CDF(math.Log((x - d.shift) / d.scale))
}

func (d logLogistic) Density(x float64) float64 {
	switch {
	case x < d.shift:
		return 0
	case x == d.shift && d.shape < 1:
		return math.Inf(1)
	case x == d.shift && d.shape == 1:
		return 1 / d.scale
	case x == d.shift:
		return 0
	}
	z := (x - d.shift) / d.scale
	za := math.Pow(z, d.shape)
	return d.shape / d.scale * za / z / ((1 + za) * (1 + za))
}

// Mean is γ + β·b/sin(b) with b = π/α for α > 1, infinite otherwise.
func (d logLogistic) Mean() float64 {
	if d.shape <= 1 {
		return math.Inf(1)
	}
	b := math.Pi / d.shape
	return d.shift + d.scale*b/math.Sin(b)
}

// Variance is β²·(2b/sin(2b) − b²/sin²(b)) with b = π/α for α > 2,
// infinite otherwise.
func (d logLogistic) Variance() float64 {
	if d.shape <= 2 {
		return math.Inf(1)
	}
	b := math.Pi / d.shape
	s := math.Sin(b)
	return d.scale * d.scale * (2*b/math.Sin(2*b) - b*b/(s*s))
}
func (d logLogistic) Min() float64 { return d.shift }
func (d logLogistic) Max() float64 { return math.Inf(1) }

// pareto is @RISK's RiskPareto(θ, a): CDF(x) = 1 − (a/x)^θ for x >= a.
type pareto struct {
	continuous
	shape, min float64
}

func newPareto(shape, min float64) pareto { return pareto{shape: shape, min: min} }

func (d pareto) Quantile(p float64) float64 {
	switch {
	case badP(p):
		return math.NaN()
	case p == 1:
		return math.Inf(1)
	}
	return d.min * math.Exp(-math.Log1p(-p)/d.shape)
}

func (d pareto) CDF(x float64) float64 {
	if x <= d.min {
		return 0
	}
	return -math.Expm1(d.shape * math.Log(d.min/x))
}

func (d pareto) Density(x float64) float64 {
	if x < d.min {
		return 0
	}
	return d.shape / x * math.Pow(d.min/x, d.shape)
}

// Mean is θa/(θ−1) for θ > 1, infinite otherwise.
func (d pareto) Mean() float64 {
	if d.shape <= 1 {
		return math.Inf(1)
	}
	return d.shape * d.min / (d.shape - 1)
}

// Variance is θa²/((θ−1)²(θ−2)) for θ > 2, infinite otherwise.
func (d pareto) Variance() float64 {
	if d.shape <= 2 {
		return math.Inf(1)
	}
	t := d.shape
	return t * d.min * d.min / ((t - 1) * (t - 1) * (t - 2))
}
func (d pareto) Min() float64 { return d.min }
func (d pareto) Max() float64 { return math.Inf(1) }
