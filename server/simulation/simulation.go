// Package simulation is the simulation service: it validates and stores
// simulations, queues them, runs them on workers with the engine, streams
// their progress and stores their results.
package simulation

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/engine"
	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/workbook"
	"github.com/simgraph/simgraph/ent"
	entresult "github.com/simgraph/simgraph/ent/result"
	entsimulation "github.com/simgraph/simgraph/ent/simulation"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/server/files"
	"github.com/simgraph/simgraph/server/jobs"
	"github.com/simgraph/simgraph/server/progress"
	"github.com/simgraph/simgraph/simspec"
	"github.com/simgraph/simgraph/viewer"
)

// Service names of the databases this service uses.
const (
	SimulationService = "simulation"
	ResultsService    = "results"
)

// QuotaFunc checks whether the viewer's organization may start a
// simulation of the given iterations; a QUOTA_EXCEEDED error when not.
// On success it returns release, which Create calls once the simulation is
// stored (or was not): the check and the insert are one atomic step.
type QuotaFunc func(ctx context.Context, iterations int) (release func(), err error)

// Service creates, lists, cancels and reports simulations.
type Service struct {
	Clients  files.Clients
	Files    *files.Service
	Queue    jobs.Queue
	Progress progress.Broker
	// MaxIterations is the platform's bound; tier quotas apply below it.
	MaxIterations int
	CheckQuota    QuotaFunc
	// Outbox, if set, receives simulation.started, .completed and .failed
	// in the transaction of the status change; OnCommit runs after such a
	// transaction commits (it wakes the relay).
	Outbox   events.WriteFunc
	OnCommit func()

	modelReads atomic.Int64
}

// Create validates in against its workbook, stores the simulation as
// QUEUED and enqueues it. Nothing is stored when validation fails, and the
// row is removed again if it cannot be queued.
func (s *Service) Create(ctx context.Context, in simspec.Request) (*ent.Simulation, error) {
	return s.create(ctx, in, nil)
}

// ModelRef names the saved model version a simulation runs.
type ModelRef struct {
	ID      uuid.UUID
	Version int
}

// Definition is a request as validation leaves it: cells spelled as the
// engine reads them ("Inputs!B2", whatever the client wrote), every input
// and output named (the given name, else the cell's label), targets by
// cell and tail levels defaulted. Simulations and model versions store it.
type Definition struct {
	WorkbookID   uuid.UUID
	Inputs       []simspec.Input
	Outputs      []string
	OutputNames  []string
	Targets      []simspec.Target
	TailLevels   []float64
	Correlations []simspec.Correlation
	Copulas      []simspec.Copula
	Iterations   int
	Seed         *int64
	Sampling     string
	KeepSamples  bool
	// Scenarios run beside the base (normalised cells).
	Scenarios []simspec.Scenario
	// AutoStop, with its defaults, or nil.
	AutoStop *simspec.AutoStop
	// Warnings are what the dependency graph shows to be probably a
	// mistake (an input no output depends on, a constant output).
	Warnings []string
}

// Validate checks a request against its workbook the way createSimulation
// does, without storing or queueing anything, and returns it normalised.
func (s *Service) Validate(ctx context.Context, in simspec.Request) (*Definition, error) {
	if viewer.FromContext(ctx) == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in to run simulations")
	}
	if in.Iterations < 1 || in.Iterations > s.MaxIterations {
		return nil, apperr.Errorf(apperr.BadUserInput, "iterations must be between 1 and %d, got %d", s.MaxIterations, in.Iterations)
	}
	in.Name = strings.TrimSpace(in.Name)
	if len(in.Name) > MaxName {
		return nil, apperr.Errorf(apperr.BadUserInput, "the simulation's name is longer than %d characters", MaxName)
	}
	wbID, err := uuid.Parse(in.WorkbookID)
	if err != nil {
		return nil, apperr.Errorf(apperr.NotFound, "workbook %s not found", in.WorkbookID)
	}
	wb, _, err := s.Files.Parsed(ctx, wbID)
	if err != nil {
		return nil, err
	}
	// Validation rewrites the request's slices: keep the caller's intact.
	in.Inputs = append([]simspec.Input(nil), in.Inputs...)
	in.Correlations = append([]simspec.Correlation(nil), in.Correlations...)
	in.Copulas = slices.Clone(in.Copulas)
	in.Scenarios = cloneScenarios(in.Scenarios)
	if len(in.Scenarios) == 0 && len(in.Inputs) == 0 {
		// The workbook's own model: its RiskSimtable cells make scenarios.
		if in.Scenarios, err = DetectedScenarios(wb); err != nil {
			return nil, modelError(err)
		}
	}
	var notes []string
	if wb, in, notes, err = WithDetected(wb, in); err != nil {
		return nil, err
	}
	model, err := BuildModel(wb, in)
	if err != nil {
		return nil, err
	}
	for i := range in.Inputs {
		in.Inputs[i].Cell = model.Inputs[i].Cell.String()
	}
	for i := range in.Correlations {
		in.Correlations[i].CellA = model.Inputs[model.Correlations[i].A].Cell.String()
		in.Correlations[i].CellB = model.Inputs[model.Correlations[i].B].Cell.String()
	}
	in.Copulas = normalizedCopulas(wb, in.Copulas)
	prog, err := formula.Compile(wb, compileOptions(model))
	if err != nil {
		return nil, modelError(err)
	}
	if _, err := EngineScenarios(model, in.Scenarios); err != nil {
		return nil, err
	}
	outputNames, err := namesOf(wb, model, &in)
	if err != nil {
		return nil, err
	}
	// The run stores the engine's full list when it completes; these are
	// the ones known before it starts, with the names the run will give.
	for i := range model.Inputs {
		if in.Inputs[i].Name != "" {
			model.Inputs[i].Name = in.Inputs[i].Name
		}
	}
	warnings := MergeWarnings(engine.DependencyWarnings(model, prog), notes)
	targets, tailLevels, err := tailOptionsOf(model, in, outputNames)
	if err != nil {
		return nil, err
	}
	autoStop, err := autoStopOf(in.AutoStop, in.Iterations)
	if err != nil {
		return nil, err
	}
	sampling := in.Sampling
	if sampling == "" {
		sampling = "MONTE_CARLO"
	}
	return &Definition{
		WorkbookID: wbID, Inputs: in.Inputs, Outputs: normalizedOutputs(in.Outputs), OutputNames: outputNames,
		Targets: targets, TailLevels: tailLevels, Correlations: in.Correlations, Copulas: in.Copulas,
		Iterations: in.Iterations, Seed: in.Seed, Sampling: sampling, KeepSamples: in.KeepSamples,
		Scenarios: in.Scenarios, AutoStop: autoStop, Warnings: warnings,
	}, nil
}

// Auto-stop's defaults and bounds.
const (
	DefaultAutoStopConfidence    = 0.95
	DefaultAutoStopMinIterations = 2 * engine.ChunkSize // the engine checks after whole chunks, at least two
	MaxAutoStopPercentiles       = 10
)

// autoStopOf validates an auto-stop and fills in its defaults; nil stays nil.
func autoStopOf(in *simspec.AutoStop, iterations int) (*simspec.AutoStop, error) {
	if in == nil {
		return nil, nil
	}
	a := *in
	a.Percentiles = append([]float64(nil), in.Percentiles...)
	if !(a.RelativeError > 0 && a.RelativeError <= 1) {
		return nil, apperr.Errorf(apperr.BadUserInput, "autoStop.relativeError must be in (0, 1], got %g", a.RelativeError)
	}
	if a.Confidence == 0 {
		a.Confidence = DefaultAutoStopConfidence
	}
	if !(a.Confidence > 0 && a.Confidence < 1) {
		return nil, apperr.Errorf(apperr.BadUserInput, "autoStop.confidence must be between 0 and 1 (exclusive), got %g", a.Confidence)
	}
	if a.MinIterations == 0 {
		a.MinIterations = min(DefaultAutoStopMinIterations, iterations)
	}
	if a.MinIterations < 1 || a.MinIterations > iterations {
		return nil, apperr.Errorf(apperr.BadUserInput, "autoStop.minIterations must be between 1 and the iterations (%d), got %d", iterations, a.MinIterations)
	}
	if len(a.Percentiles) > MaxAutoStopPercentiles {
		return nil, apperr.Errorf(apperr.BadUserInput, "autoStop takes at most %d percentiles, got %d", MaxAutoStopPercentiles, len(a.Percentiles))
	}
	for _, p := range a.Percentiles {
		if !(p > 0 && p < 100) {
			return nil, apperr.Errorf(apperr.BadUserInput, "autoStop percentile %g is outside (0, 100)", p)
		}
	}
	return &a, nil
}

// create validates, checks the quota, stores and enqueues; ref, if set,
// records the saved model version the simulation runs.
func (s *Service) create(ctx context.Context, in simspec.Request, ref *ModelRef) (*ent.Simulation, error) {
	def, err := s.Validate(ctx, in)
	if err != nil {
		return nil, err
	}
	v := viewer.FromContext(ctx)
	if s.CheckQuota != nil {
		release, err := s.CheckQuota(ctx, def.Iterations*(1+len(def.Scenarios)))
		if err != nil {
			return nil, err
		}
		defer release()
	}
	seed := int64(0)
	if def.Seed != nil {
		seed = *def.Seed
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		// 53 bits: a seed must survive JavaScript's numbers unrounded, or
		// the browser could not rerun it.
		seed = int64(binary.LittleEndian.Uint64(b[:]) >> 11)
	}
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	id := uuid.New()
	queued := simspec.Progress{SimulationID: id.String(), Status: "QUEUED", Stage: "queued", IterationsTotal: def.Iterations, Outputs: emptyConvergence(in.Outputs)}
	var sim *ent.Simulation
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		create := tx.Simulation.Create()
		if def.AutoStop != nil {
			create.SetAutoStop(def.AutoStop)
		}
		if sim, err = create.SetID(id).SetWorkbookID(def.WorkbookID).SetInputs(def.Inputs).
			SetOutputs(def.Outputs).SetOutputNames(def.OutputNames).SetTargets(def.Targets).SetTailLevels(def.TailLevels).
			SetIterations(def.Iterations).SetSeed(seed).SetSampling(entsimulation.Sampling(def.Sampling)).
			SetCorrelations(def.Correlations).SetCopulas(def.Copulas).SetKeepSamples(def.KeepSamples).SetProgress(queued).
			SetScenarios(def.Scenarios).
			SetWarnings(def.Warnings).SetCreatedBy(v.UserID).
			SetNillableName(nonEmpty(in.Name)).SetNillableModelID(ref.id()).SetNillableModelVersion(ref.version()).
			Save(ctx); err != nil {
			return err
		}
		return s.emit(ctx, tx, events.SimulationCreated, sim, events.SimulationPayload{})
	})
	if err != nil {
		return nil, fmt.Errorf("storing simulation: %w", err)
	}
	job := jobs.Job{SimulationID: id.String(), TenantID: v.TenantID, Tier: v.Tier, UserID: v.UserID.String(), OrganizationID: v.OrganizationID.String()}
	if err := s.Queue.Enqueue(ctx, job); err != nil {
		s.discard(context.WithoutCancel(ctx), client, id)
		return nil, apperr.Wrap(apperr.Unavailable, err, "the job queue is unavailable; try again")
	}
	_ = s.Progress.Publish(ctx, queued)
	return sim, nil
}

// Bounds on what a simulation asks beyond the statistics.
const (
	// MaxName bounds the names of simulations, inputs and outputs.
	MaxName       = 255
	MaxTargets    = 50
	MaxTailLevels = 10
)

// namesOf gives each input and output its name: the one asked for, else
// the cell's label in the workbook (the text to its left, else above it).
// It sets the inputs' names in in and returns the outputs'.
func namesOf(wb *workbook.Workbook, m engine.Model, in *simspec.Request) ([]string, error) {
	for i := range in.Inputs {
		in.Inputs[i].Name = strings.TrimSpace(in.Inputs[i].Name)
		if len(in.Inputs[i].Name) > MaxName {
			return nil, apperr.Errorf(apperr.BadUserInput, "the name of input %s is longer than %d characters", m.Inputs[i].Cell, MaxName)
		}
		if in.Inputs[i].Name == "" {
			ref := m.Inputs[i].Cell
			in.Inputs[i].Name = truncate(wb.Label(ref.Sheet, ref.Row, ref.Col), MaxName)
		}
	}
	if len(in.OutputNames) > len(m.Outputs) {
		return nil, apperr.Errorf(apperr.BadUserInput, "%d output names for %d outputs", len(in.OutputNames), len(m.Outputs))
	}
	names := make([]string, len(m.Outputs))
	for j, ref := range m.Outputs {
		if j < len(in.OutputNames) {
			names[j] = strings.TrimSpace(in.OutputNames[j])
		}
		if len(names[j]) > MaxName {
			return nil, apperr.Errorf(apperr.BadUserInput, "the name of output %s is longer than %d characters", ref, MaxName)
		}
		if names[j] == "" {
			names[j] = truncate(wb.Label(ref.Sheet, ref.Row, ref.Col), MaxName)
		}
	}
	return names, nil
}

// tailOptionsOf checks the targets and tail levels asked for: a target of
// one output names it by cell or name, and is stored by cell. Without tail
// levels the engine's defaults are stored.
func tailOptionsOf(m engine.Model, in simspec.Request, outputNames []string) ([]simspec.Target, []float64, error) {
	if len(in.Targets) > MaxTargets {
		return nil, nil, apperr.Errorf(apperr.BadUserInput, "at most %d targets, got %d", MaxTargets, len(in.Targets))
	}
	if len(in.TailLevels) > MaxTailLevels {
		return nil, nil, apperr.Errorf(apperr.BadUserInput, "at most %d tail levels, got %d", MaxTailLevels, len(in.TailLevels))
	}
	targets := make([]simspec.Target, 0, len(in.Targets))
	for _, t := range in.Targets {
		if math.IsNaN(t.Value) || math.IsInf(t.Value, 0) {
			return nil, nil, apperr.Errorf(apperr.BadUserInput, "target %g is not a finite number", t.Value)
		}
		if t.Output == "" {
			targets = append(targets, t)
			continue
		}
		j := outputIndex(m, outputNames, t.Output)
		if j < 0 {
			return nil, nil, apperr.Errorf(apperr.BadUserInput, "target for %q: not one of the outputs' cells or names", t.Output)
		}
		targets = append(targets, simspec.Target{Output: m.Outputs[j].String(), Value: t.Value})
	}
	levels := in.TailLevels
	if len(levels) == 0 {
		levels = engine.DefaultTailLevels
	}
	for _, a := range levels {
		if !(a > 0 && a < 1) {
			return nil, nil, apperr.Errorf(apperr.BadUserInput, "tail level %g is outside (0, 1): use 0.95 for 95%%", a)
		}
	}
	return targets, append([]float64(nil), levels...), nil
}

// outputIndex finds the output whose cell or name (case-insensitive) is
// s; -1 when none.
func outputIndex(m engine.Model, names []string, s string) int {
	s = strings.TrimSpace(s)
	ref, err := formula.ParseCellRef(s)
	for j, out := range m.Outputs {
		if err == nil && strings.EqualFold(out.String(), ref.String()) {
			return j
		}
	}
	for j := range m.Outputs {
		if j < len(names) && names[j] != "" && strings.EqualFold(names[j], s) {
			return j
		}
	}
	return -1
}

// TailOptions are the engine options of a stored simulation's targets and
// tail levels.
func TailOptions(sim *ent.Simulation) (targets []float64, perOutput map[int][]float64, levels []float64) {
	for _, t := range sim.Targets {
		if t.Output == "" {
			targets = append(targets, t.Value)
			continue
		}
		for j, cell := range sim.Outputs {
			if cell == t.Output {
				if perOutput == nil {
					perOutput = map[int][]float64{}
				}
				perOutput[j] = append(perOutput[j], t.Value)
			}
		}
	}
	return targets, perOutput, sim.TailLevels
}

func emptyConvergence(outputs []string) []simspec.Convergence {
	out := make([]simspec.Convergence, len(outputs))
	for i, o := range outputs {
		out[i] = simspec.Convergence{Cell: o}
	}
	return out
}

func normalizedOutputs(outputs []string) []string {
	out := make([]string, len(outputs))
	for i, o := range outputs {
		if ref, err := formula.ParseCellRef(strings.TrimSpace(o)); err == nil {
			out[i] = ref.String()
		} else {
			out[i] = o
		}
	}
	return out
}

// BuildModel checks a request against the workbook and returns the engine
// model: every cell exists, inputs are constants, outputs are formulas,
// distributions are valid, correlations name inputs and copulas name
// inputs in no correlation, with their family's parameters. The workbook's
// in-cell distributions and outputs complete the request (WithDetected).
func BuildModel(wb *workbook.Workbook, in simspec.Request) (engine.Model, error) {
	wb, in, _, err := WithDetected(wb, in)
	if err != nil {
		return engine.Model{Workbook: wb}, err
	}
	m := engine.Model{Workbook: wb}
	if len(in.Inputs) == 0 {
		return m, apperr.Errorf(apperr.BadUserInput, "a simulation needs at least one input")
	}
	if len(in.Outputs) == 0 {
		return m, apperr.Errorf(apperr.BadUserInput, "a simulation needs at least one output")
	}
	index := map[string]int{}
	for i, input := range in.Inputs {
		ref, cell, err := resolve(wb, input.Cell)
		if err != nil {
			return m, err
		}
		if cell != nil && cell.Formula != "" {
			return m, apperr.Errorf(apperr.BadUserInput, "input %s is a formula cell; inputs must be constants", ref)
		}
		if _, dup := index[ref.String()]; dup {
			return m, apperr.Errorf(apperr.BadUserInput, "input %s is listed twice", ref)
		}
		name := input.Name
		if name == "" {
			name = ref.String()
		}
		d, err := dist.NewAt(name, ref.String(), DistSpec(input.Distribution))
		if err != nil {
			return m, apperr.Wrap(apperr.BadUserInput, err, err.Error())
		}
		index[ref.String()] = i
		m.Inputs = append(m.Inputs, engine.Input{Cell: ref, Name: name, Dist: d})
	}
	seen := map[string]bool{}
	for _, o := range in.Outputs {
		ref, cell, err := resolve(wb, o)
		if err != nil {
			return m, err
		}
		if cell == nil || cell.Formula == "" {
			return m, apperr.Errorf(apperr.BadUserInput, "output %s is not a formula cell", ref)
		}
		if seen[ref.String()] {
			return m, apperr.Errorf(apperr.BadUserInput, "output %s is listed twice", ref)
		}
		seen[ref.String()] = true
		m.Outputs = append(m.Outputs, ref)
	}
	pairs := map[[2]int]bool{}
	taken := map[int]bool{}
	for _, c := range in.Correlations {
		a, errA := inputIndex(index, c.CellA)
		b, errB := inputIndex(index, c.CellB)
		if errA != nil {
			return m, errA
		}
		if errB != nil {
			return m, errB
		}
		if a == b {
			return m, apperr.Errorf(apperr.BadUserInput, "a correlation needs two different inputs, got %s twice", c.CellA)
		}
		if c.Coefficient < -1 || c.Coefficient > 1 || c.Coefficient != c.Coefficient {
			return m, apperr.Errorf(apperr.BadUserInput, "correlation %s,%s = %g is outside [-1, 1]", c.CellA, c.CellB, c.Coefficient)
		}
		key := [2]int{min(a, b), max(a, b)}
		if pairs[key] {
			return m, apperr.Errorf(apperr.BadUserInput, "correlation %s,%s is given twice", c.CellA, c.CellB)
		}
		pairs[key] = true
		m.Correlations = append(m.Correlations, engine.Correlation{A: a, B: b, Coefficient: c.Coefficient})
		taken[a], taken[b] = true, true
	}
	if err := addCopulas(&m, in.Copulas, index, taken); err != nil {
		return m, err
	}
	return m, nil
}

func inputIndex(index map[string]int, cell string) (int, error) {
	ref, err := formula.ParseCellRef(strings.TrimSpace(cell))
	if err != nil {
		return 0, apperr.Errorf(apperr.BadUserInput, "%q is not a cell reference like Sheet!A1", cell)
	}
	i, ok := index[ref.String()]
	if !ok {
		return 0, apperr.Errorf(apperr.BadUserInput, "correlated cell %s is not an input", ref)
	}
	return i, nil
}

// resolve parses a Sheet!A1 reference and finds its sheet and cell (nil
// for an empty cell).
func resolve(wb *workbook.Workbook, s string) (formula.CellRef, *workbook.Cell, error) {
	ref, err := formula.ParseCellRef(strings.TrimSpace(s))
	if err != nil || ref.Sheet == "" {
		return ref, nil, apperr.Errorf(apperr.BadUserInput, "%q is not a cell reference like Sheet!A1", s)
	}
	sh, ok := wb.Sheet(ref.Sheet)
	if !ok {
		return ref, nil, apperr.Errorf(apperr.BadUserInput, "cell %s: the workbook has no sheet %q", s, ref.Sheet)
	}
	ref.Sheet = sh.Name
	cell, ok := sh.Cell(ref.Row, ref.Col)
	if !ok {
		return ref, nil, nil
	}
	return ref, cell, nil
}

func compileOptions(m engine.Model) formula.CompileOptions {
	o := formula.CompileOptions{Outputs: m.Outputs}
	for _, in := range m.Inputs {
		o.Inputs = append(o.Inputs, in.Cell)
	}
	return o
}

// modelError explains a compile failure (cycle, unsupported function) to
// the user.
func modelError(err error) error {
	return apperr.Wrap(apperr.BadUserInput, err, "the model cannot be simulated: "+err.Error())
}

// DistSpec converts a stored distribution to the engine's.
func DistSpec(d simspec.Distribution) dist.Spec {
	return dist.Spec{
		Type: dist.Type(d.Type), Min: d.Min, Mode: d.Mode, Max: d.Max, Mean: d.Mean, StdDev: d.StdDev,
		Mu: d.Mu, Sigma: d.Sigma, Alpha: d.Alpha, Beta: d.Beta, Shape: d.Shape, Scale: d.Scale, Rate: d.Rate,
		Lambda: d.Lambda, P: d.P, N: d.N, Values: d.Values, Probabilities: d.Probabilities,
		Nu: d.Nu, Bottom: d.Bottom, Top: d.Top, BottomPercentile: d.BottomPercentile, TopPercentile: d.TopPercentile,
		TruncateMin: d.TruncateMin, TruncateMax: d.TruncateMax, Shift: d.Shift,
	}
}

// Get returns one of the viewer's simulations; another tenant's is
// NOT_FOUND.
func (s *Service) Get(ctx context.Context, id string) (*ent.Simulation, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, apperr.Errorf(apperr.NotFound, "simulation %s not found", id)
	}
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	sim, err := client.Simulation.Get(ctx, uid)
	if ent.IsNotFound(err) {
		return nil, apperr.Errorf(apperr.NotFound, "simulation %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading simulation: %w", err)
	}
	return sim, nil
}

// ListParams filter and order the simulation list.
type ListParams struct {
	First    *int
	After    *ent.Cursor
	Status   string
	OrderBy  *ent.SimulationOrder
	Workbook *uuid.UUID
	// Model lists the simulations of one saved model.
	Model *uuid.UUID
}

// List pages through the viewer's simulations.
func (s *Service) List(ctx context.Context, p ListParams) (*ent.SimulationConnection, error) {
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	q := client.Simulation.Query()
	if p.Status != "" {
		q = q.Where(entsimulation.StatusEQ(entsimulation.Status(p.Status)))
	}
	if p.Workbook != nil {
		q = q.Where(entsimulation.WorkbookID(*p.Workbook))
	}
	if p.Model != nil {
		q = q.Where(entsimulation.ModelID(*p.Model))
	}
	order := p.OrderBy
	if order == nil {
		order = &ent.SimulationOrder{Direction: "DESC", Field: ent.SimulationOrderFieldCreatedAt}
	}
	first := 20
	if p.First != nil {
		first = min(max(*p.First, 0), 100)
	}
	return q.Paginate(ctx, p.After, &first, nil, nil, ent.WithSimulationOrder(order))
}

// Cancel stops a queued or running simulation. A finished one is returned
// as it is. Only its creator and organization administrators may cancel
// it.
func (s *Service) Cancel(ctx context.Context, id string) (*ent.Simulation, error) {
	sim, err := s.simulationToChange(ctx, id)
	if err != nil {
		return nil, err
	}
	if terminal(sim.Status) {
		return sim, nil
	}
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var n int
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		n, err = tx.Simulation.Update().
			Where(entsimulation.ID(sim.ID), entsimulation.StatusIn(entsimulation.StatusQUEUED, entsimulation.StatusRUNNING)).
			SetStatus(entsimulation.StatusCANCELLED).SetCompletedAt(now).
			Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		return s.emit(ctx, tx, events.SimulationCancelled, sim, events.SimulationPayload{})
	})
	if err != nil {
		return nil, fmt.Errorf("cancelling simulation: %w", err)
	}
	if n > 0 {
		// The worker, wherever it is, stops within one batch; subscribers
		// hear the terminal state now.
		_ = s.Queue.Cancel(ctx, sim.ID.String())
		p := lastProgress(sim)
		p.Status, p.Stage = "CANCELLED", "cancelled"
		p.EtaMs = nil
		_ = s.Progress.Publish(ctx, p)
		_, _ = client.Simulation.UpdateOneID(sim.ID).SetProgress(p).Save(ctx)
	}
	return s.Get(ctx, id)
}

func terminal(st entsimulation.Status) bool {
	return st == entsimulation.StatusCOMPLETED || st == entsimulation.StatusFAILED || st == entsimulation.StatusCANCELLED
}

func lastProgress(sim *ent.Simulation) simspec.Progress {
	p := sim.Progress
	p.SimulationID = sim.ID.String()
	if p.IterationsTotal == 0 {
		p.IterationsTotal = sim.Iterations
	}
	if p.Outputs == nil {
		p.Outputs = emptyConvergence(sim.Outputs)
	}
	return p
}

// Progress returns a simulation's current snapshot: the broker's latest,
// or the one persisted on the simulation.
func (s *Service) CurrentProgress(ctx context.Context, sim *ent.Simulation) simspec.Progress {
	if p, ok, err := s.Progress.Latest(ctx, sim.ID.String()); err == nil && ok {
		if !terminal(sim.Status) || p.Terminal() {
			return p
		}
	}
	p := lastProgress(sim)
	p.Status = string(sim.Status)
	return p
}

// Subscribe streams a simulation's progress: the current snapshot first,
// then every update, closing after the terminal state.
func (s *Service) Subscribe(ctx context.Context, id string) (<-chan simspec.Progress, error) {
	sim, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if terminal(sim.Status) {
		ch := make(chan simspec.Progress, 1)
		ch <- s.CurrentProgress(ctx, sim)
		close(ch)
		return ch, nil
	}
	updates, err := s.Progress.Subscribe(ctx, sim.ID.String())
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "progress is unavailable; try again")
	}
	out := make(chan simspec.Progress, 1)
	go func() {
		defer close(out)
		// The broker sends its latest snapshot first; with none yet, the
		// persisted one stands in so the first message is never late.
		if _, ok, _ := s.Progress.Latest(ctx, sim.ID.String()); !ok {
			select {
			case out <- s.CurrentProgress(ctx, sim):
			case <-ctx.Done():
				return
			}
		}
		for p := range updates {
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
			if p.Terminal() {
				return
			}
		}
	}()
	return out, nil
}

// Results returns a simulation's stored results in output order.
func (s *Service) Results(ctx context.Context, sim *ent.Simulation) ([]*ent.Result, error) {
	client, err := s.Clients(ctx, ResultsService)
	if err != nil {
		return nil, err
	}
	rs, err := client.Result.Query().Where(entresult.SimulationID(sim.ID)).Order(ent.Asc(entresult.FieldPosition)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	return rs, nil
}
