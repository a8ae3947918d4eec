// Package report turns a completed simulation into files an analyst takes
// away: an .xlsx report with native charts, a CSV of the summary
// statistics and a CSV of the samples (inputs drawn again from the run's
// plan, outputs as stored). The tenant's privacy rules apply through the
// services it reads with.
package report

import (
	"context"
	"time"

	"github.com/simgraph/simgraph/ent"
	entsimulation "github.com/simgraph/simgraph/ent/simulation"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/files"
	"github.com/simgraph/simgraph/server/simulation"
)

// Service loads what a report needs.
type Service struct {
	Simulations *simulation.Service
	Files       *files.Service
	// Version is the engine's (the binary's) version, written in reports.
	Version string
}

// Report is a completed simulation with everything written about it.
type Report struct {
	Simulation *ent.Simulation
	// WorkbookName is empty when the workbook was deleted since.
	WorkbookName string
	Results      []*ent.Result
	// Scenarios are the results of scenario k (1, 2, ...) of
	// Simulation.Scenarios, as Results.
	Scenarios map[int][]*ent.Result
	// Formats are the number formats of the output cells in the workbook,
	// by cell; an output without one has none here.
	Formats   map[string]NumberFormat
	Version   string
	Generated time.Time
}

// Load reads one of the viewer's completed simulations: NOT_FOUND for
// another tenant's, BAD_USER_INPUT for one that has not completed.
func (s *Service) Load(ctx context.Context, id string) (*Report, error) {
	sim, err := s.Simulations.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if sim.Status != entsimulation.StatusCOMPLETED {
		return nil, apperr.Errorf(apperr.BadUserInput, "simulation %s is %s: reports are made of completed simulations", id, sim.Status)
	}
	results, err := s.Simulations.Results(ctx, sim)
	if err != nil {
		return nil, err
	}
	scenarios, err := s.Simulations.ScenarioResults(ctx, sim)
	if err != nil {
		return nil, err
	}
	r := &Report{Simulation: sim, Results: results, Scenarios: scenarios, Version: s.Version, Generated: time.Now().UTC(), Formats: map[string]NumberFormat{}}
	wb, err := s.Files.Content(ctx, sim.WorkbookID)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		// Deleted since: the results stand without the workbook's formats.
	case err != nil:
		return nil, err
	default:
		r.WorkbookName = wb.Name
		r.Formats = numberFormats(wb.Content, sim.Outputs)
	}
	return r, nil
}

// outputName is an output's stored name, else its cell.
func outputName(res *ent.Result) string {
	if res.Name != "" {
		return res.Name
	}
	return res.Cell
}
