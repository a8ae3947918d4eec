package formula

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/workbook"
)

// arithmeticModel builds a sheet of n formulas over 4 inputs: chains of
// +, -, *, / and ^, the shape of a typical cash-flow model's row math.
func arithmeticModel(n int) (*workbook.Workbook, []CellRef, []CellRef) {
	cells := []workbook.Cell{}
	for i := 1; i <= 4; i++ {
		cells = append(cells, workbook.Cell{Row: i, Col: 1, Value: workbook.Value{Kind: workbook.Number, Num: float64(i)}})
	}
	// bounded recurrences, so that no lane drifts into errors or overflow
	// (which would measure the slow path instead)
	for i := 1; i <= n; i++ {
		var f string
		switch {
		case i <= 4:
			f = fmt.Sprintf("A%d*1.01+A%d", i, (i%4)+1)
		case i%4 == 0:
			f = fmt.Sprintf("B%d*0.5+B%d*0.3", i-1, i-2)
		case i%4 == 1:
			f = fmt.Sprintf("B%d-B%d*0.2+A1", i-1, i-3)
		case i%4 == 2:
			f = fmt.Sprintf("B%d/2+A2*0.1", i-1)
		default:
			f = fmt.Sprintf("B%d*B%d/(1+B%d*B%d)+A3-B%d*0.1", i-1, i-1, i-1, i-1, i-2)
		}
		cells = append(cells, workbook.Cell{Row: i, Col: 2, Formula: f})
	}
	wb := workbook.New([]*workbook.Sheet{{Name: "S", Cells: cells}}, nil)
	in := []CellRef{{"S", 1, 1}, {"S", 2, 1}, {"S", 3, 1}, {"S", 4, 1}}
	out := []CellRef{{"S", n, 2}, {"S", n - 1, 2}}
	return wb, in, out
}

// BenchmarkRun measures the production inner loop: one batch of a compiled
// 1,000-formula arithmetic model (what each simulation worker repeats).
func BenchmarkRun(b *testing.B) {
	wb, in, out := arithmeticModel(1000)
	p, err := Compile(wb, CompileOptions{Inputs: in, Outputs: out})
	require.NoError(b, err)
	for _, batch := range []int{256, 1024, 4096} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := p.NewState(batch)
			for i := range in {
				for l := range s.Input(i) {
					s.Input(i)[l] = float64(i+1) + float64(l)*1e-3
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				s.Run(batch)
			}
			evals := float64(p.Formulas()) * float64(batch) * float64(b.N)
			b.ReportMetric(evals/b.Elapsed().Seconds(), "formula-evals/s")
			reportPerCPU(b, evals, c0, "formula-evals/cpu-s")
		})
	}
}

// reportPerCPU reports a rate per CPU-second of the process (one
// benchmark goroutine: per core), when the platform measures it.
func reportPerCPU(b *testing.B, count, cpu0 float64, unit string) {
	if d := cpuSeconds() - cpu0; cpu0 > 0 && d > 0 {
		b.ReportMetric(count/d, unit)
	}
}

// BenchmarkRunDCF is the reference Monte Carlo model (project-dcf.xlsx,
// NPV and IRR outputs): growth arithmetic, VLOOKUP tax brackets, ROUND,
// NPV and IRR over ranges of varying cells, one batch per worker chunk
// (engine.ChunkSize is 1,024). outputs=ranges asks for the model's
// COUNTIF, INDEX/MATCH, SUMPRODUCT and SUMIF cells instead.
func BenchmarkRunDCF(b *testing.B) {
	wb := openWorkbook(b, "project-dcf.xlsx")
	for _, tc := range []struct {
		name    string
		outputs []string
	}{
		{"npv-irr", []string{"Summary!B2", "Summary!B3"}},
		{"ranges", []string{"Summary!B4", "Summary!B8", "Summary!B10", "Summary!B20", "Summary!B21"}},
	} {
		b.Run("outputs="+tc.name, func(b *testing.B) { benchmarkRunDCF(b, wb, tc.outputs) })
	}
}

func benchmarkRunDCF(b *testing.B, wb *workbook.Workbook, outputs []string) {
	p, err := Compile(wb, CompileOptions{Inputs: refs(b, dcfInputs...), Outputs: refs(b, outputs...)})
	require.NoError(b, err)
	for _, batch := range []int{256, 1024} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := p.NewState(batch)
			for i := range p.Inputs() {
				v := cachedNumber(b, wb, p.Inputs()[i])
				for l := range s.Input(i) {
					s.Input(i)[l] = v * (1 + float64(l%7)*0.01)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				s.Run(batch)
			}
			its := float64(batch) * float64(b.N)
			b.ReportMetric(its/b.Elapsed().Seconds(), "iterations/s")
			reportPerCPU(b, its, c0, "iterations/cpu-s")
		})
	}
}

func TestRunDoesNotAllocate(t *testing.T) {
	wb, in, out := arithmeticModel(200)
	p, err := Compile(wb, CompileOptions{Inputs: in, Outputs: out})
	require.NoError(t, err)
	s := p.NewState(64)
	for i := range in {
		for l := range s.Input(i) {
			s.Input(i)[l] = float64(i + 1)
		}
	}
	s.Run(64)
	allocs := testing.AllocsPerRun(20, func() { s.Run(64) })
	require.Zero(t, allocs)
}
