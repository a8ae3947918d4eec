package formula

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDistributionFunctions checks the statistical distribution functions
// against the examples of Microsoft's documentation of each function,
// which print 6 to 9 significant digits (docTolerance is relative).
func TestDistributionFunctions(t *testing.T) {
	t.Parallel()
	const docTolerance = 2e-6
	numErr := ErrValueOf(ErrNum)
	cases := []struct {
		f    string
		want Value
	}{
		{"LOGNORM.DIST(4,3.5,1.2,TRUE)", NumberValue(0.0390836)},
		{"LOGNORM.DIST(4,3.5,1.2,FALSE)", NumberValue(0.0176176)},
		{"LOGNORMDIST(4,3.5,1.2)", NumberValue(0.0390836)},
		{"LOGNORM.INV(0.039084,3.5,1.2)", NumberValue(4.0000252)},
		{"LOGINV(0.039084,3.5,1.2)", NumberValue(4.0000252)},
		{"LOGNORM.DIST(0,3.5,1.2,TRUE)", numErr},
		{"LOGNORM.INV(1,3.5,1.2)", numErr},
		{"BETA.DIST(2,8,10,TRUE,1,3)", NumberValue(0.6854706)},
		{"BETA.DIST(2,8,10,FALSE,1,3)", NumberValue(1.4837646)},
		{"BETADIST(2,8,10,1,3)", NumberValue(0.6854706)},
		{"BETA.INV(0.685470581,8,10,1,3)", NumberValue(2)},
		{"BETAINV(0.685470581,8,10,1,3)", NumberValue(2)},
		{"BETA.DIST(0.5,2,2,TRUE)", NumberValue(0.5)},
		{"BETA.DIST(4,8,10,TRUE,1,3)", numErr},
		{"GAMMA.DIST(10.00001131,9,2,FALSE)", NumberValue(0.032639)},
		{"GAMMA.DIST(10.00001131,9,2,TRUE)", NumberValue(0.068094)},
		{"GAMMADIST(10.00001131,9,2,TRUE)", NumberValue(0.068094)},
		{"GAMMA.INV(0.068094,9,2)", NumberValue(10.0000112)},
		{"GAMMAINV(0.068094,9,2)", NumberValue(10.0000112)},
		{"GAMMA.INV(0.5,0,2)", numErr},
		{"T.DIST(60,1,TRUE)", NumberValue(0.99469533)},
		{"T.DIST(8,3,FALSE)", NumberValue(0.00073691)},
		{"T.DIST.2T(1.959999998,60)", NumberValue(0.054644930)},
		{"T.DIST.RT(1.959999998,60)", NumberValue(0.027322465)},
		{"TDIST(1.959999998,60,2)", NumberValue(0.054644930)},
		{"TDIST(1.959999998,60,1)", NumberValue(0.027322465)},
		{"T.INV(0.75,2)", NumberValue(0.8164966)},
		{"T.INV.2T(0.546449,60)", NumberValue(0.606533)},
		{"TINV(0.546449,60)", NumberValue(0.606533)},
		{"T.DIST.2T(-1,60)", numErr},
		{"T.INV(0,2)", numErr},
		{"CHISQ.DIST(0.5,1,TRUE)", NumberValue(0.52049988)},
		{"CHISQ.DIST(2,3,FALSE)", NumberValue(0.20755375)},
		{"CHISQ.DIST.RT(18.307,10)", NumberValue(0.0500006)},
		{"CHIDIST(18.307,10)", NumberValue(0.0500006)},
		{"CHISQ.INV(0.93,1)", NumberValue(3.283020286)},
		{"CHISQ.INV(0.6,2)", NumberValue(1.832581464)},
		{"CHISQ.INV.RT(0.050001,10)", NumberValue(18.306973)},
		{"CHIINV(0.050001,10)", NumberValue(18.306973)},
		{"CHISQ.DIST(1,0,TRUE)", numErr},
		{"BINOM.DIST(6,10,0.5,FALSE)", NumberValue(0.2050781)},
		{"BINOMDIST(6,10,0.5,FALSE)", NumberValue(0.2050781)},
		// P(X <= 6) for Binomial(10, 0.5): 848/1024
		{"BINOM.DIST(6,10,0.5,TRUE)", NumberValue(848.0 / 1024)},
		{"BINOM.DIST(6.9,10.2,0.5,TRUE)", NumberValue(848.0 / 1024)},
		{"BINOM.DIST(11,10,0.5,TRUE)", numErr},
		{"BINOM.INV(6,0.5,0.75)", NumberValue(4)},
		{"CRITBINOM(6,0.5,0.75)", NumberValue(4)},
		{"BINOM.INV(6,0.5,0)", NumberValue(0)},
		{"BINOM.INV(6,0.5,1)", NumberValue(6)},
		{"BINOM.INV(6,1.5,0.5)", numErr},
		// Microsoft's NEGBINOM.DIST examples: 10 failures before the 5th
		// success at p = 0.25.
		{"NEGBINOM.DIST(10,5,0.25,FALSE)", NumberValue(0.0550487)},
		{"NEGBINOM.DIST(10,5,0.25,TRUE)", NumberValue(0.3135141)},
		{"NEGBINOM.DIST(10.7,5.2,0.25,TRUE)", NumberValue(0.3135141)},
		{"NEGBINOMDIST(10,5,0.25)", NumberValue(0.0550487)},
		{"NEGBINOM.DIST(10,0,0.25,TRUE)", numErr},
		{"NEGBINOM.DIST(-1,5,0.25,FALSE)", numErr},
		{"NEGBINOM.DIST(10,5,1.5,FALSE)", numErr},
		{"EXPON.DIST(0.2,10,TRUE)", NumberValue(0.86466472)},
		{"EXPON.DIST(0.2,10,FALSE)", NumberValue(1.35335283)},
		{"EXPONDIST(0.2,10,TRUE)", NumberValue(0.86466472)},
		{"EXPON.DIST(0.2,0,TRUE)", numErr},
		{"WEIBULL.DIST(105,20,100,TRUE)", NumberValue(0.929581)},
		{"WEIBULL.DIST(105,20,100,FALSE)", NumberValue(0.035589)},
		{"WEIBULL(105,20,100,TRUE)", NumberValue(0.929581)},
		{"WEIBULL.DIST(-1,20,100,TRUE)", numErr},
		{"POISSON.DIST(2,5,TRUE)", NumberValue(0.124652)},
		{"POISSON.DIST(2,5,FALSE)", NumberValue(0.084224)},
		{`BETA.DIST("x",8,10,TRUE)`, ErrValueOf(ErrValue)},
	}
	for _, tc := range cases {
		t.Run(tc.f, func(t *testing.T) {
			t.Parallel()
			got := evalIn(t, tc.f)
			require.Truef(t, ValuesMatch(got, tc.want, docTolerance), "%s = %v (%s), want %v (%s)", tc.f, got, got.Kind, tc.want, tc.want.Kind)
		})
	}
}
