package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"github.com/simgraph/simgraph/ent/privacy"
	"github.com/simgraph/simgraph/ent/rule"
)

// TenantMixin makes a schema tenant-owned: an immutable tenant_id set from
// the viewer on create, and a policy that limits every read and write to
// the viewer's tenant and denies everything without one.
type TenantMixin struct {
	mixin.Schema
}

// Fields of the TenantMixin.
func (TenantMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("tenant_id").MinLen(16).MaxLen(16).Immutable().
			Annotations(),
	}
}

// Indexes of the TenantMixin.
func (TenantMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id")}
}

// Policy of the TenantMixin.
func (TenantMixin) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.DenyIfNoTenant(), rule.FilterTenant()},
		Mutation: privacy.MutationPolicy{rule.DenyIfNoTenant(), rule.FilterTenant()},
	}
}

// Hooks of the TenantMixin.
func (TenantMixin) Hooks() []ent.Hook {
	return []ent.Hook{rule.SetTenantOnCreate()}
}
