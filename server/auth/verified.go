package auth

import (
	"slices"
	"sync"
	"time"
)

// verifiedTokens remembers tokens that passed Verify, so that a client
// sending the same token on every request costs one signature check per
// verifiedTTL instead of one per request. An entry never outlives the
// token's exp (without leeway), so an expired token is refused exactly as
// before; a token signed with a key the issuer has since withdrawn is
// accepted at most verifiedTTL longer than the JWKS cache alone would.
// Only the complete token string hits: a token altered in any byte takes
// the full check.
//
// The zero value is ready to use.
type verifiedTokens struct {
	mu      sync.Mutex
	entries map[string]verifiedToken
}

type verifiedToken struct {
	id      Identity
	expires time.Time
}

const (
	// verifiedTTL is how long a verified token is trusted without a new
	// check: short next to the JWKS refresh interval, long enough that
	// steady traffic pays for the signature once.
	verifiedTTL = 10 * time.Second
	// maxVerifiedTokens bounds the cache's memory (a few hundred bytes a
	// token); past it expired entries are swept and, if it is still full,
	// new tokens are verified every time.
	maxVerifiedTokens = 50_000
	// maxCachedTokenBytes keeps outsized tokens out of the cache.
	maxCachedTokenBytes = 8 << 10
)

func (c *verifiedTokens) get(token string, now time.Time) (*Identity, bool) {
	c.mu.Lock()
	e, ok := c.entries[token]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	id := e.id
	id.Roles = slices.Clone(id.Roles)
	return &id, true
}

func (c *verifiedTokens) put(token string, id *Identity, now time.Time) {
	if len(token) > maxCachedTokenBytes {
		return
	}
	expires := now.Add(verifiedTTL)
	if !id.ExpiresAt.IsZero() && id.ExpiresAt.Before(expires) {
		expires = id.ExpiresAt
	}
	e := verifiedToken{id: *id, expires: expires}
	e.id.Roles = slices.Clone(id.Roles)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]verifiedToken{}
	}
	if len(c.entries) >= maxVerifiedTokens {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxVerifiedTokens {
			return
		}
	}
	c.entries[token] = e
}
