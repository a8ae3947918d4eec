package server_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

const convergenceQuery = `query($id: ID!) { simulation(id: $id) { status iterations
	autoStop { relativeError confidence minIterations percentiles }
	results { cell iterations mean stdError percentiles { p value }
		histogram { method bins { lower upper count probability } }
		convergence { iterations mean stdError ciLower ciUpper } } } }`

type convergenceGot struct {
	Simulation struct {
		Status     string
		Iterations int
		AutoStop   *struct {
			RelativeError, Confidence float64
			MinIterations             int
			Percentiles               []float64
		}
		Results []struct {
			Cell           string
			Iterations     int
			Mean, StdError float64
			Percentiles    []struct{ P, Value float64 }
			Histogram      struct {
				Method string
				Bins   []struct {
					Lower, Upper, Probability float64
					Count                     int
				}
			}
			Convergence []struct {
				Iterations                       int
				Mean, StdError, CiLower, CiUpper float64
			}
		}
	}
}

// TestSimulationAutoStop runs the DCF model to a precision on the mean
// and on P5 instead of a number of iterations, from createSimulation and
// from a saved model, reads the running mean with its confidence band, and
// checks the stored histograms are probabilities with a readable number
// of bins.
func TestSimulationAutoStop(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 1, false // the full run's 400,000 iterations are past the trial tier's
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@autostop.example", Org: "autostop"})
		wb := s.UploadID(t, token, "dcf.xlsx", dcfWorkbook(t))
		const most = 400_000
		withStop := func(stop map[string]any) map[string]any {
			in := dcfSimulation(wb, most)
			in["sampling"] = "MONTE_CARLO"
			if stop != nil {
				in["autoStop"] = stop
			}
			return in
		}
		meanOnly := createSimulation(t, s, token, withStop(map[string]any{"relativeError": 0.01}))
		withP5 := createSimulation(t, s, token, withStop(map[string]any{"relativeError": 0.01, "percentiles": []float64{5}, "confidence": 0.9}))
		full := createSimulation(t, s, token, withStop(nil))
		waitCompleted(t, s, token, []string{meanOnly, withP5, full})

		read := func(id string) convergenceGot {
			var got convergenceGot
			s.Query(t, token, convergenceQuery, map[string]any{"id": id}).Decode(t, &got)
			require.Equal(t, "COMPLETED", got.Simulation.Status)
			return got
		}
		m, p, f := read(meanOnly), read(withP5), read(full)
		require.Nil(t, f.Simulation.AutoStop)
		require.NotNil(t, m.Simulation.AutoStop)
		require.Equal(t, 0.95, m.Simulation.AutoStop.Confidence, "the default confidence")
		require.Equal(t, 2048, m.Simulation.AutoStop.MinIterations, "the default minimum")
		require.Empty(t, m.Simulation.AutoStop.Percentiles)
		require.Equal(t, []float64{5}, p.Simulation.AutoStop.Percentiles)
		require.Equal(t, most, m.Simulation.Iterations, "iterations stays the most it may run")

		ran := func(g convergenceGot) int { return g.Simulation.Results[0].Iterations }
		require.Equal(t, most, ran(f))
		require.Less(t, ran(m), most, "the mean was precise long before")
		require.Greater(t, ran(p), ran(m), "P5 of NPV needs more iterations than its mean")
		for name, g := range map[string]convergenceGot{"mean": m, "P5": p, "full": f} {
			for _, r := range g.Simulation.Results {
				require.Equal(t, ran(g), r.Iterations, "%s %s: every output ran as long", name, r.Cell)
				if g.Simulation.AutoStop != nil {
					z := map[float64]float64{0.95: 1.959963984540054, 0.9: 1.6448536269514722}[g.Simulation.AutoStop.Confidence]
					require.LessOrEqual(t, z*r.StdError, 0.01*math.Abs(r.Mean), "%s %s: the mean is that precise", name, r.Cell)
				}
				// The convergence chart's data.
				cv := r.Convergence
				require.NotEmpty(t, cv, "%s %s", name, r.Cell)
				require.LessOrEqual(t, len(cv), 100)
				last := cv[len(cv)-1]
				require.Equal(t, r.Iterations, last.Iterations)
				require.InDelta(t, r.Mean, last.Mean, 1e-9*math.Abs(r.Mean))
				require.InDelta(t, r.StdError, last.StdError, 1e-9*r.StdError)
				for k, pt := range cv {
					if k > 0 {
						require.Greater(t, pt.Iterations, cv[k-1].Iterations)
					}
					require.InDelta(t, pt.Mean-1.959963984540054*pt.StdError, pt.CiLower, 1e-9*math.Abs(pt.Mean)+1e-12)
					require.InDelta(t, pt.Mean+1.959963984540054*pt.StdError, pt.CiUpper, 1e-9*math.Abs(pt.Mean)+1e-12)
				}
				// Histograms are probabilities over a readable number of bins.
				h := r.Histogram
				require.Contains(t, []string{"freedman-diaconis", "sturges"}, h.Method)
				require.NotEmpty(t, h.Bins)
				require.LessOrEqual(t, len(h.Bins), 100, "%s %s: a readable number of bins", name, r.Cell)
				total, sum := 0, 0.0
				for _, b := range h.Bins {
					total += b.Count
					sum += b.Probability
				}
				require.LessOrEqual(t, total, r.Iterations, "iterations whose value is an error have no bin")
				require.Greater(t, total, r.Iterations/2)
				require.InDelta(t, 1, sum, 1e-9)
				for _, b := range h.Bins {
					require.InDelta(t, float64(b.Count)/float64(total), b.Probability, 1e-12)
				}
			}
		}
		// Freedman–Diaconis asks for more than 100 bins of 400,000 NPVs: capped.
		require.Len(t, f.Simulation.Results[0].Histogram.Bins, 100)

		// A saved model keeps its auto-stop, and its runs use it.
		def := dcfSimulation(wb, most)
		delete(def, "workbookId")
		def["autoStop"] = map[string]any{"relativeError": 0.01}
		var created struct {
			CreateModel struct {
				ID      string
				Current struct {
					AutoStop *struct{ RelativeError float64 }
				}
			}
		}
		s.Query(t, token, `mutation($in: CreateModelInput!) { createModel(input: $in) { id current { autoStop { relativeError } } } }`,
			map[string]any{"in": map[string]any{"workbookId": wb, "name": "dcf to 1%", "definition": def}}).Decode(t, &created)
		require.NotNil(t, created.CreateModel.Current.AutoStop)
		require.Equal(t, 0.01, created.CreateModel.Current.AutoStop.RelativeError)
		var run struct{ RunModel struct{ ID string } }
		s.Query(t, token, runModelOp, map[string]any{"id": created.CreateModel.ID}).Decode(t, &run)
		waitCompleted(t, s, token, []string{run.RunModel.ID})
		r := read(run.RunModel.ID)
		require.NotNil(t, r.Simulation.AutoStop)
		require.Less(t, ran(r), most)

		// Refusals.
		for _, tc := range []struct {
			name string
			stop map[string]any
		}{
			{"ZeroError", map[string]any{"relativeError": 0}},
			{"ErrorAboveOne", map[string]any{"relativeError": 1.5}},
			{"Confidence", map[string]any{"relativeError": 0.01, "confidence": 1}},
			{"MinIterationsAboveIterations", map[string]any{"relativeError": 0.01, "minIterations": most + 1}},
			{"Percentile", map[string]any{"relativeError": 0.01, "percentiles": []float64{0}}},
			{"TooManyPercentiles", map[string]any{"relativeError": 0.01, "percentiles": []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp := s.Query(t, token, `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`, map[string]any{"in": withStop(tc.stop)})
				require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%+v", resp.Errors)
			})
		}
	})
}
