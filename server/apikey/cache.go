package apikey

import (
	"slices"
	"sync"
	"time"

	"github.com/simgraph/simgraph/viewer"
)

// keyCache keeps the viewers of recently authenticated keys for keyTTL, so
// that a client's steady stream of requests does not cost two user-database
// reads each. Only keys that passed the full check (hash matches, not
// revoked) enter it, and a hit still compares the presented key's hash. A
// revocation on this process drops the entry after it commits; other
// replicas refuse the key within keyTTL.
//
// The zero value is ready to use.
type keyCache struct {
	mu      sync.Mutex
	entries map[string]cachedKey
}

type cachedKey struct {
	secretHash string
	viewer     viewer.Viewer
	expires    time.Time
}

const (
	// keyTTL bounds how long another replica accepts a revoked key: the
	// same second as the viewer and placement caches.
	keyTTL = time.Second
	// maxCachedKeys bounds the cache's memory; past it, expired entries are
	// swept and, if it is still full, new keys are not cached.
	maxCachedKeys = 100_000
)

func (c *keyCache) get(lookup, secretHash string, now time.Time) (*viewer.Viewer, bool) {
	c.mu.Lock()
	e, ok := c.entries[lookup]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) || !equalHash(e.secretHash, secretHash) {
		return nil, false
	}
	v := e.viewer
	v.Roles = slices.Clone(v.Roles)
	return &v, true
}

func (c *keyCache) put(lookup, secretHash string, v *viewer.Viewer, now time.Time) {
	e := cachedKey{secretHash: secretHash, viewer: *v, expires: now.Add(keyTTL)}
	e.viewer.Roles = slices.Clone(v.Roles)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedKey{}
	}
	if len(c.entries) >= maxCachedKeys {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedKeys {
			return
		}
	}
	c.entries[lookup] = e
}

func (c *keyCache) forget(lookup string) {
	c.mu.Lock()
	delete(c.entries, lookup)
	c.mu.Unlock()
}
