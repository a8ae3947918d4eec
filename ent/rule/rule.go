// Package rule holds ent privacy rules. Each rule decides one thing and
// otherwise returns privacy.Skip, so policies read as a list of decisions.
package rule

import (
	"context"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/entql"

	"github.com/simgraph/simgraph/ent/privacy"
	"github.com/simgraph/simgraph/viewer"
)

// validTenant reports whether id looks like a tenant ID (16 lowercase hex).
func validTenant(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// DenyIfNoTenant denies any operation without a viewer or with a viewer
// whose tenant ID is empty or malformed.
func DenyIfNoTenant() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		v := viewer.FromContext(ctx)
		if v == nil {
			return privacy.Denyf("no viewer")
		}
		if !validTenant(v.TenantID) {
			return privacy.Denyf("viewer has no valid tenant")
		}
		return privacy.Skip
	})
}

// TenantFilter is implemented by the entql filters of tenant-owned schemas.
type TenantFilter interface {
	WhereTenantID(entql.StringP)
}

// FilterTenant narrows every query, update and delete to the viewer's
// tenant.
func FilterTenant() privacy.QueryMutationRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		if v == nil || !validTenant(v.TenantID) {
			return privacy.Denyf("no tenant to filter by")
		}
		tf, ok := f.(TenantFilter)
		if !ok {
			return privacy.Denyf("%T is not tenant-owned", f)
		}
		tf.WhereTenantID(entql.StringEQ(v.TenantID))
		return privacy.Skip
	})
}

// tenantSetter is implemented by the mutations of tenant-owned schemas.
type tenantSetter interface {
	TenantID() (string, bool)
	SetTenantID(string)
}

// SetTenantOnCreate stamps a created row with the viewer's tenant and
// rejects a create that names another tenant: privacy filters narrow
// queries, updates and deletes, but a create has nothing to filter.
func SetTenantOnCreate() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !m.Op().Is(ent.OpCreate) {
				return next.Mutate(ctx, m)
			}
			ts, ok := m.(tenantSetter)
			if !ok {
				return nil, fmt.Errorf("rule: %T is not tenant-owned", m)
			}
			v := viewer.FromContext(ctx)
			if v == nil || !validTenant(v.TenantID) {
				return nil, privacy.Denyf("create without a tenant")
			}
			if id, set := ts.TenantID(); set && id != v.TenantID {
				return nil, privacy.Denyf("create for another tenant")
			}
			ts.SetTenantID(v.TenantID)
			return next.Mutate(ctx, m)
		})
	}
}
