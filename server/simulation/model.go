package simulation

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	entmodel "github.com/simgraph/simgraph/ent/model"
	entmodelversion "github.com/simgraph/simgraph/ent/modelversion"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/simspec"
	"github.com/simgraph/simgraph/viewer"
)

// Bounds of a saved model's texts, as the schema stores them.
const (
	MaxModelName        = 255
	MaxModelDescription = 4000
)

// CreateModelParams are a new saved model: its name, description and first
// definition (Definition.WorkbookID names its workbook; Name is unused).
type CreateModelParams struct {
	Name        string
	Description string
	Definition  simspec.Request
}

// UpdateModelParams change a saved model. A nil field is left as it is; a
// new Definition adds a version (its WorkbookID is the model's own).
type UpdateModelParams struct {
	Name        *string
	Description *string
	Definition  *simspec.Request
}

// RunModelParams are what a run of a saved version may change: a nil field
// takes the version's value.
type RunModelParams struct {
	// Version is the version to run; nil for the current one.
	Version     *int
	Name        string
	Iterations  *int
	Seed        *int64
	KeepSamples *bool
}

// ModelListParams page through the saved models, most recently updated
// first, optionally of one workbook.
type ModelListParams struct {
	First    *int
	After    *ent.Cursor
	Workbook *uuid.UUID
}

// CreateModel validates the definition as createSimulation would and
// stores the model with it as version 1.
func (s *Service) CreateModel(ctx context.Context, p CreateModelParams) (*ent.Model, error) {
	name, description, err := modelTexts(p.Name, p.Description)
	if err != nil {
		return nil, err
	}
	def, err := s.Validate(ctx, p.Definition)
	if err != nil {
		return nil, err
	}
	v := viewer.FromContext(ctx)
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	var m *ent.Model
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		now := time.Now()
		m, err = tx.Model.Create().SetName(name).SetDescription(description).SetWorkbookID(def.WorkbookID).
			SetVersion(1).SetCreatedBy(v.UserID).SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if err := createVersion(ctx, tx, m.ID, 1, def, v.UserID); err != nil {
			return err
		}
		return s.emitModel(ctx, tx, events.ModelCreated, m)
	})
	if err != nil {
		return nil, fmt.Errorf("storing model: %w", err)
	}
	return m, nil
}

// UpdateModel changes a model whose current version is expectedVersion;
// a stale expectedVersion (someone saved in between) is refused with
// BAD_USER_INPUT and the current version in extensions.currentVersion,
// so that an editor never overwrites a version it has not seen. Only the
// model's creator and organization administrators may change it.
func (s *Service) UpdateModel(ctx context.Context, id string, expectedVersion int, p UpdateModelParams) (*ent.Model, error) {
	m, err := s.modelToChange(ctx, id)
	if err != nil {
		return nil, err
	}
	name, description := m.Name, m.Description
	if p.Name != nil {
		name = *p.Name
	}
	if p.Description != nil {
		description = *p.Description
	}
	if name, description, err = modelTexts(name, description); err != nil {
		return nil, err
	}
	if m.Version != expectedVersion {
		return nil, versionConflict(m, expectedVersion)
	}
	var def *Definition
	if p.Definition != nil {
		in := *p.Definition
		in.WorkbookID = m.WorkbookID.String()
		if def, err = s.Validate(ctx, in); err != nil {
			return nil, err
		}
	}
	v := viewer.FromContext(ctx)
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	next := expectedVersion
	if def != nil {
		next++
	}
	var n int
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		// Compare and set: of two saves based on the same version, one
		// changes no row here and is refused.
		n, err = tx.Model.Update().
			Where(entmodel.ID(m.ID), entmodel.Version(expectedVersion)).
			SetName(name).SetDescription(description).SetVersion(next).SetUpdatedAt(time.Now()).
			Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		if def != nil {
			if err := createVersion(ctx, tx, m.ID, next, def, v.UserID); err != nil {
				return err
			}
		}
		changed := *m
		changed.Name, changed.Version = name, next
		return s.emitModel(ctx, tx, events.ModelUpdated, &changed)
	})
	if err != nil {
		return nil, fmt.Errorf("updating model: %w", err)
	}
	if n == 0 {
		current, err := s.GetModel(ctx, id)
		if err != nil {
			return nil, err
		}
		return nil, versionConflict(current, expectedVersion)
	}
	return s.GetModel(ctx, id)
}

// RestoreModelVersion adds a version with the definition of an earlier
// one, as UpdateModel would with that definition (the same expected
// version, validation and permissions).
func (s *Service) RestoreModelVersion(ctx context.Context, id string, version, expectedVersion int) (*ent.Model, error) {
	m, err := s.modelToChange(ctx, id)
	if err != nil {
		return nil, err
	}
	mv, err := s.ModelVersion(ctx, m, version)
	if err != nil {
		return nil, err
	}
	in := RequestOfVersion(m, mv)
	return s.UpdateModel(ctx, id, expectedVersion, UpdateModelParams{Definition: &in})
}

// DeleteModel removes a model and its versions. Simulations that ran it
// keep their definition and the model version they record. Only the
// model's creator and organization administrators may delete it.
func (s *Service) DeleteModel(ctx context.Context, id string) error {
	m, err := s.modelToChange(ctx, id)
	if err != nil {
		return err
	}
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return err
	}
	var n int
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		if _, err := tx.ModelVersion.Delete().Where(entmodelversion.ModelID(m.ID)).Exec(ctx); err != nil {
			return err
		}
		if n, err = tx.Model.Delete().Where(entmodel.ID(m.ID)).Exec(ctx); err != nil || n == 0 {
			return err
		}
		return s.emitModel(ctx, tx, events.ModelDeleted, m)
	})
	if err != nil {
		return fmt.Errorf("deleting model: %w", err)
	}
	if n == 0 {
		return modelNotFound(id)
	}
	return nil
}

// GetModel returns one of the viewer's organization's models; another
// tenant's, or a malformed ID, is NOT_FOUND.
func (s *Service) GetModel(ctx context.Context, id string) (*ent.Model, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, modelNotFound(id)
	}
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	s.modelReads.Add(1)
	m, err := client.Model.Get(ctx, uid)
	if ent.IsNotFound(err) {
		return nil, modelNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading model: %w", err)
	}
	return m, nil
}

// ListModels pages through the viewer's organization's models.
func (s *Service) ListModels(ctx context.Context, p ModelListParams) (*ent.ModelConnection, error) {
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	q := client.Model.Query()
	if p.Workbook != nil {
		q = q.Where(entmodel.WorkbookID(*p.Workbook))
	}
	first := pageSize(p.First)
	return q.Paginate(ctx, p.After, &first, nil, nil,
		ent.WithModelOrder(&ent.ModelOrder{Direction: "DESC", Field: ent.ModelOrderFieldUpdatedAt}))
}

// ModelVersion returns version n of a model.
func (s *Service) ModelVersion(ctx context.Context, m *ent.Model, n int) (*ent.ModelVersion, error) {
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	mv, err := client.ModelVersion.Query().
		Where(entmodelversion.ModelID(m.ID), entmodelversion.Version(n)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Errorf(apperr.NotFound, "model %s has no version %d (its versions are 1 to %d)", m.ID, n, m.Version)
	}
	if err != nil {
		return nil, fmt.Errorf("reading model version: %w", err)
	}
	return mv, nil
}

// ModelVersions pages through a model's versions, newest first.
func (s *Service) ModelVersions(ctx context.Context, m *ent.Model, first *int, after *ent.Cursor) (*ent.ModelVersionConnection, error) {
	client, err := s.Clients(ctx, SimulationService)
	if err != nil {
		return nil, err
	}
	n := pageSize(first)
	return client.ModelVersion.Query().Where(entmodelversion.ModelID(m.ID)).
		Paginate(ctx, after, &n, nil, nil,
			ent.WithModelVersionOrder(&ent.ModelVersionOrder{Direction: "DESC", Field: ent.ModelVersionOrderFieldVersion}))
}

// RunModel creates a simulation of a saved version (the current one
// unless p.Version names another), validated and quota-checked like any
// createSimulation; the simulation records the model and the version.
// Every member of the organization may run its models.
func (s *Service) RunModel(ctx context.Context, id string, p RunModelParams) (*ent.Simulation, error) {
	m, err := s.GetModel(ctx, id)
	if err != nil {
		return nil, err
	}
	n := m.Version
	if p.Version != nil {
		n = *p.Version
	}
	mv, err := s.ModelVersion(ctx, m, n)
	if err != nil {
		return nil, err
	}
	in := RequestOfVersion(m, mv)
	in.Name = strings.TrimSpace(p.Name)
	if in.Name == "" {
		suffix := fmt.Sprintf(" v%d", mv.Version)
		in.Name = truncate(m.Name, MaxModelName-len(suffix)) + suffix
	}
	if len(in.Name) > MaxModelName {
		return nil, apperr.Errorf(apperr.BadUserInput, "a simulation's name is at most %d characters", MaxModelName)
	}
	if p.Iterations != nil {
		in.Iterations = *p.Iterations
	}
	if p.Seed != nil {
		in.Seed = p.Seed
	}
	if p.KeepSamples != nil {
		in.KeepSamples = *p.KeepSamples
	}
	return s.create(ctx, in, &ModelRef{ID: m.ID, Version: mv.Version})
}

// RequestOfVersion is the simulation request a model version stands for.
func RequestOfVersion(m *ent.Model, mv *ent.ModelVersion) simspec.Request {
	return simspec.Request{
		WorkbookID: m.WorkbookID.String(), Inputs: mv.Inputs, Outputs: mv.Outputs, OutputNames: mv.OutputNames,
		Targets: mv.Targets, TailLevels: mv.TailLevels, Iterations: mv.Iterations, Seed: mv.Seed,
		Sampling: string(mv.Sampling), Correlations: mv.Correlations, Copulas: mv.Copulas, KeepSamples: mv.KeepSamples,
		Scenarios: mv.Scenarios, AutoStop: mv.AutoStop,
	}
}

// modelToChange reads a model the viewer is about to change or delete:
// FORBIDDEN for a member who did not create it.
func (s *Service) modelToChange(ctx context.Context, id string) (*ent.Model, error) {
	m, err := s.GetModel(ctx, id)
	if err != nil {
		return nil, err
	}
	if !viewer.FromContext(ctx).MayChange(m.CreatedBy) {
		return nil, apperr.Errorf(apperr.Forbidden, "only the model's creator or an organization administrator may change or delete model %q", m.Name)
	}
	return m, nil
}

func createVersion(ctx context.Context, tx *ent.Tx, modelID uuid.UUID, n int, def *Definition, by uuid.UUID) error {
	create := tx.ModelVersion.Create().
		SetModelID(modelID).SetVersion(n).
		SetInputs(def.Inputs).SetOutputs(def.Outputs).SetOutputNames(def.OutputNames).
		SetTargets(def.Targets).SetTailLevels(def.TailLevels).SetCorrelations(def.Correlations).SetCopulas(def.Copulas).
		SetIterations(def.Iterations).SetSampling(entmodelversion.Sampling(def.Sampling)).
		SetKeepSamples(def.KeepSamples).SetScenarios(def.Scenarios).SetCreatedBy(by)
	if def.AutoStop != nil {
		create.SetAutoStop(def.AutoStop)
	}
	if def.Seed != nil {
		create.SetSeed(*def.Seed)
	}
	return create.Exec(ctx)
}

// modelTexts trims and checks a model's name and description.
func modelTexts(name, description string) (string, string, error) {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	if name == "" {
		return "", "", apperr.Errorf(apperr.BadUserInput, "a model needs a name")
	}
	if len(name) > MaxModelName {
		return "", "", apperr.Errorf(apperr.BadUserInput, "a model's name is at most %d characters", MaxModelName)
	}
	if len(description) > MaxModelDescription {
		return "", "", apperr.Errorf(apperr.BadUserInput, "a model's description is at most %d characters", MaxModelDescription)
	}
	return name, description, nil
}

func versionConflict(current *ent.Model, expected int) error {
	return &apperr.Error{
		Code: apperr.BadUserInput,
		Message: fmt.Sprintf("model %q has changed: its current version is %d, not %d; reload it and apply your changes again",
			current.Name, current.Version, expected),
		Extensions: map[string]any{"reason": "VERSION_CONFLICT", "currentVersion": current.Version, "expectedVersion": expected},
	}
}

func modelNotFound(id string) error {
	return apperr.Errorf(apperr.NotFound, "model %s not found", id)
}

// truncate shortens s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// pageSize is a page's length as the lists clamp it: 20 by default, at
// most 100.
func pageSize(first *int) int {
	if first == nil {
		return 20
	}
	return min(max(*first, 0), 100)
}

// ModelOf returns the saved model a simulation ran, or nil when it ran
// none or the model has been deleted since.
func (s *Service) ModelOf(ctx context.Context, sim *ent.Simulation) (*ent.Model, error) {
	if sim.ModelID == nil {
		return nil, nil
	}
	m, err := s.GetModel(ctx, sim.ModelID.String())
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil
	}
	return m, err
}
