package dist

import (
	"fmt"
	"math"
)

// Constant is the distribution of a single value: every draw is v. A
// scenario uses it to fix an input.
func Constant(v float64) Distribution { return constant(v) }

type constant float64

func (c constant) Quantile(p float64) float64 {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return math.NaN()
	}
	return float64(c)
}
func (c constant) CDF(x float64) float64 {
	if x < float64(c) {
		return 0
	}
	return 1
}
func (c constant) Density(x float64) float64 {
	if x == float64(c) {
		return 1
	}
	return 0
}
func (c constant) Mean() float64     { return float64(c) }
func (c constant) Variance() float64 { return 0 }
func (c constant) Min() float64      { return float64(c) }
func (c constant) Max() float64      { return float64(c) }
func (c constant) Discrete() bool    { return true }

// Band is base restricted to its quantiles between levels low and high
// (0 <= low < high <= 1): a draw maps its uniform p to low + p·(high −
// low) before base's quantile, so that a stress test draws from the same
// random numbers as the unrestricted input, each moved into the band.
func Band(base Distribution, low, high float64) (Distribution, error) {
	if !(low >= 0 && high <= 1 && low < high) {
		return nil, fmt.Errorf("a percentile range needs 0 <= low < high <= 1, got low %g, high %g", low, high)
	}
	return &band{base: base, low: low, high: high}, nil
}

type band struct {
	base      Distribution
	low, high float64
}

func (b *band) Quantile(p float64) float64 {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return math.NaN()
	}
	return b.base.Quantile(b.low + p*(b.high-b.low))
}

func (b *band) CDF(x float64) float64 {
	c := math.Min(math.Max(b.base.CDF(x), b.low), b.high)
	return (c - b.low) / (b.high - b.low)
}

func (b *band) Density(x float64) float64 {
	if x < b.Min() || x > b.Max() {
		return 0
	}
	return b.base.Density(x) / (b.high - b.low)
}

// bandPoints is the midpoint rule's resolution for the band's moments.
const bandPoints = 4096

func (b *band) moments() (mean, variance float64) {
	var s, s2 float64
	for k := range bandPoints {
		x := b.Quantile((float64(k) + 0.5) / bandPoints)
		s += x
		s2 += x * x
	}
	mean = s / bandPoints
	return mean, math.Max(s2/bandPoints-mean*mean, 0)
}

func (b *band) Mean() float64     { m, _ := b.moments(); return m }
func (b *band) Variance() float64 { _, v := b.moments(); return v }
func (b *band) Min() float64      { return b.base.Quantile(b.low) }
func (b *band) Max() float64      { return b.base.Quantile(b.high) }
func (b *band) Discrete() bool    { return b.base.Discrete() }
