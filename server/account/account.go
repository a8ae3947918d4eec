package account

import (
	"context"
	"fmt"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/viewer"
)

// Account is the viewer's user and organization as stored.
type Account struct {
	User         *ent.User
	Organization *ent.Organization
}

// TenantInfo describes the viewer's organization as a tenant.
type TenantInfo struct {
	TenantID     tenancy.ID
	Organization *ent.Organization
	Tier         tenancy.Tier
	DatabaseTier tenancy.DatabaseTier
	Pool         tenancy.PoolSettings
}

// Dedicated reports whether the tenant has a database of its own.
func (t *TenantInfo) Dedicated() bool { return t.DatabaseTier != tenancy.Shared }

// RequireViewer returns the viewer of ctx or an UNAUTHENTICATED error.
func RequireViewer(ctx context.Context) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token in the Authorization header")
	}
	return v, nil
}

// Me returns the viewer's account.
func (p *Service) Me(ctx context.Context) (*Account, error) {
	v, err := RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	u, err := p.Users.User.Get(ctx, v.UserID)
	if err != nil {
		return nil, fmt.Errorf("reading user: %w", err)
	}
	org, err := p.Users.Organization.Get(ctx, v.OrganizationID)
	if err != nil {
		return nil, fmt.Errorf("reading organization: %w", err)
	}
	return &Account{User: u, Organization: org}, nil
}

// TenantInfo returns the viewer's tenant as it is stored now (a tier change
// shows at once, whatever the token says).
func (p *Service) TenantInfo(ctx context.Context) (*TenantInfo, error) {
	v, err := RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	org, err := p.Users.Organization.Get(ctx, v.OrganizationID)
	if err != nil {
		return nil, fmt.Errorf("reading organization: %w", err)
	}
	tier := tenancy.Tier(org.Tier)
	db := tenancy.DatabaseTierOf(tier)
	return &TenantInfo{TenantID: tenancy.ID(org.TenantID), Organization: org, Tier: tier, DatabaseTier: db, Pool: db.Pool()}, nil
}
