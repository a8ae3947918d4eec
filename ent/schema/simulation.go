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

// Simulation is a Monte Carlo run of a workbook: its model, its state and
// its last progress snapshot. It lives in the simulation service's
// database; the workbook is referenced by ID only (another service).
type Simulation struct {
	ent.Schema
}

// Mixin of the Simulation.
func (Simulation) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the Simulation.
func (Simulation) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.String("name").Optional().MaxLen(255),
		field.UUID("workbook_id", uuid.UUID{}).Immutable(),
		field.JSON("inputs", []simspec.Input{}).Immutable(),
		field.Strings("outputs").Immutable(),
		// output_names are the outputs' names by position ("" for none).
		field.Strings("output_names").Optional().Immutable(),
		field.JSON("targets", []simspec.Target{}).Optional().Immutable(),
		field.JSON("tail_levels", []float64{}).Optional().Immutable(),
		field.Int("iterations").Positive().Immutable().
			Annotations(entgql.OrderField("ITERATIONS")),
		field.Int64("seed").Immutable(),
		field.Enum("sampling").Values("MONTE_CARLO", "LATIN_HYPERCUBE").Default("MONTE_CARLO").Immutable(),
		field.JSON("correlations", []simspec.Correlation{}).Optional().Immutable(),
		field.JSON("copulas", []simspec.Copula{}).Optional().Immutable(),
		field.Bool("keep_samples").Default(false).Immutable(),
		// scenarios run beside the base over the same random numbers.
		field.JSON("scenarios", []simspec.Scenario{}).Optional().Immutable(),
		// Auto-stop: the run ends once its estimates are precise enough.
		field.JSON("auto_stop", &simspec.AutoStop{}).Optional().Immutable(),
		field.Enum("status").Values("QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED").Default("QUEUED").
			Annotations(entgql.OrderField("STATUS")),
		field.JSON("progress", simspec.Progress{}).Optional(),
		field.Strings("warnings").Optional(),
		field.String("error").Optional(),
		// attempts counts runs: a job reclaimed from a dead worker runs again.
		field.Int("attempts").Default(0),
		field.UUID("created_by", uuid.UUID{}).Immutable(),
		field.Time("created_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("started_at").Optional().Nillable(),
		field.Time("completed_at").Optional().Nillable(),
		field.Int64("elapsed_ms").Optional().Nillable(),
		// model_id and model_version record the saved model version a
		// simulation ran, when it ran one.
		field.UUID("model_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		field.Int("model_version").Optional().Nillable().Immutable(),
	}
}

// Indexes of the Simulation.
func (Simulation) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "created_at"),
		index.Fields("tenant_id", "status"),
		index.Fields("workbook_id"),
		index.Fields("model_id", "created_at"),
	}
}

// Annotations of the Simulation.
func (Simulation) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
