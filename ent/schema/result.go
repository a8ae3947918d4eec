package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/simgraph/simgraph/simspec"
)

// Result is one output's statistics for one simulation. It lives in the
// results service's database. (simulation_id, cell) is unique: a rerun
// replaces results, it never adds a second set.
type Result struct {
	ent.Schema
}

// Mixin of the Result.
func (Result) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the Result.
func (Result) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("simulation_id", uuid.UUID{}).Immutable(),
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
		// samples are little-endian float64s, kept only on request.
		field.Bytes("samples").Optional().Nillable(),
	}
}

// Indexes of the Result.
func (Result) Indexes() []ent.Index {
	return []ent.Index{index.Fields("simulation_id", "cell").Unique()}
}
