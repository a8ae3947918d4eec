package incell_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/incell"
)

// shiftFamilies is a call of every distribution function, without its
// closing parenthesis so that a property can follow.
var shiftFamilies = map[string]string{
	"RISKNORMAL": "RiskNormal(100,10", "RISKLOGNORM": "RiskLognorm(10,2", "RISKLOGNORM2": "RiskLognorm2(1,0.5",
	"RISKUNIFORM": "RiskUniform(0,10", "RISKTRIANG": "RiskTriang(1,2,4", "RISKTRIGEN": "RiskTrigen(1,2,4,10,90",
	"RISKPERT": "RiskPert(1,2,4", "RISKBETA": "RiskBeta(2,3", "RISKBETAGENERAL": "RiskBetaGeneral(2,3,10,20",
	"RISKGAMMA": "RiskGamma(2,5", "RISKEXPON": "RiskExpon(4", "RISKWEIBULL": "RiskWeibull(1.5,3",
	"RISKPOISSON": "RiskPoisson(3", "RISKBINOMIAL": "RiskBinomial(10,0.3", "RISKBERNOULLI": "RiskBernoulli(0.3",
	"RISKDISCRETE": "RiskDiscrete({1,2,3},{2,3,5}", "RISKDUNIFORM": "RiskDUniform({1,5,9}", "RISKINTUNIFORM": "RiskIntUniform(1,6",
	"RISKCUMUL": "RiskCumul(0,10,{2,5},{0.3,0.8}", "RISKHISTOGRM": "RiskHistogrm(0,10,{1,2,1}", "RISKSTUDENT": "RiskStudent(5",
	"RISKLOGISTIC": "RiskLogistic(10,2", "RISKLOGLOGISTIC": "RiskLoglogistic(0,2,4", "RISKPARETO": "RiskPareto(3,2",
	"RISKEXTVALUE": "RiskExtvalue(10,2", "RISKNEGBIN": "RiskNegbin(3,0.4", "RISKGENERAL": "RiskGeneral(0,10,{2,5},{1,2}",
	"VOSENORMAL": "VoseNormal(100,10", "VOSELOGNORMAL": "VoseLognormal(10,2", "VOSEUNIFORM": "VoseUniform(0,10",
	"VOSETRIANGLE": "VoseTriangle(1,2,4", "VOSEPERT": "VosePERT(1,2,4", "VOSEBETA": "VoseBeta(2,3",
	"VOSEGAMMA": "VoseGamma(2,5", "VOSEEXPON": "VoseExpon(4", "VOSEWEIBULL": "VoseWeibull(1.5,3",
	"VOSEPOISSON": "VosePoisson(3", "VOSEBINOMIAL": "VoseBinomial(10,0.3", "VOSEBERNOULLI": "VoseBernoulli(0.3",
	"VOSEDISCRETE": "VoseDiscrete({1,2,3},{2,3,5}", "VOSESTUDENT": "VoseStudent(5", "VOSELOGISTIC": "VoseLogistic(10,2",
	"VOSEPARETO": "VosePareto(3,2", "VOSECUMULA": "VoseCumulA(0,10,{2,5},{0.3,0.8}",
	"VOSELOGNORMALE": "VoseLognormalE(1,0.5", "VOSEEXTVALUEMAX": "VoseExtValueMax(10,2", "VOSENEGBIN": "VoseNegBin(5,0.25",
	"VOSEBETA4": "VoseBeta4(2,3,10,20", "VOSEHISTOGRAM": "VoseHistogram(0,10,{1,2,1}", "VOSEDUNIFORM": "VoseDUniform({1,5,9}",
}

// TestShiftEveryFamily: RiskShift (VoseShift for ModelRisk) adds its
// argument to every value of any family, so the mean and every quantile
// move by exactly the shift; a shift of the discrete families that is not a
// whole number moves their support off the integers.
func TestShiftEveryFamily(t *testing.T) {
	for _, name := range incell.FamilyNames() {
		call, ok := shiftFamilies[name]
		require.True(t, ok, "%s has no case", name)
		for _, by := range []float64{7.5, -3} {
			t.Run(name+"/"+strconv.FormatFloat(by, 'g', -1, 64), func(t *testing.T) {
				property := "RiskShift"
				if strings.HasPrefix(name, "VOSE") {
					property = "VoseShift"
				}
				formula := call + "," + property + "(" + strconv.FormatFloat(by, 'g', -1, 64) + "))"
				det, err := incell.Detect(build(t, nil, map[string]string{"B1": call + ")", "B2": formula}))
				require.NoError(t, err)
				require.Empty(t, det.Problems)
				require.Len(t, det.Inputs, 2)
				base, err := dist.New("base", det.Inputs[0].Spec)
				require.NoError(t, err)
				moved, err := dist.New("moved", det.Inputs[1].Spec)
				require.NoError(t, err)
				// Folded into location parameters, the sums round.
				tol := 1e-12 * math.Max(1, math.Abs(base.Mean()))
				require.InDelta(t, base.Mean()+by, moved.Mean(), tol, "mean")
				require.InDelta(t, base.Variance(), moved.Variance(), 1e-9*math.Max(1, base.Variance()), "variance")
				for _, p := range []float64{0.1, 0.5, 0.9} {
					require.InDelta(t, base.Quantile(p)+by, moved.Quantile(p), 1e-9*math.Max(1, math.Abs(base.Quantile(p))), "quantile %g", p)
				}
			})
		}
	}
}
