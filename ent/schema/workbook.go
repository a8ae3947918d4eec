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

// Workbook is an uploaded .xlsx file and what import found in it. It lives
// in the file service's database.
type Workbook struct {
	ent.Schema
}

// Mixin of the Workbook.
func (Workbook) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the Workbook.
func (Workbook) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.String("name").NotEmpty().MaxLen(255),
		field.Int64("size").NonNegative().Immutable(),
		field.String("sha256").MinLen(64).MaxLen(64).Immutable(),
		field.Bytes("content").Immutable(),
		field.Strings("sheets").Immutable(),
		field.Int("formula_count").NonNegative().Immutable(),
		field.JSON("unsupported_functions", map[string]int{}).Optional().Immutable(),
		field.UUID("uploaded_by", uuid.UUID{}).Immutable(),
		field.Time("created_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
	}
}

// Indexes of the Workbook.
func (Workbook) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "created_at")}
}

// Annotations of the Workbook.
func (Workbook) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
