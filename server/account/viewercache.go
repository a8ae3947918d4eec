package account

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/viewer"
)

// viewerCache keeps the viewers of recently seen identities for a short
// time, so that a client's steady stream of requests does not cost an
// organization lookup and a user upsert each. It sits after token
// verification: an expired, forged or no longer signed token never reaches
// it. An entry is keyed by every claim the viewer is derived from, so a
// token naming another organization, email or roles for the same subject
// misses and takes the full path (which refuses a subject moving between
// organizations). A tier change made by this process drops the
// organization's entries at once; other replicas see it within the TTL,
// like the router's placement cache.
//
// The zero value is ready to use.
type viewerCache struct {
	mu      sync.Mutex
	entries map[identityKey]cachedViewer
}

type identityKey struct {
	subject, email, orgKey, orgName, roles string
}

type cachedViewer struct {
	viewer  viewer.Viewer
	expires time.Time
}

const (
	// viewerTTL is how long a viewer is reused: short enough that another
	// replica's tier change shows within about the same second as the
	// router's placement cache, long enough to absorb request bursts.
	viewerTTL = time.Second
	// maxCachedViewers bounds the cache's memory; past it the cache is
	// swept of expired entries and, if still full, new identities wait.
	maxCachedViewers = 100_000
)

func keyOf(id *auth.Identity) identityKey {
	return identityKey{subject: id.Subject, email: id.Email, orgKey: id.OrgKey, orgName: id.OrgName, roles: strings.Join(id.Roles, "\x00")}
}

// get returns a copy of the cached viewer of id, if it is still fresh.
func (c *viewerCache) get(id *auth.Identity, now time.Time) (*viewer.Viewer, bool) {
	k := keyOf(id)
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	v := e.viewer
	v.Roles = slices.Clone(v.Roles)
	return &v, true
}

func (c *viewerCache) put(id *auth.Identity, v *viewer.Viewer, now time.Time) {
	k := keyOf(id)
	e := cachedViewer{viewer: *v, expires: now.Add(viewerTTL)}
	e.viewer.Roles = slices.Clone(v.Roles)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[identityKey]cachedViewer{}
	}
	if len(c.entries) >= maxCachedViewers {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedViewers {
			return
		}
	}
	c.entries[k] = e
}

// forgetOrganization drops every cached viewer of an organization.
func (c *viewerCache) forgetOrganization(orgID uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.viewer.OrganizationID == orgID {
			delete(c.entries, k)
		}
	}
}
