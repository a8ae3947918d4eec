package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
)

// User is a person seen through an identity provider's subject. It lives in
// the user service's database, beside its organization.
type User struct {
	ent.Schema
}

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.String("subject").NotEmpty().Immutable().Unique(),
		field.String("email").Default(""),
		field.String("tenant_id").MinLen(16).MaxLen(16).Immutable(),
		field.UUID("organization_id", uuid.UUID{}).Immutable(),
		field.Strings("roles").Optional(),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("last_seen_at").Default(time.Now),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("organization", Organization.Type).Ref("users").Field("organization_id").Unique().Required().Immutable(),
	}
}
