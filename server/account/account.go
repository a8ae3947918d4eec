package account

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

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
	u, err := p.viewerUser(ctx, v)
	if err != nil {
		return nil, err
	}
	org, err := p.Users.Organization.Get(ctx, v.OrganizationID)
	if err != nil {
		return nil, fmt.Errorf("reading organization: %w", err)
	}
	return &Account{User: u, Organization: org}, nil
}

// viewerUser is the viewer's user row; an API key has none, and is described
// from the key: its ID, "apikey:<id>" as subject and its roles.
func (p *Service) viewerUser(ctx context.Context, v *viewer.Viewer) (*ent.User, error) {
	if v.APIKeyID == uuid.Nil {
		u, err := p.Users.User.Get(ctx, v.UserID)
		if err != nil {
			return nil, fmt.Errorf("reading user: %w", err)
		}
		return u, nil
	}
	roles := make([]string, len(v.Roles))
	for i, r := range v.Roles {
		roles[i] = string(r)
	}
	return &ent.User{ID: v.APIKeyID, Subject: "apikey:" + v.APIKeyID.String(), TenantID: v.TenantID,
		OrganizationID: v.OrganizationID, Roles: roles}, nil
}

// TenantInfo returns the viewer's tenant as stored, whatever the token says:
// a tier change made on this process shows at once, one made on another
// replica within organizationTTL.
func (p *Service) TenantInfo(ctx context.Context) (*TenantInfo, error) {
	v, err := RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	return p.tenantInfo(ctx, v.OrganizationID)
}

// tenantInfo describes an organization as a tenant. With a router, the
// database tier is where the router places the data (during a move: where
// it still is), so tenantInfo and routing always agree.
func (p *Service) tenantInfo(ctx context.Context, orgID uuid.UUID) (*TenantInfo, error) {
	org, ok := p.organizations.get(orgID, time.Now())
	if !ok {
		var err error
		org, err = p.Users.Organization.Get(ctx, orgID)
		if ent.IsNotFound(err) {
			return nil, apperr.Errorf(apperr.NotFound, "organization %s not found", orgID)
		}
		if err != nil {
			return nil, fmt.Errorf("reading organization: %w", err)
		}
		p.organizations.put(org, time.Now())
	}
	tier := tenancy.Tier(org.Tier)
	db := tenancy.DatabaseTierOf(tier)
	if p.Placement != nil {
		pl, err := p.Placement(ctx, tenancy.ID(org.TenantID))
		if err != nil {
			return nil, err
		}
		tier, db = pl.Tier, pl.DatabaseTier
	}
	return &TenantInfo{TenantID: tenancy.ID(org.TenantID), Organization: org, Tier: tier, DatabaseTier: db, Pool: db.Pool()}, nil
}

// SetTier moves an organization to another tier (SYSTEM_ADMIN only): its
// rows move between shared and dedicated databases, verified before the
// source is cleared. It returns the organization's tenant info afterwards.
func (p *Service) SetTier(ctx context.Context, orgID string, tier tenancy.Tier) (*TenantInfo, error) {
	v, err := RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(v.Roles, viewer.SystemAdmin) {
		return nil, apperr.Errorf(apperr.Forbidden, "only a system administrator may change an organization's tier")
	}
	id, err := uuid.Parse(orgID)
	if err != nil {
		return nil, apperr.Errorf(apperr.NotFound, "organization %s not found", orgID)
	}
	if p.Mover == nil {
		return nil, apperr.Errorf(apperr.Unavailable, "tier moves are not available on this server")
	}
	if _, err := p.Users.Organization.Get(ctx, id); ent.IsNotFound(err) {
		return nil, apperr.Errorf(apperr.NotFound, "organization %s not found", orgID)
	}
	err = p.Mover.SetTier(ctx, id, tier)
	// Even a failed move may have changed the tier part way.
	p.viewers.forgetOrganization(id)
	p.organizations.forget(id)
	if err != nil {
		return nil, err
	}
	return p.tenantInfo(ctx, id)
}
