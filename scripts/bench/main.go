// Command bench holds the Go side of `make bench` (scripts/bench.sh):
//
//	bench gen -o model.xlsx [-n 1000]      write the arithmetic model
//	bench evals -workbook model.xlsx       compiled formula evaluations per second on one core
//	bench excelize -workbook model.xlsx    the same model recalculated with excelize's CalcCellValue
//
// The arithmetic model is the shape of a cash-flow model's row math: four
// input cells S!A1:A4 and n formulas S!B1:Bn chaining +, -, *, / over the
// previous rows, bounded so that no iteration drifts into errors or
// overflow (which would measure the slow path). It is the model of
// engine/formula's BenchmarkRun, written to a real .xlsx so that every
// contender reads the same file. scripts/bench/arith_numpy.py is the same
// model written by hand in numpy.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench gen|evals|excelize [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "evals":
		err = evals(os.Args[2:])
	case "excelize":
		err = recalc(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// formulaOf is the text of S!Bi in a model of n formulas.
func formulaOf(i int) string {
	switch {
	case i <= 4:
		return fmt.Sprintf("A%d*1.01+A%d", i, (i%4)+1)
	case i%4 == 0:
		return fmt.Sprintf("B%d*0.5+B%d*0.3", i-1, i-2)
	case i%4 == 1:
		return fmt.Sprintf("B%d-B%d*0.2+A1", i-1, i-3)
	case i%4 == 2:
		return fmt.Sprintf("B%d/2+A2*0.1", i-1)
	default:
		return fmt.Sprintf("B%d*B%d/(1+B%d*B%d)+A3-B%d*0.1", i-1, i-1, i-1, i-1, i-2)
	}
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	out := fs.String("o", "model.xlsx", "output file")
	n := fs.Int("n", 1000, "number of formulas")
	_ = fs.Parse(args)
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", "S"); err != nil {
		return err
	}
	for i := 1; i <= 4; i++ {
		if err := x.SetCellValue("S", fmt.Sprintf("A%d", i), float64(i)); err != nil {
			return err
		}
	}
	for i := 1; i <= *n; i++ {
		if err := x.SetCellFormula("S", fmt.Sprintf("B%d", i), formulaOf(i)); err != nil {
			return err
		}
	}
	return x.SaveAs(*out)
}

// evals measures the production inner loop on one core: a batch of
// engine.ChunkSize lanes of the compiled program, repeated.
func evals(args []string) error {
	fs := flag.NewFlagSet("evals", flag.ExitOnError)
	path := fs.String("workbook", "model.xlsx", "arithmetic model")
	seconds := fs.Float64("seconds", 3, "measuring time")
	batch := fs.Int("batch", 1024, "lanes per run (the engine's chunk size)")
	_ = fs.Parse(args)
	wb, err := workbook.OpenFile(*path, workbook.DefaultLimits())
	if err != nil {
		return err
	}
	n := formulaCount(wb)
	in := []formula.CellRef{{Sheet: "S", Row: 1, Col: 1}, {Sheet: "S", Row: 2, Col: 1}, {Sheet: "S", Row: 3, Col: 1}, {Sheet: "S", Row: 4, Col: 1}}
	out := []formula.CellRef{{Sheet: "S", Row: n, Col: 2}}
	p, err := formula.Compile(wb, formula.CompileOptions{Inputs: in, Outputs: out})
	if err != nil {
		return err
	}
	s := p.NewState(*batch)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range in {
		for l := range s.Input(i) {
			s.Input(i)[l] = float64(i+1) * (0.9 + 0.2*r.Float64())
		}
	}
	s.Run(*batch) // warm up
	runtime.GC()
	cpu0 := cpuSeconds()
	start := time.Now()
	runs := 0
	for time.Since(start).Seconds() < *seconds {
		for range 16 {
			s.Run(*batch)
		}
		runs += 16
	}
	el := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	rate := float64(p.Formulas()) * float64(*batch) * float64(runs) / el
	cpuRate := float64(p.Formulas()) * float64(*batch) * float64(runs) / cpu
	// The output at the workbook's own inputs (1, 2, 3, 4), for checking
	// the numpy version against.
	ev, err := formula.EvaluateWorkbook(wb)
	if err != nil {
		return err
	}
	base := ev.Cells[len(ev.Cells)-1]
	fmt.Printf("formulas=%d batch=%d runs=%d seconds=%.3f cpu_seconds=%.3f evals_per_second=%.4g evals_per_cpu_second=%.4g base_%s=%.12g\n",
		p.Formulas(), *batch, runs, el, cpu, rate, cpuRate, base.Cell.String()[2:], base.Value.Num)
	return nil
}

func formulaCount(wb *workbook.Workbook) int {
	s, _ := wb.Sheet("S")
	n := 0
	for _, c := range s.Cells {
		if c.Formula != "" {
			n++
		}
	}
	return n
}

// recalc is what a Monte Carlo loop over excelize does: per iteration, set
// the inputs and recalculate every formula cell with CalcCellValue.
func recalc(args []string) error {
	fs := flag.NewFlagSet("excelize", flag.ExitOnError)
	path := fs.String("workbook", "model.xlsx", "arithmetic model")
	seconds := fs.Float64("seconds", 10, "measuring time (at least one iteration is run)")
	_ = fs.Parse(args)
	x, err := excelize.OpenFile(*path)
	if err != nil {
		return err
	}
	defer x.Close()
	wb, err := workbook.OpenFile(*path, workbook.DefaultLimits())
	if err != nil {
		return err
	}
	n := formulaCount(wb)
	cells := make([]string, n)
	for i := range cells {
		cells[i] = fmt.Sprintf("B%d", i+1)
	}
	r := rand.New(rand.NewPCG(1, 2))
	cpu0 := cpuSeconds()
	start := time.Now()
	iterations, last := 0, ""
	for iterations == 0 || time.Since(start).Seconds() < *seconds {
		for i := 1; i <= 4; i++ {
			// SetCellValue clears excelize's calculation cache.
			if err := x.SetCellValue("S", fmt.Sprintf("A%d", i), float64(i)*(0.9+0.2*r.Float64())); err != nil {
				return err
			}
		}
		for _, c := range cells {
			if last, err = x.CalcCellValue("S", c); err != nil {
				return fmt.Errorf("%s: %w", c, err)
			}
		}
		iterations++
	}
	el := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	evals := float64(n) * float64(iterations)
	fmt.Printf("formulas=%d iterations=%d seconds=%.3f cpu_seconds=%.3f evals_per_second=%.4g evals_per_cpu_second=%.4g last=%s\n",
		n, iterations, el, cpu, evals/el, evals/cpu, last)
	return nil
}

// cpuSeconds is the CPU time (user and system) of the process so far: on
// a machine shared with other work, evaluations per CPU second measure the
// engine where wall time measures the neighbours too.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
