package formula

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// The distribution functions of Excel's statistical family beyond the
// normal: densities, cumulative probabilities and inverses, under their
// current names and the legacy ones Excel keeps for compatibility. Their
// argument checks follow Microsoft's documentation of each function.

// regStat registers a function of numeric arguments; the argument at
// boolAt (-1 for none) is read as a logical (the "cumulative" flag). f
// gets the arguments given, as numbers (a logical as 1 or 0).
func regStat(name string, min, max, boolAt int, f func(x []float64) Value) {
	reg(name, min, max, func(ev *evaluator, a []Value) Value {
		x := make([]float64, len(a))
		for i, v := range a {
			if i == boolAt {
				b, e := ev.boolean(v)
				if e != 0 {
					return errv(e)
				}
				if b {
					x[i] = 1
				}
				continue
			}
			n, e := ev.num(v)
			if e != 0 {
				return errv(e)
			}
			x[i] = n
		}
		return f(x)
	}).lift = 1<<max - 1
}

func numErr() Value { return errv(ErrNum) }

// inUnitOpen reports whether p is a probability strictly between 0 and 1.
func inUnitOpen(p float64) bool { return p > 0 && p < 1 }

func init() {
	lognormDist := func(x []float64) Value {
		v, mu, sigma := x[0], x[1], x[2]
		if v <= 0 || sigma <= 0 {
			return numErr()
		}
		d := distuv.LogNormal{Mu: mu, Sigma: sigma}
		if len(x) < 4 || x[3] != 0 {
			return num(d.CDF(v))
		}
		return num(d.Prob(v))
	}
	regStat("LOGNORM.DIST", 4, 4, 3, lognormDist)
	regStat("LOGNORMDIST", 3, 3, -1, lognormDist)
	lognormInv := func(x []float64) Value {
		p, mu, sigma := x[0], x[1], x[2]
		if !inUnitOpen(p) || sigma <= 0 {
			return numErr()
		}
		return num(distuv.LogNormal{Mu: mu, Sigma: sigma}.Quantile(p))
	}
	regStat("LOGNORM.INV", 3, 3, -1, lognormInv)
	regStat("LOGINV", 3, 3, -1, lognormInv)

	// BETA.DIST(x, α, β, cumulative, [A], [B]); BETADIST has no flag.
	betaDist := func(x []float64, cum bool, lo, hi float64) Value {
		v, a, b := x[0], x[1], x[2]
		if a <= 0 || b <= 0 || !(lo < hi) || v < lo || v > hi {
			return numErr()
		}
		d := distuv.Beta{Alpha: a, Beta: b}
		z := (v - lo) / (hi - lo)
		if cum {
			return num(d.CDF(z))
		}
		return num(d.Prob(z) / (hi - lo))
	}
	bounds := func(x []float64, from int) (float64, float64) {
		lo, hi := 0.0, 1.0
		if len(x) > from {
			lo = x[from]
		}
		if len(x) > from+1 {
			hi = x[from+1]
		}
		return lo, hi
	}
	regStat("BETA.DIST", 4, 6, 3, func(x []float64) Value {
		lo, hi := bounds(x, 4)
		return betaDist(x, x[3] != 0, lo, hi)
	})
	regStat("BETADIST", 3, 5, -1, func(x []float64) Value {
		lo, hi := bounds(x, 3)
		return betaDist(x, true, lo, hi)
	})
	betaInv := func(x []float64) Value {
		p, a, b := x[0], x[1], x[2]
		lo, hi := bounds(x, 3)
		if p <= 0 || p > 1 || a <= 0 || b <= 0 || !(lo < hi) {
			return numErr()
		}
		return num(lo + (hi-lo)*distuv.Beta{Alpha: a, Beta: b}.Quantile(p))
	}
	regStat("BETA.INV", 3, 5, -1, betaInv)
	regStat("BETAINV", 3, 5, -1, betaInv)

	// GAMMA.DIST(x, α, β, cumulative): β is the scale.
	gammaDist := func(x []float64) Value {
		v, a, b := x[0], x[1], x[2]
		if v < 0 || a <= 0 || b <= 0 {
			return numErr()
		}
		d := distuv.Gamma{Alpha: a, Beta: 1 / b}
		if x[3] != 0 {
			return num(d.CDF(v))
		}
		return num(d.Prob(v))
	}
	regStat("GAMMA.DIST", 4, 4, 3, gammaDist)
	regStat("GAMMADIST", 4, 4, 3, gammaDist)
	gammaInv := func(x []float64) Value {
		p, a, b := x[0], x[1], x[2]
		if p < 0 || p > 1 || a <= 0 || b <= 0 {
			return numErr()
		}
		if p == 0 {
			return num(0)
		}
		return num(distuv.Gamma{Alpha: a, Beta: 1 / b}.Quantile(p))
	}
	regStat("GAMMA.INV", 3, 3, -1, gammaInv)
	regStat("GAMMAINV", 3, 3, -1, gammaInv)

	// Student's t. T.DIST takes the degrees of freedom as given; the
	// tail functions and the inverses truncate them, as documented.
	student := func(df float64) distuv.StudentsT { return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df} }
	regStat("T.DIST", 3, 3, 2, func(x []float64) Value {
		if x[1] < 1 {
			return numErr()
		}
		if x[2] != 0 {
			return num(student(x[1]).CDF(x[0]))
		}
		return num(student(x[1]).Prob(x[0]))
	})
	regStat("T.DIST.RT", 2, 2, -1, func(x []float64) Value {
		df := math.Trunc(x[1])
		if df < 1 {
			return numErr()
		}
		return num(student(df).Survival(x[0]))
	})
	twoTailed := func(t, df float64) Value {
		df = math.Trunc(df)
		if t < 0 || df < 1 {
			return numErr()
		}
		return num(2 * student(df).Survival(t))
	}
	regStat("T.DIST.2T", 2, 2, -1, func(x []float64) Value { return twoTailed(x[0], x[1]) })
	regStat("TDIST", 3, 3, -1, func(x []float64) Value {
		switch math.Trunc(x[2]) {
		case 1:
			df := math.Trunc(x[1])
			if x[0] < 0 || df < 1 {
				return numErr()
			}
			return num(student(df).Survival(x[0]))
		case 2:
			return twoTailed(x[0], x[1])
		}
		return numErr()
	})
	regStat("T.INV", 2, 2, -1, func(x []float64) Value {
		df := math.Trunc(x[1])
		if x[0] <= 0 || x[0] > 1 || df < 1 {
			return numErr()
		}
		return num(student(df).Quantile(x[0]))
	})
	// T.INV.2T(p, df) is the t whose two tails hold p: |T| exceeds it
	// with probability p.
	tInv2T := func(x []float64) Value {
		df := math.Trunc(x[1])
		if x[0] <= 0 || x[0] > 1 || df < 1 {
			return numErr()
		}
		return num(student(df).Quantile(1 - x[0]/2))
	}
	regStat("T.INV.2T", 2, 2, -1, tInv2T)
	regStat("TINV", 2, 2, -1, tInv2T)

	// Chi-squared: the degrees of freedom are truncated and at most 10¹⁰.
	chiDF := func(df float64) (float64, bool) {
		df = math.Trunc(df)
		return df, df >= 1 && df <= 1e10
	}
	regStat("CHISQ.DIST", 3, 3, 2, func(x []float64) Value {
		df, ok := chiDF(x[1])
		if x[0] < 0 || !ok {
			return numErr()
		}
		d := distuv.ChiSquared{K: df}
		if x[2] != 0 {
			return num(d.CDF(x[0]))
		}
		return num(d.Prob(x[0]))
	})
	chiRT := func(x []float64) Value {
		df, ok := chiDF(x[1])
		if x[0] < 0 || !ok {
			return numErr()
		}
		return num(distuv.ChiSquared{K: df}.Survival(x[0]))
	}
	regStat("CHISQ.DIST.RT", 2, 2, -1, chiRT)
	regStat("CHIDIST", 2, 2, -1, chiRT)
	regStat("CHISQ.INV", 2, 2, -1, func(x []float64) Value {
		df, ok := chiDF(x[1])
		if x[0] < 0 || x[0] > 1 || !ok {
			return numErr()
		}
		if x[0] == 0 {
			return num(0)
		}
		return num(distuv.ChiSquared{K: df}.Quantile(x[0]))
	})
	chiInvRT := func(x []float64) Value {
		df, ok := chiDF(x[1])
		if x[0] <= 0 || x[0] > 1 || !ok {
			return numErr()
		}
		if x[0] == 1 {
			return num(0)
		}
		return num(distuv.ChiSquared{K: df}.Quantile(1 - x[0]))
	}
	regStat("CHISQ.INV.RT", 2, 2, -1, chiInvRT)
	regStat("CHIINV", 2, 2, -1, chiInvRT)

	// BINOM.DIST(successes, trials, p, cumulative): both counts truncated.
	binomDist := func(x []float64) Value {
		k, n, p := math.Trunc(x[0]), math.Trunc(x[1]), x[2]
		if k < 0 || k > n || p < 0 || p > 1 {
			return numErr()
		}
		if x[3] != 0 {
			return num(binomCDF(k, n, p))
		}
		return num(binomPMF(k, n, p))
	}
	regStat("BINOM.DIST", 4, 4, 3, binomDist)
	regStat("BINOMDIST", 4, 4, 3, binomDist)
	// BINOM.INV(trials, p, α): the smallest k whose cumulative probability
	// reaches α.
	binomInv := func(x []float64) Value {
		n, p, alpha := math.Trunc(x[0]), x[1], x[2]
		if n < 0 || p < 0 || p > 1 || alpha < 0 || alpha > 1 {
			return numErr()
		}
		return num(binomQuantile(alpha, n, p))
	}
	regStat("BINOM.INV", 3, 3, -1, binomInv)
	regStat("CRITBINOM", 3, 3, -1, binomInv)

	// NEGBINOM.DIST(number_f, number_s, probability_s, cumulative): the
	// probability of number_f failures before the number_s-th success,
	// C(f+s−1, s−1)·p^s·(1−p)^f, and its cumulative I_p(s, f+1); both
	// counts truncated. NEGBINOMDIST(f, s, p) is the probability alone.
	negbinom := func(x []float64, cumulative bool) Value {
		f, s, p := math.Trunc(x[0]), math.Trunc(x[1]), x[2]
		if f < 0 || s < 1 || p < 0 || p > 1 {
			return numErr()
		}
		if cumulative {
			return num(mathext.RegIncBeta(s, f+1, p))
		}
		switch {
		case p == 0:
			return num(0)
		case p == 1:
			if f == 0 {
				return num(1)
			}
			return num(0)
		}
		lc, _ := math.Lgamma(f + s)
		lf, _ := math.Lgamma(f + 1)
		ls, _ := math.Lgamma(s)
		return num(math.Exp(lc - lf - ls + s*math.Log(p) + f*math.Log1p(-p)))
	}
	regStat("NEGBINOM.DIST", 4, 4, 3, func(x []float64) Value { return negbinom(x, x[3] != 0) })
	regStat("NEGBINOMDIST", 3, 3, -1, func(x []float64) Value { return negbinom(x, false) })

	// EXPON.DIST(x, λ, cumulative): λ is the rate.
	exponDist := func(x []float64) Value {
		v, rate := x[0], x[1]
		if v < 0 || rate <= 0 {
			return numErr()
		}
		if x[2] != 0 {
			return num(-math.Expm1(-rate * v))
		}
		return num(rate * math.Exp(-rate*v))
	}
	regStat("EXPON.DIST", 3, 3, 2, exponDist)
	regStat("EXPONDIST", 3, 3, 2, exponDist)

	// WEIBULL.DIST(x, α shape, β scale, cumulative).
	weibullDist := func(x []float64) Value {
		v, k, lambda := x[0], x[1], x[2]
		if v < 0 || k <= 0 || lambda <= 0 {
			return numErr()
		}
		d := distuv.Weibull{K: k, Lambda: lambda}
		if x[3] != 0 {
			return num(d.CDF(v))
		}
		return num(d.Prob(v))
	}
	regStat("WEIBULL.DIST", 4, 4, 3, weibullDist)
	regStat("WEIBULL", 4, 4, 3, weibullDist)
}

func binomPMF(k, n, p float64) float64 {
	switch {
	case p == 0:
		return b2f(k == 0)
	case p == 1:
		return b2f(k == n)
	}
	return math.Exp(lgamma(n+1) - lgamma(k+1) - lgamma(n-k+1) + k*math.Log(p) + (n-k)*math.Log1p(-p))
}

// binomCDF is P(X <= k) through the regularised incomplete beta function.
func binomCDF(k, n, p float64) float64 {
	switch {
	case k >= n || p == 0:
		return 1
	case p == 1:
		return 0
	}
	return mathext.RegIncBeta(n-k, k+1, 1-p)
}

// binomQuantile is the smallest k in [0, n] with binomCDF(k) >= alpha, by
// bisection (the CDF is monotone in k).
func binomQuantile(alpha, n, p float64) float64 {
	lo, hi := 0.0, n
	for lo < hi {
		mid := math.Floor((lo + hi) / 2)
		if binomCDF(mid, n, p) >= alpha {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
