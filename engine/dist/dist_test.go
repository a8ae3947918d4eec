package dist

import (
	"bufio"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mathext"
)

func f(x float64) *float64 { return &x }
func n(x int) *int         { return &x }

// Tolerances of the known-value tests, relative to the reference.
const (
	// quantileTol covers the closed forms and gonum's (cephes) inverse
	// incomplete beta and gamma functions.
	quantileTol = 1e-10
	cdfTol      = 1e-12
	// momentTol covers the tanh-sinh quadrature of truncated moments.
	momentTol = 1e-9
	// normalQuantileTol is the accuracy claimed for the normal quantile,
	// which the engine evaluates for every normal and lognormal draw.
	// Measured: 6.3e-16 at worst over testdata/normal_quantile.txt.
	normalQuantileTol = 1e-15
)

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-300)
}

// knownValues are reference quantiles, CDFs, means and variances computed
// with scipy 1.10.1 (scipy.stats norm, lognorm, uniform, triang, beta,
// gamma, expon, weibull_min, truncnorm, poisson, binom, bernoulli; the
// truncated lognormal and Poisson by conditioning the scipy CDF). PERT(0, 1,
// 4) is beta(2, 4) on [0, 4]. The Student's t references are mpmath 1.3.0
// at 40 digits (bisection on 1 − betainc(ν/2, 1/2, 0, ν/(ν+t²))/2); the
// log-logistic, Pareto and negative binomial ones are their closed forms
// (quantile, CDF, moments; the negative binomial's CDF summed exactly)
// evaluated in mpmath; the others are worked by hand as their comments show.
var knownValues = []struct {
	name           string
	spec           Spec
	mean, variance float64
	quantiles      [][2]float64 // (p, Quantile(p))
	cdfs           [][2]float64 // (x, CDF(x))
}{
	{name: "Normal", spec: Spec{Type: Normal, Mean: f(1), StdDev: f(2)}, mean: 1.0, variance: 4.0,
		quantiles: [][2]float64{{1e-10, -11.722681804808111}, {0.001, -5.180464612335626}, {0.1, -1.5631031310892007}, {0.5, 1.0}, {0.9, 3.5631031310892007}, {0.999, 7.180464612335626}},
		cdfs:      [][2]float64{{0.5, 0.4012936743170763}, {1.5, 0.5987063256829237}, {-3, 0.022750131948179195}, {7, 0.9986501019683699}}},
	{name: "LogNormalMuSigma", spec: Spec{Type: LogNormal, Mu: f(0.5), Sigma: f(0.8)}, mean: 2.270499837532406, variance: 4.621510897294225,
		quantiles: [][2]float64{{1e-10, 0.010162277262645658}, {0.001, 0.13915235806645346}, {0.1, 0.5914126674080084}, {0.5, 1.6487212707001282}, {0.9, 4.596252292620807}, {0.999, 19.534572509083212}},
		cdfs:      [][2]float64{{0.5, 0.06792379675498926}, {1.6, 0.4850449786266209}, {5, 0.9172482234787089}}},
	{name: "LogNormalMeanSD", spec: Spec{Type: LogNormal, Mean: f(10), StdDev: f(3)}, mean: 9.999999999999998, variance: 8.999999999999986,
		quantiles: [][2]float64{{1e-10, 1.4800244342810391}, {0.001, 3.866410190620995}, {0.1, 6.575058539149996}, {0.5, 9.578262852211514}, {0.9, 13.95320189467322}, {0.999, 23.728242670320483}},
		cdfs:      [][2]float64{{5, 0.01340084480520936}, {10, 0.5583472391428937}, {20, 0.9939283822215562}}},
	{name: "Uniform", spec: Spec{Type: Uniform, Min: f(2), Max: f(5)}, mean: 3.5, variance: 0.75,
		quantiles: [][2]float64{{1e-10, 2.0000000003}, {0.001, 2.003}, {0.1, 2.3}, {0.5, 3.5}, {0.9, 4.7}, {0.999, 4.997}},
		cdfs:      [][2]float64{{2.5, 0.16666666666666666}, {4.9, 0.9666666666666668}}},
	{name: "Triangular", spec: Spec{Type: Triangular, Min: f(1), Mode: f(3), Max: f(7)}, mean: 3.6666666666666665, variance: 1.5555555555555558,
		quantiles: [][2]float64{{1e-10, 1.0000346410161514}, {0.001, 1.1095445115010332}, {0.1, 2.095445115010332}, {0.5, 3.5358983848622447}, {0.9, 5.450806661517033}, {0.999, 6.845080666151704}},
		cdfs:      [][2]float64{{2, 0.08333333333333333}, {3, 0.33333333333333337}, {6.5, 0.9895833333333334}}},
	{name: "PERT", spec: Spec{Type: PERT, Min: f(0), Mode: f(1), Max: f(4)}, mean: 1.3333333333333333, variance: 0.5079365079365079,
		quantiles: [][2]float64{{1e-10, 1.264915064089488e-05}, {0.001, 0.040407151534951}, {0.1, 0.4489398341834342}, {0.5, 1.2552406818227897}, {0.9, 2.335561498478116}, {0.999, 3.5119446815540862}},
		cdfs:      [][2]float64{{0.3, 0.048277617187500003}, {1, 0.3671875}, {3.5, 0.9989013671875}}},
	{name: "Beta", spec: Spec{Type: Beta, Alpha: f(2.5), Beta: f(1.5)}, mean: 0.625, variance: 0.046875,
		quantiles: [][2]float64{{1e-10, 7.523027113637953e-05}, {0.001, 0.047797770513992026}, {0.1, 0.31528967839199074}, {0.5, 0.647547720122869}, {0.9, 0.8984626744524907}, {0.999, 0.9955614743117241}},
		cdfs:      [][2]float64{{0.1, 0.006207395720448073}, {0.5, 0.28779340921080615}, {0.95, 0.9637322086620863}}},
	{name: "BetaScaled", spec: Spec{Type: Beta, Alpha: f(0.5), Beta: f(0.5), Min: f(-1), Max: f(3)}, mean: 1.0, variance: 2.0,
		quantiles: [][2]float64{{1e-10, -1.0}, {0.001, -0.9999901304037163}, {0.1, -0.9021130325903072}, {0.5, 0.9999999999999996}, {0.9, 2.9021130325903073}, {0.999, 2.999990130403716}},
		cdfs:      [][2]float64{{-0.99, 0.031844266473320705}, {1, 0.5000000000000001}, {2.9, 0.8989173758957401}}},
	{name: "GammaScale", spec: Spec{Type: Gamma, Shape: f(2.5), Scale: f(1.5)}, mean: 3.75, variance: 5.625,
		quantiles: [][2]float64{{1e-10, 0.00024251678596872724}, {0.001, 0.1576594519719144}, {0.1, 1.2077309902217421}, {0.5, 3.263595143321645}, {0.9, 6.927267674835843}, {0.999, 15.386254239324654}},
		cdfs:      [][2]float64{{0.5, 0.015252120981490966}, {3, 0.4505840486472198}, {12, 0.9931559260775795}}},
	{name: "GammaRate", spec: Spec{Type: Gamma, Shape: f(0.3), Rate: f(2)}, mean: 0.15, variance: 0.075,
		quantiles: [][2]float64{{1e-10, 1.6182201133017802e-34}, {0.001, 3.486349548391672e-11}, {0.1, 0.00016186231091171635}, {0.5, 0.03656556793347599}, {0.9, 0.44240538668012214}, {0.999, 2.3094680213956664}},
		cdfs:      [][2]float64{{0.0001, 0.08655031998808685}, {0.1, 0.6575067242697217}, {2, 0.9979774893543891}}},
	{name: "Exponential", spec: Spec{Type: Exponential, Rate: f(0.5)}, mean: 2.0, variance: 4.0,
		quantiles: [][2]float64{{1e-10, 2.0000000001e-10}, {0.001, 0.002001000667167067}, {0.1, 0.21072103131565262}, {0.5, 1.3862943611198906}, {0.9, 4.605170185988092}, {0.999, 13.815510557964272}},
		cdfs:      [][2]float64{{0.1, 0.048770575499286}, {2, 0.6321205588285577}, {10, 0.9932620530009145}}},
	{name: "Weibull", spec: Spec{Type: Weibull, Shape: f(1.5), Scale: f(2)}, mean: 1.805490585901867, variance: 1.5027611392557279,
		quantiles: [][2]float64{{1e-10, 4.3088693802074e-07}, {0.001, 0.020006670558273685}, {0.1, 0.4461510512738342}, {0.5, 1.5664395375493025}, {0.9, 3.487443027192823}, {0.999, 7.2541738246789516}},
		cdfs:      [][2]float64{{0.2, 0.03112800565992458}, {2, 0.6321205588285577}, {6, 0.9944621692856175}}},
	{name: "TruncatedNormal", spec: Spec{Type: Normal, Mean: f(0), StdDev: f(1), TruncateMin: f(-1), TruncateMax: f(2)}, mean: 0.22963717909132902, variance: 0.5197625392115339,
		quantiles: [][2]float64{{1e-10, -0.999999999661697}, {0.001, -0.9966226715348406}, {0.1, -0.7046478210947453}, {0.5, 0.17116391801782455}, {0.9, 1.2557153641502148}, {0.999, 1.9850630859441663}},
		cdfs:      [][2]float64{{-0.5, 0.18309708152134457}, {0, 0.41698875142898595}, {1.9, 0.9927113765899451}}},
	{name: "TruncatedLogNormal", spec: Spec{Type: LogNormal, Mu: f(0), Sigma: f(1), TruncateMax: f(3)}, mean: 1.0290336389517034, variance: 0.5119862701355296,
		quantiles: [][2]float64{{1e-10, 0.001688782877653636}, {0.001, 0.04357033354874372}, {0.1, 0.2558300495098292}, {0.5, 0.8426153938210305}, {0.9, 2.1472923463403832}, {0.999, 2.988168857487529}},
		cdfs:      [][2]float64{{0.5, 0.28252283186057775}, {2, 0.8748425241252347}}},
	{name: "Poisson", spec: Spec{Type: Poisson, Lambda: f(3.5)}, mean: 3.5, variance: 3.5,
		quantiles: [][2]float64{{0.001, 0.0}, {0.1, 1.0}, {0.5, 3.0}, {0.9, 6.0}, {0.999, 11.0}},
		cdfs:      [][2]float64{{0, 0.0301973834223185}, {2, 0.32084719886213414}, {3.5, 0.536632667900785}, {9, 0.9966850557353676}}},
	{name: "PoissonLarge", spec: Spec{Type: Poisson, Lambda: f(250)}, mean: 250.0, variance: 250.0,
		quantiles: [][2]float64{{0.001, 203.0}, {0.1, 230.0}, {0.5, 250.0}, {0.9, 270.0}, {0.999, 300.0}},
		cdfs:      [][2]float64{{200, 0.0006132795361468565}, {250, 0.5168122892155392}, {300, 0.9990477804136073}}},
	{name: "Binomial", spec: Spec{Type: Binomial, N: n(20), P: f(0.3)}, mean: 6.0, variance: 4.199999999999999,
		quantiles: [][2]float64{{0.001, 1.0}, {0.1, 3.0}, {0.5, 6.0}, {0.9, 9.0}, {0.999, 13.0}},
		cdfs:      [][2]float64{{0, 0.0007979226629761204}, {5, 0.4163708294474809}, {6.5, 0.6080098122009244}, {19, 0.9999999999651321}}},
	{name: "Bernoulli", spec: Spec{Type: Bernoulli, P: f(0.3)}, mean: 0.3, variance: 0.21,
		quantiles: [][2]float64{{0.001, 0.0}, {0.1, 0.0}, {0.5, 0.0}, {0.9, 1.0}, {0.999, 1.0}},
		cdfs:      [][2]float64{{-1, 0.0}, {0, 0.7}, {0.5, 0.7}, {1, 1.0}}},
	{name: "Logistic", spec: Spec{Type: Logistic, Alpha: f(5), Beta: f(2)}, mean: 5.0, variance: 13.159472534785811,
		quantiles: [][2]float64{{0.1, 0.605550845327561}, {0.5, 5.0}, {0.9, 9.394449154672439}},
		cdfs:      [][2]float64{{5, 0.5}, {7, 0.7310585786300049}}},
	{name: "ExtremeValue", spec: Spec{Type: ExtremeValue, Alpha: f(-1), Beta: f(0.5)}, mean: -0.7113921675492336, variance: 0.4112335167120566,
		quantiles: [][2]float64{{0.5, -0.8167435397091678}},
		cdfs:      [][2]float64{{-1, 0.36787944117144233}}},
	{name: "Student", spec: Spec{Type: Student, Nu: f(4)}, mean: 0, variance: 2,
		quantiles: [][2]float64{{1e-10, -416.17514032960412732}, {0.001, -7.1731822197823084789}, {0.1, -1.5332062740589439108}, {0.3, -0.56864906304970544415}, {0.5 + 0x1p-24, 1.5894571940104250324e-7}, {0.5 - 0x1p-40, -2.4253192047278086334e-12}, {0.9, 1.5332062740589439108}, {0.999, 7.1731822197823084789}},
		cdfs:      [][2]float64{{-3, 0.019970984035859413638}, {0.5, 0.67833501840906836288}, {2, 0.94194173824159220275}}},
	{name: "StudentFractional", spec: Spec{Type: Student, Nu: f(2.5)}, mean: 0, variance: 5,
		quantiles: [][2]float64{{1e-10, -8765.4377713645717507}, {0.001, -13.822193110865964639}, {0.1, -1.7302509288071765896}, {0.3, -0.59730773825231745608}, {0.5 + 0x1p-24, 1.6474076166975022152e-7}, {0.5 - 0x1p-40, -2.5137445323142879998e-12}, {0.9, 1.7302509288071765896}, {0.999, 13.822193110865964639}},
		cdfs:      [][2]float64{{-3, 0.036288047774515921947}, {0.5, 0.67115104006514265533}, {2, 0.92130425212101700669}}},
	{name: "StudentManyDegrees", spec: Spec{Type: Student, Nu: f(1000)}, mean: 0, variance: 1.0020040080160320641,
		quantiles: [][2]float64{{1e-10, -6.4278762831342136}, {1e-5, -4.2854376826529579}, {0.001, -3.0984021639129229}, {0.3, -0.5245677073092269}},
		cdfs:      [][2]float64{{-3, 0.0013833545221190962321}, {0.5, 0.69140745958306259268}, {2, 0.97711482675337417998}}},
	{name: "LogLogistic", spec: Spec{Type: LogLogistic, Min: f(1), Beta: f(2), Alpha: f(3)}, mean: 3.4183991523122904675, variance: 3.8249421493443567624,
		quantiles: [][2]float64{{1e-10, 1.0009283177667534997}, {0.001, 1.2000667111457078439}, {0.1, 1.9614997135382722549}, {0.5, 3}, {0.9, 5.1601676461038082291}, {0.999, 20.993331109875719561}},
		cdfs:      [][2]float64{{1.5, 0.015384615384615384615}, {3, 0.5}, {10, 0.9891451831750339213}}},
	{name: "Pareto", spec: Spec{Type: Pareto, Shape: f(3.5), Min: f(2)}, mean: 2.8, variance: 1.4933333333333333333,
		quantiles: [][2]float64{{1e-10, 2.0000000000571428571}, {0.001, 2.0005717961984808303}, {0.1, 2.0611213616942614012}, {0.5, 2.4380273084089508818}, {0.9, 3.861395457766500334}, {0.999, 14.393713460023040399}},
		cdfs:      [][2]float64{{2.1, 0.15698082457744689784}, {3, 0.75807508713252561993}, {10, 0.99642229123600033649}}},
	{name: "NegativeBinomial", spec: Spec{Type: NegativeBinomial, N: n(3), P: f(0.4)}, mean: 4.5, variance: 11.25,
		quantiles: [][2]float64{{0.001, 0}, {0.1, 1}, {0.5, 4}, {0.9, 9}, {0.999, 21}},
		cdfs:      [][2]float64{{0, 0.064}, {2, 0.31744}, {5.5, 0.68460544}, {10, 0.9420975898624}}},
	// HISTOGRAM(0, 4, {1, 3}): by hand, a quarter of the mass uniform on
	// [0, 2], the rest on [2, 4]; mean 0.25·1 + 0.75·3 = 2.5,
	// E[X²] = 0.25·4/3 + 0.75·28/3 = 22/3.
	{name: "Histogram", spec: Spec{Type: Histogram, Min: f(0), Max: f(4), Probabilities: []float64{1, 3}}, mean: 2.5, variance: 22.0/3 - 6.25,
		quantiles: [][2]float64{{0.125, 1}, {0.25, 2}, {0.5, 2 + 2.0/3}, {0.999, 3.9973333333333333}},
		cdfs:      [][2]float64{{1, 0.125}, {3, 0.625}}},
	// GENERAL(0, 2, {1}, {1}) is TRIANGULAR(0, 1, 2).
	{name: "GeneralTriangle", spec: Spec{Type: General, Min: f(0), Max: f(2), Values: []float64{1}, Probabilities: []float64{1}}, mean: 1, variance: 1.0 / 6,
		quantiles: [][2]float64{{0.125, 0.5}, {0.5, 1}, {0.875, 1.5}},
		cdfs:      [][2]float64{{0.5, 0.125}, {1, 0.5}, {1.5, 0.875}}},
	// GENERAL(0, 3, {1, 2}, {2, 2}), by hand: a trapezoid of height 1/2,
	// CDF(x) = x²/4 on [0, 1]; variance 2·∫₀¹ x/2·(x − 3/2)² dx +
	// ∫₁² (x − 3/2)²/2 dx = 3/8 + 1/24.
	{name: "GeneralTrapezoid", spec: Spec{Type: General, Min: f(0), Max: f(3), Values: []float64{1, 2}, Probabilities: []float64{2, 2}}, mean: 1.5, variance: 5.0 / 12,
		quantiles: [][2]float64{{0.125, 0.70710678118654752440}, {0.25, 1}, {0.5, 1.5}, {0.75, 2}, {0.875, 2.29289321881345247560}},
		cdfs:      [][2]float64{{0.5, 0.0625}, {1, 0.25}, {1.5, 0.5}, {2.5, 0.9375}}},
	// INTEGER_UNIFORM(1, 6) is a die: variance (6² − 1)/12.
	{name: "IntegerUniform", spec: Spec{Type: IntegerUniform, Min: f(1), Max: f(6)}, mean: 3.5, variance: 35.0 / 12,
		quantiles: [][2]float64{{0.001, 1}, {1.0 / 6, 1}, {0.5, 3}, {0.51, 4}, {0.999, 6}},
		cdfs:      [][2]float64{{0, 0}, {3.5, 0.5}, {6, 1}}},
	// DISCRETE_UNIFORM({1, 2, 4, 4}): 4 is listed twice and weighs 1/2.
	{name: "DiscreteUniform", spec: Spec{Type: DiscreteUniform, Values: []float64{4, 1, 2, 4}}, mean: 2.75, variance: 0.25 + 1 + 8 - 2.75*2.75,
		quantiles: [][2]float64{{0.25, 1}, {0.26, 2}, {0.5, 2}, {0.51, 4}},
		cdfs:      [][2]float64{{1.5, 0.25}, {3.9, 0.5}, {4, 1}}},
	// TRIGEN(−1, 0, 1, 10, 90) is symmetric, a = −b with
	// F(−1) = (b − 1)²/(2b²) = 0.1, so b = 1/(1 − √0.2).
	{name: "Trigen", spec: Spec{Type: Trigen, Bottom: f(-1), Mode: f(0), Top: f(1), BottomPercentile: f(10), TopPercentile: f(90)}, mean: 0, variance: 2 * 1.8090169943749474241 * 1.8090169943749474241 / 12,
		quantiles: [][2]float64{{0, -1.8090169943749474241}, {0.1, -1}, {0.5, 0}, {0.9, 1}, {1, 1.8090169943749474241}},
		cdfs:      [][2]float64{{-1, 0.1}, {0, 0.5}, {1, 0.9}}},
	{name: "TruncatedPoisson", spec: Spec{Type: Poisson, Lambda: f(3.5), TruncateMin: f(2), TruncateMax: f(6)}, mean: 3.625276359689674, variance: 1.6073813653184525,
		quantiles: [][2]float64{{0.001, 2.0}, {0.1, 2.0}, {0.5, 3.0}, {0.9, 5.0}, {0.999, 6.0}},
		cdfs:      [][2]float64{{2, 0.23153917272983085}, {4, 0.7380311130763353}, {6, 1.0}}},
}

func TestKnownValues(t *testing.T) {
	t.Parallel()
	for _, tc := range knownValues {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := New(tc.name, tc.spec)
			require.NoError(t, err)
			for _, q := range tc.quantiles {
				require.LessOrEqual(t, relErr(d.Quantile(q[0]), q[1]), quantileTol, "Quantile(%g) = %v, want %v", q[0], d.Quantile(q[0]), q[1])
			}
			for _, c := range tc.cdfs {
				require.LessOrEqual(t, relErr(d.CDF(c[0]), c[1]), cdfTol, "CDF(%g) = %v, want %v", c[0], d.CDF(c[0]), c[1])
			}
			require.LessOrEqual(t, relErr(d.Mean(), tc.mean), momentTol, "Mean")
			require.LessOrEqual(t, relErr(d.Variance(), tc.variance), momentTol, "Variance")
		})
	}
}

// TestNormalQuantileAccuracy measures the normal quantile (gonum's AS241,
// Wichura 1988) against 50-digit references.
func TestNormalQuantileAccuracy(t *testing.T) {
	t.Parallel()
	file, err := os.Open("testdata/normal_quantile.txt")
	require.NoError(t, err)
	defer file.Close()
	d, err := New("z", Spec{Type: Normal, Mean: f(0), StdDev: f(1)})
	require.NoError(t, err)
	var worst float64
	lines := 0
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		fields := strings.Fields(sc.Text())
		p, err := strconv.ParseFloat(fields[0], 64)
		require.NoError(t, err)
		want, err := strconv.ParseFloat(fields[1], 64)
		require.NoError(t, err)
		got := d.Quantile(p)
		e := relErr(got, want)
		if want == 0 {
			e = math.Abs(got)
		}
		require.LessOrEqual(t, e, normalQuantileTol, "p=%v: got %v, want %v", p, got, want)
		worst = math.Max(worst, e)
		lines++
	}
	require.NoError(t, sc.Err())
	require.Equal(t, 3007, lines)
	t.Logf("normal quantile: worst relative error %.3g over %d points", worst, lines)
}

func TestCumulativeAndDiscreteKnownValues(t *testing.T) {
	t.Parallel()
	t.Run("Points", func(t *testing.T) {
		t.Parallel()
		// CDF through (0, 0), (1, 0.5), (3, 1): by hand, Q(p) = 2p on
		// [0, 0.5] and 1 + 4(p − 0.5) above; mean = 0.5·0.5 + 0.5·2 = 1.25,
		// E[X²] = 0.5·(0+0+1)/3 + 0.5·(1+3+9)/3 = 2.3333…
		d, err := New("c", Spec{Type: Cumulative, Values: []float64{1}, Probabilities: []float64{0.5}, Min: f(0), Max: f(3)})
		require.NoError(t, err)
		require.InDelta(t, 0.5, d.Quantile(0.25), 1e-15)
		require.InDelta(t, 2, d.Quantile(0.75), 1e-15)
		require.InDelta(t, 0.75, d.CDF(2), 1e-15)
		require.InDelta(t, 0.5, d.Density(0.5), 1e-15)
		require.InDelta(t, 0.25, d.Density(2), 1e-15)
		require.InDelta(t, 1.25, d.Mean(), 1e-15)
		require.InDelta(t, 7.0/3-1.25*1.25, d.Variance(), 1e-14)
	})
	t.Run("SampleIsPercentileInc", func(t *testing.T) {
		t.Parallel()
		// Excel: PERCENTILE.INC({1,3,2,4}, 0.3) = 1.9 (Microsoft's
		// PERCENTILE.INC documentation example).
		d, err := New("c", Spec{Type: Cumulative, Values: []float64{1, 3, 2, 4}})
		require.NoError(t, err)
		require.InDelta(t, 1.9, d.Quantile(0.3), 1e-15)
		require.InDelta(t, 0.3, d.CDF(1.9), 1e-15)
	})
	t.Run("Discrete", func(t *testing.T) {
		t.Parallel()
		d, err := New("d", Spec{Type: Discrete, Values: []float64{5, 1, 2, 5}, Probabilities: []float64{0.1, 0.2, 0.5, 0.2}})
		require.NoError(t, err)
		require.True(t, d.Discrete())
		for _, c := range []struct{ p, q float64 }{{0, 1}, {0.1, 1}, {0.2, 1}, {0.2000001, 2}, {0.7, 2}, {0.71, 5}, {1, 5}} {
			require.Equal(t, c.q, d.Quantile(c.p), "Quantile(%v)", c.p)
		}
		require.InDelta(t, 0.3, d.Density(5), 1e-15)
		require.InDelta(t, 0.7, d.CDF(4.9), 1e-15)
		require.InDelta(t, 0.2+1+1.5, d.Mean(), 1e-15)
		require.InDelta(t, 0.2+2+7.5-2.7*2.7, d.Variance(), 1e-14)
	})
}

func TestQuantileCDFConsistency(t *testing.T) {
	t.Parallel()
	ps := []float64{1e-9, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-9}
	for _, tc := range knownValues {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := New(tc.name, tc.spec)
			require.NoError(t, err)
			require.Equal(t, d.Min(), d.Quantile(0))
			require.Equal(t, d.Max(), d.Quantile(1))
			require.True(t, math.IsNaN(d.Quantile(-0.1)))
			require.True(t, math.IsNaN(d.Quantile(1.1)))
			require.True(t, math.IsNaN(d.Quantile(math.NaN())))
			prev := math.Inf(-1)
			for _, p := range ps {
				x := d.Quantile(p)
				require.GreaterOrEqual(t, x, prev, "Quantile is monotone")
				prev = x
				if d.Discrete() {
					// Generalised inverse: F(Q(p)) >= p > F(Q(p)−).
					require.GreaterOrEqual(t, d.CDF(x), p)
					require.Less(t, d.CDF(x-0.5), p)
				} else {
					// Round trip in x: near a bounded end the CDF can move
					// faster than float64 x can resolve, so compare xs.
					require.InDelta(t, x, d.Quantile(d.CDF(x)), 1e-9*math.Max(1, math.Abs(x)))
				}
			}
		})
	}
}

func TestPoints(t *testing.T) {
	t.Parallel()
	d, err := New("x", Spec{Type: Normal, Mean: f(0), StdDev: f(1)})
	require.NoError(t, err)
	pts := Points(d, 101)
	require.Len(t, pts, 101)
	require.InDelta(t, d.Quantile(PreviewTail), pts[0][0], 1e-12)
	require.InDelta(t, 1/math.Sqrt(2*math.Pi), pts[50][1], 1e-12)

	b, err := New("b", Spec{Type: Beta, Alpha: f(0.5), Beta: f(2)})
	require.NoError(t, err)
	for _, pt := range Points(b, 50) {
		require.False(t, math.IsInf(pt[1], 0), "infinite densities are left out")
	}
	require.Len(t, Points(b, 50), 49)

	p, err := New("p", Spec{Type: Poisson, Lambda: f(4)})
	require.NoError(t, err)
	pp := Points(p, 100)
	require.Equal(t, 0.0, pp[0][0])
	require.InDelta(t, math.Exp(-4)*4*4*4*4/24, pp[4][1], 1e-15)
	var total float64
	for _, pt := range pp {
		total += pt[1]
	}
	require.Greater(t, total, 0.998)

	big, err := New("p", Spec{Type: Poisson, Lambda: f(1e6)})
	require.NoError(t, err)
	require.LessOrEqual(t, len(Points(big, 100)), 100)
	require.Nil(t, Points(d, 1))
}

func TestInvalidParameters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		spec Spec
		want string
	}{
		{"TriangularOrder", Spec{Type: Triangular, Min: f(5), Mode: f(3), Max: f(4)}, `input "Price" (Inputs!B2): triangular requires min <= mode <= max (got min=5, mode=3, max=4)`},
		{"TriangularDegenerate", Spec{Type: Triangular, Min: f(2), Mode: f(2), Max: f(2)}, "triangular requires min < max (got min=2, max=2)"},
		{"PERTOrder", Spec{Type: PERT, Min: f(0), Mode: f(5), Max: f(4)}, "PERT requires min <= mode <= max (got min=0, mode=5, max=4)"},
		{"PERTLambda", Spec{Type: PERT, Min: f(0), Mode: f(1), Max: f(4), Lambda: f(0)}, "PERT requires lambda > 0"},
		{"NormalSD", Spec{Type: Normal, Mean: f(0), StdDev: f(0)}, "normal requires stdDev > 0 (got stdDev=0)"},
		{"NormalMissing", Spec{Type: Normal, Mean: f(0)}, "normal requires stdDev"},
		{"LogisticScale", Spec{Type: Logistic, Alpha: f(0), Beta: f(0)}, "logistic requires beta > 0 (got beta=0)"},
		{"LogisticMissing", Spec{Type: Logistic, Beta: f(1)}, "logistic requires alpha"},
		{"ExtremeValueScale", Spec{Type: ExtremeValue, Alpha: f(0), Beta: f(-2)}, "extreme_value requires beta > 0 (got beta=-2)"},
		{"ExtremeValueExtra", Spec{Type: ExtremeValue, Alpha: f(0), Beta: f(1), Shape: f(2)}, "extreme_value does not take shape (it takes alpha, beta)"},
		{"NormalNaN", Spec{Type: Normal, Mean: f(math.NaN()), StdDev: f(1)}, "normal must be a finite number (got mean=NaN)"},
		{"NormalExtra", Spec{Type: Normal, Mean: f(0), StdDev: f(1), Alpha: f(2)}, "normal does not take alpha (it takes mean, stdDev)"},
		{"LogNormalMean", Spec{Type: LogNormal, Mean: f(-1), StdDev: f(1)}, "lognormal requires mean > 0 and stdDev > 0 (got mean=-1, stdDev=1)"},
		{"LogNormalBoth", Spec{Type: LogNormal, Mean: f(1), StdDev: f(1), Mu: f(0), Sigma: f(1)}, "either mean and stdDev (of the variable) or mu and sigma"},
		{"LogNormalSigma", Spec{Type: LogNormal, Mu: f(0), Sigma: f(-1)}, "lognormal requires sigma > 0"},
		{"LogNormalNone", Spec{Type: LogNormal}, "lognormal requires mean and stdDev, or mu and sigma"},
		{"UniformOrder", Spec{Type: Uniform, Min: f(3), Max: f(3)}, "uniform requires min < max (got min=3, max=3)"},
		{"BetaAlpha", Spec{Type: Beta, Alpha: f(0), Beta: f(1)}, "beta requires alpha > 0 and beta > 0 (got alpha=0, beta=1)"},
		{"BetaHalfRange", Spec{Type: Beta, Alpha: f(1), Beta: f(1), Min: f(2)}, "beta takes min and max together"},
		{"BetaRange", Spec{Type: Beta, Alpha: f(1), Beta: f(1), Min: f(2), Max: f(1)}, "beta requires min < max"},
		{"GammaBoth", Spec{Type: Gamma, Shape: f(1), Scale: f(1), Rate: f(1)}, "gamma requires exactly one of scale or rate"},
		{"GammaShape", Spec{Type: Gamma, Shape: f(-2), Rate: f(1)}, "gamma requires shape > 0 (got shape=-2)"},
		{"GammaRate", Spec{Type: Gamma, Shape: f(2), Rate: f(0)}, "gamma requires rate > 0"},
		{"Exponential", Spec{Type: Exponential, Rate: f(-1)}, "exponential requires rate > 0 (got rate=-1)"},
		{"Weibull", Spec{Type: Weibull, Shape: f(1), Scale: f(0)}, "weibull requires shape > 0 and scale > 0 (got shape=1, scale=0)"},
		{"Poisson", Spec{Type: Poisson, Lambda: f(0)}, "poisson requires lambda > 0 (got lambda=0)"},
		{"PoissonHuge", Spec{Type: Poisson, Lambda: f(1e12)}, "poisson requires lambda <= 1e+09"},
		{"BinomialN", Spec{Type: Binomial, N: n(0), P: f(0.5)}, "binomial requires 1 <= n <= 1000000000 (got n=0)"},
		{"BinomialP", Spec{Type: Binomial, N: n(10), P: f(1.5)}, "binomial requires 0 <= p <= 1 (got p=1.5)"},
		{"Bernoulli", Spec{Type: Bernoulli, P: f(-0.1)}, "bernoulli requires 0 <= p <= 1 (got p=-0.1)"},
		{"DiscreteSum", Spec{Type: Discrete, Values: []float64{1, 2}, Probabilities: []float64{0.5, 0.4}}, "discrete probabilities must sum to 1 within 1e-09 (got 0.9)"},
		{"DiscreteLengths", Spec{Type: Discrete, Values: []float64{1, 2}, Probabilities: []float64{1}}, "discrete requires as many probabilities as values (got 2 values, 1 probabilities)"},
		{"DiscreteNegative", Spec{Type: Discrete, Values: []float64{1, 2}, Probabilities: []float64{1.5, -0.5}}, "discrete probabilities must be between 0 and 1 (got probability 1 = 1.5)"},
		{"DiscreteEmpty", Spec{Type: Discrete}, "discrete requires at least one value"},
		{"CumulativeOrder", Spec{Type: Cumulative, Values: []float64{0, 2, 1}, Probabilities: []float64{0, 0.5, 1}}, "cumulative points must be non-decreasing"},
		{"CumulativeEnds", Spec{Type: Cumulative, Values: []float64{0, 1}, Probabilities: []float64{0.1, 1}}, "cumulative probabilities must start at 0 and end at 1"},
		{"CumulativeSample", Spec{Type: Cumulative, Values: []float64{3}}, "cumulative from a sample requires at least two values (got 1)"},
		{"CumulativeConstant", Spec{Type: Cumulative, Values: []float64{3, 3}}, "values that are not all equal"},
		{"TruncateOrder", Spec{Type: Normal, Mean: f(0), StdDev: f(1), TruncateMin: f(2), TruncateMax: f(1)}, "truncateMin must be <= truncateMax (got truncateMin=2, truncateMax=1)"},
		{"TruncateEmpty", Spec{Type: Uniform, Min: f(0), Max: f(1), TruncateMin: f(2)}, "truncation to [2, +Inf] leaves no probability: the uniform distribution lies in"},
		{"TruncateBetweenSupport", Spec{Type: Poisson, Lambda: f(3), TruncateMin: f(2.2), TruncateMax: f(2.8)}, "truncation to [2.2, 2.8] leaves no probability"},
		{"StudentNu", Spec{Type: Student, Nu: f(0)}, "student requires nu > 0 (got nu=0)"},
		{"StudentNuHuge", Spec{Type: Student, Nu: f(1e6)}, "student requires nu <= 10000 (got nu=1e+06); use a normal distribution"},
		{"StudentMissing", Spec{Type: Student}, "student requires nu"},
		{"StudentExtra", Spec{Type: Student, Nu: f(3), Mean: f(1)}, "student does not take mean (it takes nu)"},
		{"LogLogisticShape", Spec{Type: LogLogistic, Alpha: f(-1), Beta: f(2)}, "loglogistic requires alpha > 0 and beta > 0 (got alpha=-1, beta=2)"},
		{"LogLogisticMissing", Spec{Type: LogLogistic, Alpha: f(2), Min: f(1)}, "loglogistic requires beta"},
		{"LogLogisticExtra", Spec{Type: LogLogistic, Alpha: f(2), Beta: f(1), Max: f(3)}, "loglogistic does not take max (it takes alpha, beta, min)"},
		{"ParetoShape", Spec{Type: Pareto, Shape: f(0), Min: f(1)}, "pareto requires shape > 0 and min > 0 (got shape=0, min=1)"},
		{"ParetoMin", Spec{Type: Pareto, Shape: f(2), Min: f(-1)}, "pareto requires shape > 0 and min > 0 (got shape=2, min=-1)"},
		{"ParetoMissing", Spec{Type: Pareto, Shape: f(2)}, "pareto requires min"},
		{"ParetoExtra", Spec{Type: Pareto, Shape: f(2), Min: f(1), Scale: f(1)}, "pareto does not take scale (it takes shape, min)"},
		{"NegativeBinomialSuccesses", Spec{Type: NegativeBinomial, N: n(0), P: f(0.5)}, "negative_binomial requires 1 <= n <= 1000000000 successes (got n=0)"},
		{"NegativeBinomialP", Spec{Type: NegativeBinomial, N: n(2), P: f(0)}, "negative_binomial requires 0 < p <= 1 (got p=0)"},
		{"NegativeBinomialHuge", Spec{Type: NegativeBinomial, N: n(1), P: f(1e-6)}, "negative_binomial requires n(1−p)/p² <= 4e+08, its variance (got 9.99999e+11)"},
		{"NegativeBinomialMissing", Spec{Type: NegativeBinomial, P: f(0.5)}, "negative_binomial requires n"},
		{"NegativeBinomialExtra", Spec{Type: NegativeBinomial, N: n(2), P: f(0.5), Lambda: f(1)}, "negative_binomial does not take lambda (it takes n, p)"},
		{"GeneralRange", Spec{Type: General, Min: f(5), Max: f(5), Values: []float64{5}, Probabilities: []float64{1}}, "general requires min < max (got min=5, max=5)"},
		{"GeneralOutside", Spec{Type: General, Min: f(0), Max: f(10), Values: []float64{2, 11}, Probabilities: []float64{1, 1}}, "general values must lie between min and max (got value 2 = 11, min=0, max=10)"},
		{"GeneralOrder", Spec{Type: General, Min: f(0), Max: f(10), Values: []float64{5, 2}, Probabilities: []float64{1, 1}}, "general values must be strictly increasing (got 2 after 5)"},
		{"GeneralLengths", Spec{Type: General, Min: f(0), Max: f(10), Values: []float64{5, 6}, Probabilities: []float64{1}}, "general requires as many probabilities as values (got 2 values, 1 probabilities)"},
		{"GeneralNegative", Spec{Type: General, Min: f(0), Max: f(10), Values: []float64{5}, Probabilities: []float64{-1}}, "general probabilities are relative weights, finite and >= 0 (got probability 1 = -1)"},
		{"GeneralZero", Spec{Type: General, Min: f(0), Max: f(10), Values: []float64{5}, Probabilities: []float64{0}}, "general requires some probability > 0 (all are 0)"},
		{"GeneralEmpty", Spec{Type: General, Min: f(0), Max: f(10), Values: []float64{}, Probabilities: []float64{}}, "general requires at least one value"},
		{"GeneralMissing", Spec{Type: General, Min: f(0), Max: f(10), Values: []float64{5}}, "general requires probabilities"},
		{"HistogramRange", Spec{Type: Histogram, Min: f(3), Max: f(1), Probabilities: []float64{1}}, "histogram requires min < max (got min=3, max=1)"},
		{"HistogramEmpty", Spec{Type: Histogram, Min: f(0), Max: f(1), Probabilities: []float64{}}, "histogram requires at least one bin weight"},
		{"HistogramZero", Spec{Type: Histogram, Min: f(0), Max: f(1), Probabilities: []float64{0, 0}}, "histogram requires some probability > 0 (all are 0)"},
		{"HistogramNaN", Spec{Type: Histogram, Min: f(0), Max: f(1), Probabilities: []float64{1, math.NaN()}}, "histogram probabilities are relative weights, finite and >= 0 (got probability 2 = NaN)"},
		{"HistogramExtra", Spec{Type: Histogram, Min: f(0), Max: f(1), Probabilities: []float64{1}, Values: []float64{0.5}}, "histogram does not take values (it takes min, max, probabilities)"},
		{"DiscreteUniformEmpty", Spec{Type: DiscreteUniform, Values: []float64{}}, "discrete_uniform requires at least one value"},
		{"DiscreteUniformInf", Spec{Type: DiscreteUniform, Values: []float64{1, math.Inf(1)}}, "discrete_uniform values must be finite numbers (got value 2 = +Inf)"},
		{"DiscreteUniformExtra", Spec{Type: DiscreteUniform, Values: []float64{1}, Probabilities: []float64{1}}, "discrete_uniform does not take probabilities (it takes values)"},
		{"IntegerUniformWhole", Spec{Type: IntegerUniform, Min: f(1.5), Max: f(6)}, "integer_uniform requires whole numbers (got min=1.5, max=6)"},
		{"IntegerUniformOrder", Spec{Type: IntegerUniform, Min: f(6), Max: f(6)}, "integer_uniform requires min < max (got min=6, max=6)"},
		{"IntegerUniformHuge", Spec{Type: IntegerUniform, Min: f(0), Max: f(1e7)}, "integer_uniform holds at most 1000000 integers (got 10000001, from min=0 to max=1e+07)"},
		{"IntegerUniformMissing", Spec{Type: IntegerUniform, Max: f(6)}, "integer_uniform requires min"},
		{"TrigenOrder", Spec{Type: Trigen, Bottom: f(10), Mode: f(5), Top: f(40), BottomPercentile: f(10), TopPercentile: f(90)}, "trigen requires bottom <= mode <= top (got bottom=10, mode=5, top=40)"},
		{"TrigenDegenerate", Spec{Type: Trigen, Bottom: f(3), Mode: f(3), Top: f(3), BottomPercentile: f(10), TopPercentile: f(90)}, "trigen requires bottom < top (got bottom=3, top=3)"},
		{"TrigenPercentiles", Spec{Type: Trigen, Bottom: f(1), Mode: f(2), Top: f(3), BottomPercentile: f(90), TopPercentile: f(10)}, "trigen requires 0 <= bottomPercentile < topPercentile <= 100 (got bottomPercentile=90, topPercentile=10)"},
		{"TrigenPercentileRange", Spec{Type: Trigen, Bottom: f(1), Mode: f(2), Top: f(3), BottomPercentile: f(10), TopPercentile: f(101)}, "trigen requires 0 <= bottomPercentile < topPercentile <= 100"},
		{"TrigenMissing", Spec{Type: Trigen, Bottom: f(1), Mode: f(2), Top: f(3), BottomPercentile: f(10)}, "trigen requires topPercentile"},
		{"TrigenExtra", Spec{Type: Trigen, Min: f(0), Bottom: f(1), Mode: f(2), Top: f(3), BottomPercentile: f(10), TopPercentile: f(90)}, "trigen does not take min (it takes bottom, mode, top, bottomPercentile, topPercentile)"},
		{"TrigenNaN", Spec{Type: Trigen, Bottom: f(1), Mode: f(2), Top: f(3), BottomPercentile: f(math.NaN()), TopPercentile: f(90)}, "trigen must be a finite number (got bottomPercentile=NaN)"},
		{"TruncateEmptyPareto", Spec{Type: Pareto, Shape: f(2), Min: f(1), TruncateMax: f(0.5)}, "truncation to [-Inf, 0.5] leaves no probability: the pareto distribution lies in"},
		{"TruncateEmptyTrigen", Spec{Type: Trigen, Bottom: f(1), Mode: f(2), Top: f(3), BottomPercentile: f(0), TopPercentile: f(100), TruncateMin: f(4)}, "leaves no probability: the trigen distribution lies in"},
		{"UnknownType", Spec{Type: "CAUCHY"}, `unknown distribution type "CAUCHY"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewAt("Price", "Inputs!B2", tc.spec)
			require.Error(t, err)
			var pe *ParamError
			require.True(t, errors.As(err, &pe))
			require.Equal(t, "Price", pe.Input)
			require.Equal(t, "Inputs!B2", pe.Cell)
			require.Contains(t, err.Error(), tc.want)
			require.True(t, strings.HasPrefix(err.Error(), `input "Price" (Inputs!B2): `))
		})
	}
	_, err := New("Units", Spec{Type: Normal, Mean: f(0), StdDev: f(-1)})
	require.EqualError(t, err, `input "Units": normal requires stdDev > 0 (got stdDev=-1)`)
}

func TestTruncationOfDiscrete(t *testing.T) {
	t.Parallel()
	d, err := New("k", Spec{Type: Binomial, N: n(10), P: f(0.5), TruncateMin: f(2.5), TruncateMax: f(7.5)})
	require.NoError(t, err)
	require.Equal(t, 3.0, d.Min())
	require.Equal(t, 7.0, d.Max())
	require.Equal(t, 3.0, d.Quantile(1e-300))
	require.Equal(t, 7.0, d.Quantile(1-1e-16))
	// Symmetric around 5 after truncation to {3, …, 7}.
	require.InDelta(t, 5, d.Mean(), 1e-14)
	require.InDelta(t, 0, d.CDF(2.9), 0)
	require.InDelta(t, 1, d.CDF(7), 0)
	var total float64
	for k := 3.0; k <= 7; k++ {
		total += d.Density(k)
	}
	require.InDelta(t, 1, total, 1e-14)
}

func TestDegenerateIntegerDistributions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec   Spec
		x, val float64
	}{
		{Spec{Type: Bernoulli, P: f(0)}, 0, 0},
		{Spec{Type: Bernoulli, P: f(1)}, 1, 0},
		{Spec{Type: Binomial, N: n(7), P: f(0)}, 0, 0},
		{Spec{Type: Binomial, N: n(7), P: f(1)}, 7, 0},
	} {
		d, err := New("x", tc.spec)
		require.NoError(t, err)
		for _, p := range []float64{0, 1e-9, 0.5, 1} {
			require.Equal(t, tc.x, d.Quantile(p))
		}
		require.Equal(t, tc.x, d.Mean())
		require.Equal(t, tc.val, d.Variance())
	}
}

// TestMathextNormalQuantileIsUsed guards the claim in the package doc: the
// normal quantile is gonum's, so the accuracy measured above is gonum's.
func TestMathextNormalQuantileIsUsed(t *testing.T) {
	t.Parallel()
	d, err := New("z", Spec{Type: Normal, Mean: f(0), StdDev: f(1)})
	require.NoError(t, err)
	require.Equal(t, mathext.NormalQuantile(0.123), d.Quantile(0.123))
}

// TestEquivalentFamilies: special cases of the newer families are older
// families, and must draw the same values.
func TestEquivalentFamilies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		spec, old Spec
	}{
		{"GeneralOnePointIsTriangular", Spec{Type: General, Min: f(1), Max: f(7), Values: []float64{3}, Probabilities: []float64{5}}, Spec{Type: Triangular, Min: f(1), Mode: f(3), Max: f(7)}},
		{"HistogramOneBinIsUniform", Spec{Type: Histogram, Min: f(-2), Max: f(5), Probabilities: []float64{0.3}}, Spec{Type: Uniform, Min: f(-2), Max: f(5)}},
		{"HistogramEqualBinsIsUniform", Spec{Type: Histogram, Min: f(0), Max: f(3), Probabilities: []float64{2, 2, 2}}, Spec{Type: Uniform, Min: f(0), Max: f(3)}},
		{"TrigenAbsoluteIsTriangular", Spec{Type: Trigen, Bottom: f(1), Mode: f(2), Top: f(10), BottomPercentile: f(0), TopPercentile: f(100)}, Spec{Type: Triangular, Min: f(1), Mode: f(2), Max: f(10)}},
		{"DiscreteUniformIsDiscrete", Spec{Type: DiscreteUniform, Values: []float64{3, 1, 2, 5}}, Spec{Type: Discrete, Values: []float64{1, 2, 3, 5}, Probabilities: []float64{0.25, 0.25, 0.25, 0.25}}},
		{"IntegerUniformIsDiscrete", Spec{Type: IntegerUniform, Min: f(-1), Max: f(2)}, Spec{Type: Discrete, Values: []float64{-1, 0, 1, 2}, Probabilities: []float64{0.25, 0.25, 0.25, 0.25}}},
		{"NegativeBinomialCertainSuccessIsZero", Spec{Type: NegativeBinomial, N: n(1), P: f(1)}, Spec{Type: Bernoulli, P: f(0)}},
		{"LogLogisticMinDefaultsToZero", Spec{Type: LogLogistic, Beta: f(2), Alpha: f(4)}, Spec{Type: LogLogistic, Min: f(0), Beta: f(2), Alpha: f(4)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := New("x", tc.spec)
			require.NoError(t, err)
			want, err := New("x", tc.old)
			require.NoError(t, err)
			for _, p := range []float64{0, 1e-9, 0.1, 0.25, 0.5, 0.75, 0.9, 1 - 1e-9, 1} {
				require.InDelta(t, want.Quantile(p), d.Quantile(p), 1e-12*math.Max(1, math.Abs(want.Quantile(p))), "Quantile(%v)", p)
			}
			require.InDelta(t, want.Mean(), d.Mean(), 1e-12)
			require.InDelta(t, want.Variance(), d.Variance(), 1e-12)
			require.Equal(t, want.Discrete(), d.Discrete())
		})
	}
}

// TestTrigenPercentiles: the solved triangle puts the given percentiles at
// the bottom and top values, and keeps the mode.
func TestTrigenPercentiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                      string
		bottom, mode, top, pb, pt float64
	}{
		{"RiskDocumentationExample", 100, 200, 300, 10, 90},
		{"Skewed", 10, 20, 40, 10, 90},
		{"ModeAtBottom", 5, 5, 9, 20, 95},
		{"ModeAtTop", 0, 1, 1, 30, 60},
		{"BottomIsMinimum", 2, 3, 8, 0, 75},
		{"TopIsMaximum", 2, 3, 8, 25, 100},
		{"NarrowPercentiles", -1, 0, 2, 49, 51},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := New("x", Spec{Type: Trigen, Bottom: f(tc.bottom), Mode: f(tc.mode), Top: f(tc.top), BottomPercentile: f(tc.pb), TopPercentile: f(tc.pt)})
			require.NoError(t, err)
			require.InDelta(t, tc.pb/100, d.CDF(tc.bottom), 1e-12)
			require.InDelta(t, tc.pt/100, d.CDF(tc.top), 1e-12)
			tri := d.(triangular)
			require.Equal(t, tc.mode, tri.c)
			require.LessOrEqual(t, d.Min(), tc.bottom)
			require.GreaterOrEqual(t, d.Max(), tc.top)
		})
	}
}

// TestTruncatedHeavyTails: truncation that keeps an unbounded side of a
// heavy tail keeps its divergent moments; truncation to a bounded interval
// makes them finite.
func TestTruncatedHeavyTails(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	for _, tc := range []struct {
		name           string
		spec           Spec
		mean, variance float64
		meanTol        float64 // relative
	}{
		// The Cauchy's half above 0: E[X] = ∫ x/(π(1+x²))·2 dx diverges.
		{"CauchyAboveZero", Spec{Type: Student, Nu: f(1), TruncateMin: f(0)}, inf, inf, 0},
		{"CauchyBelowZero", Spec{Type: Student, Nu: f(1), TruncateMax: f(0)}, -inf, inf, 0},
		// ν = 1.5: the half-t's mean 2√ν·Γ((ν+1)/2)/(√π·(ν−1)·Γ(ν/2)) is
		// finite, its variance not. The quadrature of Q(u) cannot reach u
		// closer to 1 than 2⁻⁵³, and the tail it misses, ∫ Q over
		// [1 − 2⁻⁵³, 1] with Q(u) ~ (1 − u)^(−1/ν), is about
		// 3·(2⁻⁵³)^(1/3) ≈ 1e-5 of the mean.
		{"StudentAboveZero", Spec{Type: Student, Nu: f(1.5), TruncateMin: f(0)}, 2 * math.Sqrt(1.5) * math.Gamma(1.25) / (math.Sqrt(math.Pi) * 0.5 * math.Gamma(0.75)), inf, 2e-5},
		// Pareto(θ = 1.5, a = 1) below 10, by hand: density θ/x^(θ+1)
		// renormalised by 1 − 10^−1.5; E[X] = θ(1 − 10^−0.5)/((θ−1)(1 − 10^−1.5)).
		{"ParetoBelowTen", Spec{Type: Pareto, Shape: f(1.5), Min: f(1), TruncateMax: f(10)}, 1.5 * (1 - math.Pow(10, -0.5)) / (0.5 * (1 - math.Pow(10, -1.5))), -1, momentTol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := New("x", tc.spec)
			require.NoError(t, err)
			if math.IsInf(tc.mean, 0) {
				require.Equal(t, tc.mean, d.Mean())
			} else {
				require.InDelta(t, tc.mean, d.Mean(), tc.meanTol*math.Abs(tc.mean))
			}
			if tc.variance >= 0 {
				require.Equal(t, tc.variance, d.Variance())
			} else {
				require.False(t, math.IsInf(d.Variance(), 0) || math.IsNaN(d.Variance()), "finite variance")
			}
		})
	}
}
