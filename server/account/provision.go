// Package account provisions users and organizations on first sight of a
// verified identity and turns them into the request's viewer.
package account

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/organization"
	"github.com/simgraph/simgraph/ent/user"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/viewer"
)

// Service maps identities to viewers, creating what is missing, and answers
// questions about the viewer's account.
type Service struct {
	// Users is the user service's database.
	Users       *ent.Client
	DefaultTier tenancy.Tier
	// Outbox, if set, receives user.created in the transaction that
	// creates the user (and only then); OnCommit runs after it commits.
	Outbox   events.WriteFunc
	OnCommit func()
	// Placement, if set (the tenant router), says where a tenant's data is.
	Placement func(ctx context.Context, tenant tenancy.ID) (tenancy.Placement, error)
	// Mover, if set, moves tenants between tiers.
	Mover TierMover

	viewers       viewerCache
	organizations organizationCache
}

// TierMover moves an organization's data to the databases of a tier.
type TierMover interface {
	SetTier(ctx context.Context, orgID uuid.UUID, tier tenancy.Tier) error
}

// Viewer returns the viewer of id, provisioning its organization and user
// if this is their first request. It is idempotent under concurrency: the
// unique keys on organization key and user subject make every racer insert
// nothing but the first, and everyone reads the winner back.
func (p *Service) Viewer(ctx context.Context, id *auth.Identity) (*viewer.Viewer, error) {
	if v, ok := p.viewers.get(id, time.Now()); ok {
		return v, nil
	}
	v, err := p.provision(ctx, id)
	if err != nil {
		return nil, err
	}
	p.viewers.put(id, v, time.Now())
	return v, nil
}

func (p *Service) provision(ctx context.Context, id *auth.Identity) (*viewer.Viewer, error) {
	orgKey, personal := tenancy.OrgKey(id.OrgKey, id.Subject)
	org, err := p.organization(ctx, orgKey, personal, id)
	if err != nil {
		return nil, err
	}
	roles := rolesOf(id.Roles, personal)
	u, err := p.user(ctx, org, id, roles)
	if err != nil {
		return nil, err
	}
	return &viewer.Viewer{
		UserID:         u.ID,
		Subject:        u.Subject,
		Email:          u.Email,
		OrganizationID: org.ID,
		Organization:   org.Name,
		TenantID:       org.TenantID,
		Tier:           string(org.Tier),
		Roles:          roles,
	}, nil
}

func (p *Service) organization(ctx context.Context, key string, personal bool, id *auth.Identity) (*ent.Organization, error) {
	org, err := p.Users.Organization.Query().Where(organization.Key(key)).Only(ctx)
	if err == nil {
		return org, nil
	}
	if !ent.IsNotFound(err) {
		return nil, fmt.Errorf("looking up organization: %w", err)
	}
	name := id.OrgName
	if name == "" {
		name = id.OrgKey
	}
	if personal {
		name = personalName(id)
	}
	err = p.Users.Organization.Create().
		SetKey(key).
		SetTenantID(string(tenancy.DeriveID(key))).
		SetName(name).
		SetPersonal(personal).
		SetTier(organization.Tier(p.tier())).
		OnConflict(sql.ConflictColumns(organization.FieldKey)).DoNothing().
		Exec(ctx)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("creating organization: %w", err)
	}
	org, err = p.Users.Organization.Query().Where(organization.Key(key)).Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading organization back: %w", err)
	}
	return org, nil
}

func (p *Service) user(ctx context.Context, org *ent.Organization, id *auth.Identity, roles []viewer.Role) (*ent.User, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	// The new row's ID is chosen here: reading the subject back in the same
	// transaction tells whether this insert created the user (user.created
	// goes to the outbox with it) or found it.
	newID := uuid.New()
	tx, err := p.Users.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("provisioning user: %w", err)
	}
	err = tx.User.Create().
		SetID(newID).
		SetSubject(id.Subject).
		SetEmail(id.Email).
		SetTenantID(org.TenantID).
		SetOrganizationID(org.ID).
		SetRoles(names).
		OnConflict(sql.ConflictColumns(user.FieldSubject)).
		Update(func(u *ent.UserUpsert) {
			u.SetEmail(id.Email)
			u.SetLastSeenAt(time.Now())
		}).
		Exec(ctx)
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("provisioning user: %w", err)
	}
	u, err := tx.User.Query().Where(user.Subject(id.Subject)).Only(ctx)
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("reading user back: %w", err)
	}
	created := u.ID == newID
	if created && p.Outbox != nil {
		e := events.New(events.UserCreated, events.UserPayload{Email: u.Email})
		e.TenantID, e.OrganizationID, e.UserID, e.SubjectID = org.TenantID, org.ID.String(), u.ID.String(), u.ID.String()
		if err := p.Outbox(ctx, tx.Client(), e); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("provisioning user: %w", err)
	}
	if created && p.OnCommit != nil {
		p.OnCommit()
	}
	u = u.Unwrap()
	if u.OrganizationID != org.ID {
		// A subject belongs to one organization; a token naming another is
		// refused rather than silently moving the user's data.
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "this account belongs to another organization than the one your sign-in names; ask your administrator",
			Err: fmt.Errorf("user %s belongs to another organization", id.Subject)}
	}
	if !slices.Equal(u.Roles, names) {
		// Roles are the identity provider's to decide; ent's upsert cannot
		// set a JSON column, so they are updated on their own when they change.
		if u, err = u.Update().SetRoles(names).Save(ctx); err != nil {
			return nil, fmt.Errorf("updating roles: %w", err)
		}
	}
	return u, nil
}

func (p *Service) tier() tenancy.Tier {
	if p.DefaultTier == "" {
		return tenancy.Standard
	}
	return p.DefaultTier
}

// rolesOf keeps the known roles of a token. Everyone is a member; the owner
// of a personal organization administers it.
func rolesOf(claimed []string, personal bool) []viewer.Role {
	roles := []viewer.Role{viewer.Member}
	for _, c := range claimed {
		if r, ok := viewer.ParseRole(c); ok && r != viewer.Member {
			roles = append(roles, r)
		}
	}
	if personal && !slices.Contains(roles, viewer.OrgAdmin) {
		roles = append(roles, viewer.OrgAdmin)
	}
	return roles
}

func personalName(id *auth.Identity) string {
	if id.Email != "" {
		return id.Email + " (personal)"
	}
	return id.Subject + " (personal)"
}

// isNoRows recognises the "no rows" that DO NOTHING upserts report on some
// dialects when the row existed.
func isNoRows(err error) bool {
	return errors.Is(err, stdsql.ErrNoRows)
}
