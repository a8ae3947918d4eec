package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/simgraph/simgraph/simspec"
)

// ScenarioResult is one output's statistics in one scenario of a
// simulation (scenario 1, 2, ...; the base's are Results). It lives in the
// results service's database beside Result and has Result's shape without
// samples. (simulation_id, scenario, cell) is unique: a rerun replaces them.
type ScenarioResult struct {
	ent.Schema
}

// Mixin of the ScenarioResult.
func (ScenarioResult) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the ScenarioResult.
func (ScenarioResult) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("simulation_id", uuid.UUID{}).Immutable(),
		field.Int("scenario").Positive().Immutable(),
		field.String("cell").NotEmpty().Immutable(),
		field.Int("position").NonNegative().Immutable(),
		field.String("name").Optional(),
		field.JSON("summary", simspec.Summary{}),
		field.JSON("percentiles", []simspec.Percentile{}),
		field.JSON("histogram", simspec.Histogram{}),
		field.JSON("sensitivity", []simspec.Sensitivity{}),
		field.JSON("error_counts", map[string]int{}).Optional(),
		field.JSON("tails", []simspec.Tail{}).Optional(),
		field.JSON("targets", []simspec.TargetProbability{}).Optional(),
	}
}

// Indexes of the ScenarioResult.
func (ScenarioResult) Indexes() []ent.Index {
	return []ent.Index{index.Fields("simulation_id", "scenario", "cell").Unique()}
}
