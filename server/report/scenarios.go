package report

import (
	"github.com/simgraph/simgraph/ent"
)

// scenarios writes, for a run with scenarios, the base and each scenario's
// mean, P5, P50 and P95 per output, and the difference of its mean from
// the base's (the runs share their random numbers).
func (b *book) scenarios() {
	sim := b.r.Simulation
	if len(sim.Scenarios) == 0 || b.err != nil {
		return
	}
	s := ScenariosSheet
	if _, err := b.f.NewSheet(s); err != nil {
		b.err = err
		return
	}
	b.header(s, 1, "Scenario", "Output", "Cell", "Mean", "P5", "P50", "P95", "Mean difference")
	base := map[string]*ent.Result{}
	for _, res := range b.r.Results {
		base[res.Cell] = res
	}
	row := 1
	write := func(name string, rs []*ent.Result) {
		for _, res := range rs {
			row++
			diff := any("")
			if bs, ok := base[res.Cell]; ok {
				diff = res.Summary.Mean - bs.Summary.Mean
			}
			b.row(s, row, name, outputName(res), res.Cell, res.Summary.Mean,
				percentile(res, 5), percentile(res, 50), percentile(res, 95), diff)
			b.styleRange(s, 4, row, 8, row, b.unitStyle(res.Cell))
		}
	}
	write("Base", b.r.Results)
	for k, sc := range sim.Scenarios {
		write(sc.Name, b.r.Scenarios[k+1])
	}
	b.widths(s, 22, 40)
}
