package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Model is a saved simulation model of a workbook: its name and the number
// of its current version. The definitions are its ModelVersions. It lives
// in the simulation service's database, beside the simulations that run
// it; the workbook is referenced by ID only (another service).
type Model struct {
	ent.Schema
}

// Mixin of the Model.
func (Model) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the Model.
func (Model) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.String("name").NotEmpty().MaxLen(255),
		field.String("description").Default("").MaxLen(4000),
		field.UUID("workbook_id", uuid.UUID{}).Immutable(),
		// version is the number of the current ModelVersion; updates
		// compare-and-set it, so two editors cannot both make version n+1.
		field.Int("version").Positive(),
		field.UUID("created_by", uuid.UUID{}).Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("updated_at").Default(time.Now).
			Annotations(entgql.OrderField("UPDATED_AT")),
	}
}

// Indexes of the Model.
func (Model) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "updated_at"),
		index.Fields("workbook_id"),
	}
}

// Annotations of the Model.
func (Model) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
