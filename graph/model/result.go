package model

import (
	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/simspec"
)

// Result is one output's results as GraphQL shows them; Stored keeps the
// row for the fields that read more of it (samples).
type Result struct {
	Cell        string
	Iterations  int
	Mean        float64
	StdDev      float64
	Variance    float64
	Skewness    float64
	Kurtosis    float64
	Min         float64
	Max         float64
	StdError    float64
	CiLower     float64
	CiUpper     float64
	Percentiles []simspec.Percentile
	Histogram   simspec.Histogram
	Sensitivity []simspec.Sensitivity
	Errors      []ErrorCount
	Stored      *ent.Result
}
