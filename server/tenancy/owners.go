package tenancy

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/server/database"
)

// TenantClient is an owner (migration-role) client of one tenant's
// dedicated database.
type TenantClient struct {
	TenantID ID
	Client   *ent.Client
	// Conn is the owner connection the client runs on.
	Conn *database.Conn
}

// owners caches the owner connections DedicatedOwners opens; the router
// closes them.
type owners struct {
	mu    sync.Mutex
	conns map[string]*ownerConn
}

// DedicatedOwners returns an owner client of service's database for every
// tenant placed on a dedicated database (or moving to one), for system
// readers that must see every tenant's rows wherever they live: the outbox
// relay. Connections are opened once and kept until Close.
func (r *Router) DedicatedOwners(ctx context.Context, service string) ([]TenantClient, error) {
	spec, ok := database.Spec(service)
	if !ok || !spec.TenantRouted {
		return nil, fmt.Errorf("tenancy: %q is not a tenant-routed service", service)
	}
	u := r.userDB()
	rows, err := u.DB.QueryContext(ctx, rebind(u.Dialect, `SELECT tenant_id FROM `+placementTable+` WHERE tier IN ($1, $2) OR move_tier IN ($1, $2)`),
		string(Professional), string(Enterprise))
	if err != nil {
		return nil, fmt.Errorf("listing dedicated tenants: %w", err)
	}
	var tenants []ID
	for rows.Next() {
		var id ID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		tenants = append(tenants, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []TenantClient
	seen := map[string]bool{}
	for _, tenant := range tenants {
		row, ok, err := r.readPlacement(ctx, u.DB, tenant)
		if err != nil || !ok {
			return out, err
		}
		for _, tier := range []Tier{row.Tier, row.MoveTier} {
			if tier == "" || DatabaseTierOf(tier) == Shared {
				continue
			}
			loc, err := r.locate(service, tenant, tier, row)
			if err != nil {
				return out, err
			}
			key := loc.dataKey()
			if seen[key] {
				continue
			}
			seen[key] = true
			conn, err := r.owner(ctx, spec, loc, key)
			if err != nil {
				return out, err
			}
			out = append(out, TenantClient{TenantID: tenant, Client: conn.Client, Conn: conn.Conn})
		}
	}
	return out, nil
}

func (r *Router) owner(ctx context.Context, spec database.ServiceSpec, loc location, key string) (*ownerConn, error) {
	r.owned.mu.Lock()
	defer r.owned.mu.Unlock()
	if c, ok := r.owned.conns[key]; ok {
		return c, nil
	}
	if err := r.prepare(ctx, spec, loc); err != nil {
		return nil, err
	}
	c, err := r.openOwner(ctx, spec, loc)
	if err != nil {
		return nil, err
	}
	if r.owned.conns == nil {
		r.owned.conns = map[string]*ownerConn{}
	}
	r.owned.conns[key] = c
	return c, nil
}

func (o *owners) closeAll() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	var errs []error
	for k, c := range o.conns {
		errs = append(errs, c.Close())
		delete(o.conns, k)
	}
	return errors.Join(errs...)
}
