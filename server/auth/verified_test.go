package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/apperr"
)

// fakeClock is a settable clock for VerifierOpts.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestVerifiedTokensKeepEveryRefusal checks that remembering verified tokens
// refuses what the full check refuses: a remembered token once past its
// exp, and a remembered token altered in one byte.
func TestVerifiedTokensKeepEveryRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// after changes the world once the token has been verified (and
		// remembered); the token is then verified again.
		after func(clock *fakeClock, token string) string
	}{
		{"Expired", func(clock *fakeClock, token string) string {
			clock.advance(2 * time.Minute)
			return token
		}},
		{"AlteredSignature", func(_ *fakeClock, token string) string {
			last := token[len(token)-2]
			if last == 'A' {
				last = 'B'
			} else {
				last = 'A'
			}
			return token[:len(token)-2] + string(last) + token[len(token)-1:]
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			start := time.Now()
			clock := &fakeClock{now: start}
			jwks := NewJWKS(b.keys.URL)
			jwks.MinRefresh = 0
			v, err := NewVerifier(VerifierOpts{Secret: b.secret, JWKS: jwks, Issuer: "https://issuer.example/", Audience: "simgraph-api", Claims: names, Now: clock.Now})
			require.NoError(t, err)
			claims := baseClaims()
			claims["exp"] = start.Add(time.Minute).Unix()
			token := sign(t, jwt.SigningMethodRS256, "rsa-1", b.rsaKey, claims)
			for range 2 {
				_, err := v.Verify(context.Background(), token)
				require.NoError(t, err)
			}
			_, err = v.Verify(context.Background(), tt.after(clock, token))
			require.Error(t, err)
			require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))
		})
	}
}
