package dist

// shifted is base moved by by: it draws base's value plus by, as @RISK's
// RiskShift does for any family. Truncation (Spec.TruncateMin and
// TruncateMax) applies to the shifted value.
type shifted struct {
	base Distribution
	by   float64
}

// shiftedLattice is shifted for a discrete base, whose truncation needs
// the lattice methods.
type shiftedLattice struct{ *shifted }

func shift(d Distribution, by float64) Distribution {
	s := &shifted{base: d, by: by}
	if _, ok := d.(lattice); ok {
		return shiftedLattice{s}
	}
	return s
}

func (s *shifted) Quantile(p float64) float64 { return s.base.Quantile(p) + s.by }
func (s *shifted) CDF(x float64) float64      { return s.base.CDF(x - s.by) }
func (s *shifted) Density(x float64) float64  { return s.base.Density(x - s.by) }
func (s *shifted) Mean() float64              { return s.base.Mean() + s.by }
func (s *shifted) Variance() float64          { return s.base.Variance() }
func (s *shifted) Min() float64               { return s.base.Min() + s.by }
func (s *shifted) Max() float64               { return s.base.Max() + s.by }
func (s *shifted) Discrete() bool             { return s.base.Discrete() }

func (s shiftedLattice) below(x float64) float64 { return s.base.(lattice).below(x - s.by) }
func (s shiftedLattice) ceilSupport(x float64) float64 {
	return s.base.(lattice).ceilSupport(x-s.by) + s.by
}
func (s shiftedLattice) floorSupport(x float64) float64 {
	return s.base.(lattice).floorSupport(x-s.by) + s.by
}
