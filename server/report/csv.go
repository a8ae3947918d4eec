package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/sample"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/simulation"
)

// number writes a float64 with the fewest digits that read back to it.
func number(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// WriteSummaryCSV writes one row per output: its statistics, its
// percentiles and its tail measures, with a header naming each column.
func WriteSummaryCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	head := []string{"output", "cell", "iterations", "mean", "std_dev", "variance", "skewness", "kurtosis",
		"min", "max", "std_error", "ci_lower", "ci_upper"}
	var first = r.Results
	if len(first) > 0 {
		for _, p := range first[0].Percentiles {
			head = append(head, "p"+number(p.P))
		}
		for _, t := range first[0].Tails {
			lvl := number(t.Level * 100)
			head = append(head, "var_"+lvl, "cvar_"+lvl, "upper_var_"+lvl, "upper_cvar_"+lvl)
		}
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, res := range r.Results {
		s := res.Summary
		row := []string{outputName(res), res.Cell, strconv.Itoa(s.Iterations), number(s.Mean), number(s.StdDev),
			number(s.Variance), number(s.Skewness), number(s.Kurtosis), number(s.Min), number(s.Max),
			number(s.StdError), number(s.CILower), number(s.CIUpper)}
		for _, p := range res.Percentiles {
			row = append(row, number(p.Value))
		}
		for _, t := range res.Tails {
			row = append(row, number(t.VaR), number(t.CVaR), number(t.UpperVaR), number(t.UpperCVaR))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// samplesBatch is how many iterations are drawn and written at a time.
const samplesBatch = 4096

// SamplesCSV returns what writes the samples' CSV: one row per iteration,
// its number, every input's value (drawn again from the run's sampling
// plan: the very values the run used) and every output's stored value, an
// Excel error by its name. It refuses a simulation that did not keep its
// samples (BAD_USER_INPUT) before anything is written, so that the rows
// can be streamed.
func (s *Service) SamplesCSV(ctx context.Context, r *Report) (func(io.Writer) error, error) {
	sim := r.Simulation
	if !sim.KeepSamples {
		return nil, apperr.Errorf(apperr.BadUserInput, "simulation %s did not keep its samples: run it with keepSamples: true", sim.ID)
	}
	outputs := make([][]float64, len(r.Results))
	n := -1
	for j, res := range r.Results {
		if res.Samples == nil {
			return nil, apperr.Errorf(apperr.BadUserInput, "simulation %s has no samples of %s", sim.ID, res.Cell)
		}
		outputs[j] = simulation.DecodeSamples(*res.Samples, 0, len(*res.Samples)/8)
		if n < 0 || len(outputs[j]) < n {
			n = len(outputs[j])
		}
	}
	n = max(n, 0)
	wb, _, err := s.Files.Parsed(ctx, sim.WorkbookID)
	if err != nil {
		return nil, err
	}
	model, err := simulation.BuildModel(wb, simulation.RequestOf(sim))
	if err != nil {
		return nil, fmt.Errorf("rebuilding the model of simulation %s: %w", sim.ID, err)
	}
	draws, err := engine.NewDraws(model, engine.Options{Iterations: sim.Iterations, Seed: uint64(sim.Seed), Sampling: sample.Method(sim.Sampling)})
	if err != nil {
		return nil, fmt.Errorf("drawing the inputs of simulation %s: %w", sim.ID, err)
	}
	return func(w io.Writer) error {
		cw := csv.NewWriter(w)
		head := []string{"iteration"}
		for _, in := range sim.Inputs {
			head = append(head, columnName(in.Name, in.Cell))
		}
		for _, res := range r.Results {
			head = append(head, columnName(res.Name, res.Cell))
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		buf := make([][]float64, len(sim.Inputs))
		for i := range buf {
			buf[i] = make([]float64, samplesBatch)
		}
		inputs := make([][]float64, len(sim.Inputs))
		row := make([]string, len(head))
		for start := 0; start < n; start += samplesBatch {
			if err := ctx.Err(); err != nil {
				return err
			}
			m := min(samplesBatch, n-start)
			for i := range inputs {
				inputs[i] = buf[i][:m]
			}
			if err := draws.Fill(start, inputs); err != nil {
				return err
			}
			for k := range m {
				row[0] = strconv.Itoa(start + k + 1)
				for i := range inputs {
					row[1+i] = number(inputs[i][k])
				}
				for j := range outputs {
					row[1+len(inputs)+j] = cellText(outputs[j][start+k])
				}
				if err := cw.Write(row); err != nil {
					return err
				}
			}
		}
		cw.Flush()
		return cw.Error()
	}, nil
}

// columnName is "name (cell)", or the cell alone.
func columnName(name, cell string) string {
	if name == "" {
		return cell
	}
	return name + " (" + cell + ")"
}

// cellText is a stored output value as a spreadsheet shows it.
func cellText(v float64) string {
	if code, ok := formula.ErrorKind(v); ok {
		return code.String()
	}
	return number(v)
}
