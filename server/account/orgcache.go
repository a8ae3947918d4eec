package account

import (
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
)

// organizationCache keeps organizations as read for tenantInfo for the same
// short time as viewerCache, so that a client polling its tenant does not
// cost a user-database read each time. Only a tier move changes an
// organization after it is provisioned, and SetTier drops the entry at
// once on this process; other replicas see the new tier within
// organizationTTL, like the viewer and the router's placement.
//
// The zero value is ready to use.
type organizationCache struct {
	mu      sync.Mutex
	entries map[uuid.UUID]cachedOrganization
}

type cachedOrganization struct {
	org     ent.Organization
	expires time.Time
}

const (
	organizationTTL        = viewerTTL
	maxCachedOrganizations = maxCachedViewers
)

// get returns a copy of the cached organization id, if still fresh.
func (c *organizationCache) get(id uuid.UUID, now time.Time) (*ent.Organization, bool) {
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	org := e.org
	return &org, true
}

func (c *organizationCache) put(org *ent.Organization, now time.Time) {
	e := cachedOrganization{org: *org, expires: now.Add(organizationTTL)}
	// A cached copy must not hold a client or loaded edges of one request.
	e.org.Edges = ent.OrganizationEdges{}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[uuid.UUID]cachedOrganization{}
	}
	if len(c.entries) >= maxCachedOrganizations {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedOrganizations {
			return
		}
	}
	c.entries[org.ID] = e
}

func (c *organizationCache) forget(id uuid.UUID) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}
