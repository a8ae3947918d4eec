package model

import (
	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/simspec"
)

// Result is one output's results as GraphQL shows them; Stored keeps the
// row for the fields that read more of it (samples).
type Result struct {
	Cell string
	Name *string
	// NumberFormat is the output cell's Excel format code, when asked for.
	NumberFormat *string
	Iterations   int
	Mean         float64
	StdDev       float64
	Variance     float64
	Skewness     float64
	Kurtosis     float64
	Min          float64
	Max          float64
	StdError     float64
	CiLower      float64
	CiUpper      float64
	Percentiles  []simspec.Percentile
	Histogram    simspec.Histogram
	Sensitivity  []simspec.Sensitivity
	Errors       []ErrorCount
	// RSquared and UnexplainedVariance are the regression's shares.
	RSquared            *float64
	UnexplainedVariance *float64
	Targets             []simspec.TargetProbability
	Tail                []simspec.Tail
	Convergence         []simspec.ConvergencePoint
	Stored              *ent.Result
}
