package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// SimulationTask records one attempt of one replica at one task (a chunk
// range of one pass) of a split run: who took it, how it ended. It lives
// in the simulation service's database beside the simulation; a task
// computed twice (reclaimed, handed back, queued again) has a record per
// attempt.
type SimulationTask struct {
	ent.Schema
}

// Mixin of the SimulationTask.
func (SimulationTask) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the SimulationTask.
func (SimulationTask) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("simulation_id", uuid.UUID{}).Immutable(),
		field.Int("pass").NonNegative().Immutable(),
		// Chunks [first_chunk, end_chunk) of the engine's chunks.
		field.Int("first_chunk").NonNegative().Immutable(),
		field.Int("end_chunk").Positive().Immutable(),
		field.Int("iterations").Positive().Immutable(),
		// replica is the consumer name of the process that took the task.
		field.String("replica").NotEmpty().MaxLen(255).Immutable(),
		// FINISHED: its partial was stored; DUPLICATE: another attempt had
		// stored it first; HANDED_BACK: its replica stopped and queued it
		// again; ABANDONED: its replica died and another reclaimed it.
		field.Enum("state").Values("RUNNING", "FINISHED", "DUPLICATE", "HANDED_BACK", "ABANDONED", "FAILED", "CANCELLED").Default("RUNNING"),
		field.String("error").Optional().MaxLen(2000),
		// replayed: the attempt (of a pass after the first) read the
		// outputs its replica kept from the first pass over the range
		// instead of evaluating the model.
		field.Bool("replayed").Default(false),
		field.Time("started_at").Default(time.Now).Immutable(),
		field.Time("finished_at").Optional().Nillable(),
	}
}

// Indexes of the SimulationTask.
func (SimulationTask) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("simulation_id", "pass", "first_chunk"),
	}
}
