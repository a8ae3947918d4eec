package tenancy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/organization"
	"github.com/simgraph/simgraph/ent/rule"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/database"
)

// Mover changes organizations' tiers, moving their data between shared and
// dedicated databases.
type Mover struct {
	r *Router
	// stepFunc, when set (tests), is called after each step of a move; an
	// error stops the move there, as a crash would.
	stepFunc func(step string) error
}

// Move steps, in order; a test's stepFunc sees these names.
const (
	StepIntent   = "intent"   // move recorded in the placement table
	StepFenced   = "fenced"   // source fenced, in-flight writers done
	StepCopied   = "copied"   // rows copied to the destination and verified
	StepSwitched = "switched" // placement and organizations.tier point to the destination
	StepCleaned  = "cleaned"  // source rows removed
)

// NewMover returns the mover of r's tenants.
func NewMover(r *Router) *Mover { return &Mover{r: r} }

func (m *Mover) step(name string) error {
	if m.stepFunc == nil {
		return nil
	}
	return m.stepFunc(name)
}

// SetTier moves an organization to tier:
//
//  1. the move is recorded in the placement table (state copying);
//  2. in every tenant-routed service the source database gets a fence row
//     (writes refused with UNAVAILABLE, reads still served) and the mover
//     waits for in-flight writers; the destination gets one too;
//  3. rows are copied and verified per table (count and SHA-256 checksum);
//  4. the switch: placement and organizations.tier change in one
//     transaction of the user database;
//  5. the source is fenced as moved away, the destination unfenced, and
//     the source rows deleted; the move is marked complete.
//
// A crash before 4 leaves the data readable at the source; after it, at
// the destination; a partial copy is never routed to. Calling SetTier
// again completes (or, for a different target, first rolls back) an
// interrupted move. Moves between tiers that share a location (TRIAL and
// STANDARD; PROFESSIONAL and ENTERPRISE on the configured server) only
// switch.
func (m *Mover) SetTier(ctx context.Context, orgID uuid.UUID, tier Tier) error {
	if !slices.Contains(Tiers, tier) {
		return apperr.Errorf(apperr.BadUserInput, "unknown tier %q", tier)
	}
	r := m.r
	sys := rule.SystemContext(ctx, "tier move: reads and updates the organization across tenants")
	org, err := r.userDB().Client.Organization.Get(sys, orgID)
	if ent.IsNotFound(err) {
		return apperr.Errorf(apperr.NotFound, "organization not found")
	}
	if err != nil {
		return fmt.Errorf("reading organization: %w", err)
	}
	tenant := ID(org.TenantID)
	unlock, err := r.lockTenant(ctx, tenant)
	if err != nil {
		return err
	}
	defer unlock()
	defer r.invalidate(tenant)

	row, err := r.ensurePlacement(ctx, tenant)
	if err != nil {
		return err
	}
	// An interrupted move first: complete it if it switched, continue it
	// if it goes where we go, roll it back otherwise.
	switch row.MoveState {
	case moveSwitched:
		if err := m.finish(ctx, row); err != nil {
			return err
		}
	case moveCopying:
		same, err := m.sameLocations(tenant, row.MoveTier, tier, row)
		if err != nil {
			return err
		}
		if !same {
			if err := m.rollback(ctx, row); err != nil {
				return err
			}
		}
	}
	if row, err = r.ensurePlacement(ctx, tenant); err != nil {
		return err
	}
	if row.MoveState == moveNone && row.Tier == tier {
		if string(org.Tier) != string(tier) {
			return m.switchTier(ctx, org.ID, row, tier, moveNone)
		}
		return nil
	}
	same, err := m.sameLocations(tenant, row.Tier, tier, row)
	if err != nil {
		return err
	}
	if same {
		return m.switchTier(ctx, org.ID, row, tier, moveNone)
	}

	if row.MoveState == moveNone {
		if err := m.setMove(ctx, tenant, tier, row.Tier, moveCopying); err != nil {
			return err
		}
		row.MoveTier, row.MoveFrom, row.MoveState = tier, row.Tier, moveCopying
	}
	if err := m.step(StepIntent); err != nil {
		return err
	}
	for _, spec := range tenantSpecs() {
		if err := m.fence(ctx, spec, tenant, row); err != nil {
			return err
		}
	}
	if err := m.step(StepFenced); err != nil {
		return err
	}
	for _, spec := range tenantSpecs() {
		if err := m.copyService(ctx, spec, tenant, row); err != nil {
			return err
		}
	}
	if err := m.step(StepCopied); err != nil {
		return err
	}
	if err := m.switchTier(ctx, org.ID, row, tier, moveSwitched); err != nil {
		return err
	}
	if err := m.step(StepSwitched); err != nil {
		return err
	}
	row.MoveFrom, row.Tier, row.MoveState = row.Tier, tier, moveSwitched
	return m.finish(ctx, row)
}

func tenantSpecs() []database.ServiceSpec {
	var out []database.ServiceSpec
	for _, s := range database.Specs {
		if s.TenantRouted {
			out = append(out, s)
		}
	}
	return out
}

// sameLocations reports whether tiers a and b keep the tenant's data in
// the same databases.
func (m *Mover) sameLocations(tenant ID, a, b Tier, row placementRow) (bool, error) {
	for _, spec := range tenantSpecs() {
		la, err := m.r.locate(spec.Name, tenant, a, row)
		if err != nil {
			return false, err
		}
		lb, err := m.r.locate(spec.Name, tenant, b, row)
		if err != nil {
			return false, err
		}
		if la.dataKey() != lb.dataKey() {
			return false, nil
		}
	}
	return true, nil
}

func (m *Mover) setMove(ctx context.Context, tenant ID, to, from Tier, state string) error {
	u := m.r.userDB()
	_, err := u.DB.ExecContext(ctx, rebind(u.Dialect, `UPDATE `+placementTable+` SET move_tier = $1, move_from = $2, move_state = $3, updated_at = $4 WHERE tenant_id = $5`),
		string(to), string(from), state, now(), string(tenant))
	if err != nil {
		return fmt.Errorf("recording move of %s: %w", tenant, err)
	}
	m.r.invalidate(tenant)
	return nil
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// switchTier points the placement and organizations.tier at tier in one
// transaction of the user database.
func (m *Mover) switchTier(ctx context.Context, orgID uuid.UUID, row placementRow, tier Tier, state string) error {
	u := m.r.userDB()
	sys := rule.SystemContext(ctx, "tier move: switches the organization's tier")
	tx, err := u.Client.Tx(sys)
	if err != nil {
		return err
	}
	if err := tx.Organization.UpdateOneID(orgID).SetTier(organization.Tier(tier)).Exec(sys); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("updating organization tier: %w", err)
	}
	moveTier, moveFrom := string(row.MoveTier), string(row.Tier)
	if state == moveNone {
		moveTier, moveFrom = "", ""
	}
	_, err = tx.ExecContext(sys, rebind(u.Dialect, `UPDATE `+placementTable+` SET tier = $1, move_state = $2, move_tier = $3, move_from = $4, updated_at = $5 WHERE tenant_id = $6`),
		string(tier), state, moveTier, moveFrom, now(), string(row.TenantID))
	if err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("switching placement: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("switching placement: %w", err)
	}
	m.r.invalidate(row.TenantID)
	return nil
}

// fence stops writes of tenant at the move's source and destination and
// waits for in-flight writers at the source.
func (m *Mover) fence(ctx context.Context, spec database.ServiceSpec, tenant ID, row placementRow) error {
	src, dst, err := m.ends(spec, tenant, row.Tier, row.MoveTier, row)
	if err != nil {
		return err
	}
	for _, loc := range []location{dst, src} {
		c, err := m.r.openOwner(ctx, spec, loc)
		if err != nil {
			return err
		}
		if !loc.Shared {
			if err := c.Migrate(ctx); err != nil {
				c.Close()
				return err
			}
		}
		err = setFence(ctx, c.DB, c.Dialect, tenant, database.FenceMoving)
		if err == nil {
			err = waitWriters(ctx, c.DB, c.Dialect, tenant)
		}
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *Mover) ends(spec database.ServiceSpec, tenant ID, from, to Tier, row placementRow) (src, dst location, err error) {
	if src, err = m.r.locate(spec.Name, tenant, from, row); err != nil {
		return
	}
	dst, err = m.r.locate(spec.Name, tenant, to, row)
	return
}

// copyService copies a tenant's rows of one service and verifies them.
func (m *Mover) copyService(ctx context.Context, spec database.ServiceSpec, tenant ID, row placementRow) error {
	src, dst, err := m.ends(spec, tenant, row.Tier, row.MoveTier, row)
	if err != nil {
		return err
	}
	if src.dataKey() == dst.dataKey() {
		return nil
	}
	s, err := m.r.openOwner(ctx, spec, src)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := m.r.openOwner(ctx, spec, dst)
	if err != nil {
		return err
	}
	defer d.Close()
	// Leftovers of an interrupted copy go first.
	if err := deleteTenant(ctx, d.DB, d.Dialect, spec, tenant); err != nil {
		return err
	}
	for _, t := range database.TenantTables(spec) {
		if _, err := copyRows(ctx, s.DB, d.DB, s.Dialect, d.Dialect, t, tenant); err != nil {
			return fmt.Errorf("moving %s of %s: %w", t.Name, tenant, err)
		}
		want, err := checksum(ctx, s.DB, s.Dialect, t, tenant)
		if err != nil {
			return err
		}
		got, err := checksum(ctx, d.DB, d.Dialect, t, tenant)
		if err != nil {
			return err
		}
		if want != got {
			return fmt.Errorf("moving %s of %s: verification failed: source %d rows (%s), copy %d rows (%s)", t.Name, tenant, want.Rows, want.Sum, got.Rows, got.Sum)
		}
	}
	return nil
}

// finish completes a switched move: the destination opens for writes, the
// source is fenced as moved away and its rows deleted.
func (m *Mover) finish(ctx context.Context, row placementRow) error {
	tenant := row.TenantID
	for _, spec := range tenantSpecs() {
		src, dst, err := m.ends(spec, tenant, row.MoveFrom, row.Tier, row)
		if err != nil {
			return err
		}
		if src.dataKey() != dst.dataKey() {
			s, err := m.r.openOwner(ctx, spec, src)
			if err != nil {
				return err
			}
			err = setFence(ctx, s.DB, s.Dialect, tenant, database.FenceMoved)
			s.Close()
			if err != nil {
				return err
			}
		}
		d, err := m.r.openOwner(ctx, spec, dst)
		if err != nil {
			return err
		}
		err = setFence(ctx, d.DB, d.Dialect, tenant, "")
		d.Close()
		if err != nil {
			return err
		}
	}
	m.r.invalidate(tenant)
	for _, spec := range tenantSpecs() {
		src, dst, err := m.ends(spec, tenant, row.MoveFrom, row.Tier, row)
		if err != nil {
			return err
		}
		if src.dataKey() == dst.dataKey() {
			continue
		}
		s, err := m.r.openOwner(ctx, spec, src)
		if err != nil {
			return err
		}
		err = deleteTenant(ctx, s.DB, s.Dialect, spec, tenant)
		s.Close()
		if err != nil {
			return err
		}
		if !src.Shared {
			// The tenant's old database stays (fenced, empty); its pool goes.
			m.r.pools.remove(src.key)
			m.r.clients.Delete(src.key)
		}
	}
	if err := m.step(StepCleaned); err != nil {
		return err
	}
	return m.setMove(ctx, tenant, "", "", moveNone)
}

// rollback undoes an interrupted copy towards another tier: the partial
// copy is removed and the source unfenced.
func (m *Mover) rollback(ctx context.Context, row placementRow) error {
	tenant := row.TenantID
	for _, spec := range tenantSpecs() {
		src, dst, err := m.ends(spec, tenant, row.Tier, row.MoveTier, row)
		if err != nil {
			return err
		}
		if src.dataKey() != dst.dataKey() {
			d, err := m.r.openOwner(ctx, spec, dst)
			if err != nil {
				return err
			}
			err = deleteTenant(ctx, d.DB, d.Dialect, spec, tenant)
			if err == nil {
				// Nobody routes here; writes stay refused should a stale
				// router try.
				err = setFence(ctx, d.DB, d.Dialect, tenant, database.FenceMoved)
			}
			d.Close()
			if err != nil {
				return err
			}
		}
		s, err := m.r.openOwner(ctx, spec, src)
		if err != nil {
			return err
		}
		err = setFence(ctx, s.DB, s.Dialect, tenant, "")
		s.Close()
		if err != nil {
			return err
		}
	}
	return m.setMove(ctx, tenant, "", "", moveNone)
}
