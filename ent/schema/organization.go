package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Organization is a tenant. It lives in the user service's database.
type Organization struct {
	ent.Schema
}

// Fields of the Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		// key is the stable identity the tenant ID is derived from
		// ("org:<claim>" or "user:<sub>" for a personal organization).
		field.String("key").NotEmpty().Immutable().Unique(),
		field.String("tenant_id").MinLen(16).MaxLen(16).Immutable().Unique(),
		field.String("name").NotEmpty(),
		field.Bool("personal").Default(false).Immutable(),
		field.Enum("tier").Values("TRIAL", "STANDARD", "PROFESSIONAL", "ENTERPRISE").Default("STANDARD"),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// Edges of the Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("users", User.Type),
	}
}

// Indexes of the Organization.
func (Organization) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tier")}
}
