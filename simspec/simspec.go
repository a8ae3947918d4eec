// Package simspec holds the shapes a simulation is stored in: its inputs,
// correlations, progress snapshots and per-output results. They are plain
// JSON-tagged values shared by the ent schemas, the simulation service and
// the progress broker; the engine has its own types and the simulation
// service converts between the two.
package simspec

// Distribution is a distribution type and its parameters (see
// DistributionInput in the GraphQL schema for which apply to which type).
type Distribution struct {
	Type             string    `json:"type"`
	Min              *float64  `json:"min,omitempty"`
	Mode             *float64  `json:"mode,omitempty"`
	Max              *float64  `json:"max,omitempty"`
	Mean             *float64  `json:"mean,omitempty"`
	StdDev           *float64  `json:"stdDev,omitempty"`
	Mu               *float64  `json:"mu,omitempty"`
	Sigma            *float64  `json:"sigma,omitempty"`
	Alpha            *float64  `json:"alpha,omitempty"`
	Beta             *float64  `json:"beta,omitempty"`
	Shape            *float64  `json:"shape,omitempty"`
	Scale            *float64  `json:"scale,omitempty"`
	Rate             *float64  `json:"rate,omitempty"`
	Lambda           *float64  `json:"lambda,omitempty"`
	N                *int      `json:"n,omitempty"`
	P                *float64  `json:"p,omitempty"`
	Values           []float64 `json:"values,omitempty"`
	Probabilities    []float64 `json:"probabilities,omitempty"`
	Nu               *float64  `json:"nu,omitempty"`
	Bottom           *float64  `json:"bottom,omitempty"`
	Top              *float64  `json:"top,omitempty"`
	BottomPercentile *float64  `json:"bottomPercentile,omitempty"`
	TopPercentile    *float64  `json:"topPercentile,omitempty"`
	TruncateMin      *float64  `json:"truncateMin,omitempty"`
	TruncateMax      *float64  `json:"truncateMax,omitempty"`
	Shift            *float64  `json:"shift,omitempty"`
}

// Input is an uncertain input cell.
type Input struct {
	Cell         string       `json:"cell"`
	Name         string       `json:"name,omitempty"`
	Distribution Distribution `json:"distribution"`
}

// Correlation is a target rank correlation between two inputs.
type Correlation struct {
	CellA       string  `json:"cellA"`
	CellB       string  `json:"cellB"`
	Coefficient float64 `json:"coefficient"`
}

// Copula joins inputs by a copula: Family is NORMAL or T (Correlation the
// Pearson correlations of the copula's normal variables, row r being
// Cells[r]; T with DegreesOfFreedom), or CLAYTON, GUMBEL or FRANK (two
// Cells, Theta their α or θ).
type Copula struct {
	Family           string      `json:"family"`
	Cells            []string    `json:"cells"`
	Correlation      [][]float64 `json:"correlation,omitempty"`
	DegreesOfFreedom *float64    `json:"degreesOfFreedom,omitempty"`
	Theta            *float64    `json:"theta,omitempty"`
}

// The copula families, as the GraphQL enum CopulaFamily spells them.
const (
	CopulaNormal  = "NORMAL"
	CopulaT       = "T"
	CopulaClayton = "CLAYTON"
	CopulaGumbel  = "GUMBEL"
	CopulaFrank   = "FRANK"
)

// Convergence is an output's running mean and standard error.
type Convergence struct {
	Cell     string  `json:"cell"`
	Mean     float64 `json:"mean"`
	StdError float64 `json:"stdError"`
}

// Progress is a snapshot of a simulation's run.
type Progress struct {
	SimulationID    string        `json:"simulationId"`
	Status          string        `json:"status"`
	Stage           string        `json:"stage"`
	Percent         float64       `json:"percent"`
	IterationsDone  int           `json:"iterationsDone"`
	IterationsTotal int           `json:"iterationsTotal"`
	ElapsedMs       int64         `json:"elapsedMs"`
	EtaMs           *int64        `json:"etaMs,omitempty"`
	Outputs         []Convergence `json:"outputs"`
}

// Terminal reports whether the snapshot is a final state.
func (p Progress) Terminal() bool {
	switch p.Status {
	case "COMPLETED", "FAILED", "CANCELLED":
		return true
	}
	return false
}

// Summary are an output's summary statistics.
type Summary struct {
	Iterations int     `json:"iterations"`
	Mean       float64 `json:"mean"`
	StdDev     float64 `json:"stdDev"`
	Variance   float64 `json:"variance"`
	Skewness   float64 `json:"skewness"`
	Kurtosis   float64 `json:"kurtosis"`
	Min        float64 `json:"min"`
	Max        float64 `json:"max"`
	StdError   float64 `json:"stdError"`
	CILower    float64 `json:"ciLower"`
	CIUpper    float64 `json:"ciUpper"`
	// RSquared is the share of variance the linear regression on the
	// inputs explains, Unexplained = 1 − RSquared; nil when undefined.
	RSquared    *float64 `json:"rSquared,omitempty"`
	Unexplained *float64 `json:"unexplained,omitempty"`
	// Convergence is the running mean as the run went (at most
	// engine.MaxConvergencePoints points, the last at Iterations); empty
	// for a run split across replicas.
	Convergence []ConvergencePoint `json:"convergence,omitempty"`
}

// ConvergencePoint is an output's running mean and its standard error
// after the first Iterations iterations.
type ConvergencePoint struct {
	Iterations int     `json:"iterations"`
	Mean       float64 `json:"mean"`
	StdError   float64 `json:"stdError"`
}

// ConvergenceZ is the normal quantile of the 95% band of a convergence
// chart, Φ⁻¹(0.975).
const ConvergenceZ = 1.959963984540054

// CiLower is the lower end of the mean's 95% confidence band.
func (p ConvergencePoint) CiLower() float64 { return p.Mean - ConvergenceZ*p.StdError }

// CiUpper is the upper end of the mean's 95% confidence band.
func (p ConvergencePoint) CiUpper() float64 { return p.Mean + ConvergenceZ*p.StdError }

// AutoStop ends a run before its iterations once every output's mean, and
// each of Percentiles (in percent), is known within ±RelativeError of its
// value at the two-sided Confidence, after at least MinIterations.
type AutoStop struct {
	RelativeError float64   `json:"relativeError"`
	Confidence    float64   `json:"confidence"`
	MinIterations int       `json:"minIterations"`
	Percentiles   []float64 `json:"percentiles,omitempty"`
}

// Target asks for the probabilities of an output falling below and above
// Value: of the output whose cell is Output, or of every output when
// Output is "".
type Target struct {
	Output string  `json:"output,omitempty"`
	Value  float64 `json:"value"`
}

// TargetProbability is an output's P(< Value) and P(> Value).
type TargetProbability struct {
	Value     float64 `json:"value"`
	ProbBelow float64 `json:"probBelow"`
	ProbAbove float64 `json:"probAbove"`
}

// Tail is an output's value at risk and expected shortfall at Level (see
// engine.Tail for the convention).
type Tail struct {
	Level     float64 `json:"level"`
	VaR       float64 `json:"var"`
	CVaR      float64 `json:"cvar"`
	UpperVaR  float64 `json:"upperVar"`
	UpperCVaR float64 `json:"upperCvar"`
}

// Percentile is a value at percent P.
type Percentile struct {
	P     float64 `json:"p"`
	Value float64 `json:"value"`
}

// Bin is a histogram bin [Lower, Upper).
type Bin struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
	Count int     `json:"count"`
	// Probability is Count over the histogram's total count, filled in
	// when the histogram is read (WithProbabilities), not stored.
	Probability float64 `json:"-"`
}

// WithProbabilities is a copy of h with every bin's Probability set.
func (h Histogram) WithProbabilities() Histogram {
	total := 0
	for _, b := range h.Bins {
		total += b.Count
	}
	out := Histogram{Method: h.Method, Bins: make([]Bin, len(h.Bins))}
	for i, b := range h.Bins {
		out.Bins[i] = b
		if total > 0 {
			out.Bins[i].Probability = float64(b.Count) / float64(total)
		}
	}
	return out
}

// Histogram is an output's histogram.
type Histogram struct {
	Bins   []Bin  `json:"bins"`
	Method string `json:"method"`
}

// Sensitivity is one input's influence on an output.
type Sensitivity struct {
	Input                  string    `json:"input"`
	Name                   string    `json:"name,omitempty"`
	RankCorrelation        float64   `json:"rankCorrelation"`
	ContributionToVariance float64   `json:"contributionToVariance"`
	DecileMeans            []float64 `json:"decileMeans"`
	// StandardizedRegression is the input's standardised regression
	// coefficient and VarianceShare its share (0 to 1) of the output's
	// variance; nil when undefined.
	StandardizedRegression *float64 `json:"src,omitempty"`
	VarianceShare          *float64 `json:"varianceShare,omitempty"`
}

// Request is a simulation as a client asks for it.
type Request struct {
	WorkbookID string
	Name       string
	Inputs     []Input
	Outputs    []string
	// OutputNames are the outputs' names, by position; a missing or empty
	// one defaults to the output's label in the workbook.
	OutputNames  []string
	Targets      []Target
	TailLevels   []float64
	Iterations   int
	Seed         *int64
	Sampling     string
	Correlations []Correlation
	// Copulas join inputs in none of Correlations.
	Copulas     []Copula
	KeepSamples bool
	// Scenarios run beside the base over the same random numbers.
	Scenarios []Scenario
	// AutoStop, if set, ends the run early (Iterations is then the most
	// it runs).
	AutoStop *AutoStop
}

// Scenario is a named set of input overrides run beside the base over the
// same random numbers.
type Scenario struct {
	Name      string             `json:"name"`
	Overrides []ScenarioOverride `json:"overrides"`
}

// ScenarioOverride sets one cell in a scenario: exactly one of Value (a
// constant), Distribution (another distribution) and PercentileRange (the
// input's own distribution restricted to a band of its quantiles).
type ScenarioOverride struct {
	Cell            string           `json:"cell"`
	Value           *float64         `json:"value,omitempty"`
	Distribution    *Distribution    `json:"distribution,omitempty"`
	PercentileRange *PercentileRange `json:"percentileRange,omitempty"`
}

// PercentileRange is a band of quantile levels, 0 <= Low < High <= 1.
type PercentileRange struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}
