// Package viewer carries who is asking through a request's context: the
// user, their organization (tenant) and roles. HTTP middleware and the
// websocket connection_init handler put it there once; ent privacy rules,
// domain packages and resolvers read it. It imports nothing of simgraph so
// that every layer, ent's schemas included, can depend on it.
package viewer

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// Role is what a user may do beyond reading and writing their own
// organization's data.
type Role string

// The roles.
const (
	Member      Role = "MEMBER"
	OrgAdmin    Role = "ORG_ADMIN"
	SystemAdmin Role = "SYSTEM_ADMIN"
)

// ParseRole returns the role named s, if it is one.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case Member, OrgAdmin, SystemAdmin:
		return r, true
	}
	return "", false
}

// Viewer is an authenticated, provisioned user.
type Viewer struct {
	UserID         uuid.UUID
	Subject        string
	Email          string
	OrganizationID uuid.UUID
	Organization   string // display name
	TenantID       string // 16 lowercase hex characters
	Tier           string // TRIAL, STANDARD, PROFESSIONAL or ENTERPRISE
	Roles          []Role
	// APIKeyID is set when the request authenticated with an organization
	// API key. UserID is then the key's ID too: a key is an identity of its
	// own, so what it creates is its own to change.
	APIKeyID uuid.UUID
	// ReadOnly is set for an API key without the write scope: it may run
	// queries and subscriptions, no mutation.
	ReadOnly bool
}

// Actor names who is acting, for the audit log: "apikey:<id>" for an API
// key, "user:<id>" for a user, empty without a viewer.
func (v *Viewer) Actor() string {
	switch {
	case v == nil:
		return ""
	case v.APIKeyID != uuid.Nil:
		return "apikey:" + v.APIKeyID.String()
	default:
		return "user:" + v.UserID.String()
	}
}

// Has reports whether v has role r. A system admin has every role.
func (v *Viewer) Has(r Role) bool {
	if v == nil {
		return false
	}
	return slices.Contains(v.Roles, r) || slices.Contains(v.Roles, SystemAdmin)
}

type ctxKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer of ctx, or nil.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(ctxKey{}).(*Viewer)
	return v
}

// MayChange reports whether v may change or delete an object of its
// organization that owner created: its creator may, and so may an
// organization administrator (a system administrator too). Reading is
// open to every member; the tenant rules decide that.
func (v *Viewer) MayChange(owner uuid.UUID) bool {
	if v == nil {
		return false
	}
	return v.UserID == owner || v.Has(OrgAdmin)
}
