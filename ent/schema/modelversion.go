package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/simgraph/simgraph/simspec"
)

// ModelVersion is one immutable definition of a Model: what a simulation
// of it runs, in the shapes a Simulation stores. Editing a model adds a
// version; none is ever changed. model_id is a plain field rather than an
// edge so that the tier mover can copy the tables in any order.
type ModelVersion struct {
	ent.Schema
}

// Mixin of the ModelVersion.
func (ModelVersion) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the ModelVersion.
func (ModelVersion) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("model_id", uuid.UUID{}).Immutable(),
		field.Int("version").Positive().Immutable().
			Annotations(entgql.OrderField("VERSION")),
		field.JSON("inputs", []simspec.Input{}).Immutable(),
		field.Strings("outputs").Immutable(),
		field.Strings("output_names").Optional().Immutable(),
		field.JSON("targets", []simspec.Target{}).Optional().Immutable(),
		field.JSON("tail_levels", []float64{}).Optional().Immutable(),
		field.Int("iterations").Positive().Immutable(),
		// seed is absent when every run should draw a new one.
		field.Int64("seed").Optional().Nillable().Immutable(),
		field.Enum("sampling").Values("MONTE_CARLO", "LATIN_HYPERCUBE").Default("MONTE_CARLO").Immutable(),
		field.JSON("correlations", []simspec.Correlation{}).Optional().Immutable(),
		field.JSON("copulas", []simspec.Copula{}).Optional().Immutable(),
		field.Bool("keep_samples").Default(false).Immutable(),
		// scenarios run beside the base over the same random numbers.
		field.JSON("scenarios", []simspec.Scenario{}).Optional().Immutable(),
		// Auto-stop: the run ends once its estimates are precise enough.
		field.JSON("auto_stop", &simspec.AutoStop{}).Optional().Immutable(),
		field.UUID("created_by", uuid.UUID{}).Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// Indexes of the ModelVersion.
func (ModelVersion) Indexes() []ent.Index {
	return []ent.Index{index.Fields("model_id", "version").Unique()}
}

// Annotations of the ModelVersion.
func (ModelVersion) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
