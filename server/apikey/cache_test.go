package apikey

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/viewer"
)

// TestKeyCacheRefusesWhatItShould: a remembered key is reused only with its
// own secret, until keyTTL, and not after a revocation drops it.
func TestKeyCacheRefusesWhatItShould(t *testing.T) {
	t.Parallel()
	now := time.Now()
	v := &viewer.Viewer{UserID: uuid.New(), Roles: []viewer.Role{viewer.Member}}
	tests := []struct {
		name       string
		secretHash string
		at         time.Time
		revoked    bool
		hit        bool
	}{
		{"SameSecretFresh", hash("sgk_0123456789abcdef_right"), now, false, true},
		{"OtherSecretSameLookup", hash("sgk_0123456789abcdef_wrong"), now, false, false},
		{"Expired", hash("sgk_0123456789abcdef_right"), now.Add(keyTTL), false, false},
		{"Revoked", hash("sgk_0123456789abcdef_right"), now, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c keyCache
			c.put("0123456789abcdef", hash("sgk_0123456789abcdef_right"), v, now)
			if tt.revoked {
				c.forget("0123456789abcdef")
			}
			got, ok := c.get("0123456789abcdef", tt.secretHash, tt.at)
			require.Equal(t, tt.hit, ok)
			if tt.hit {
				require.Equal(t, v.UserID, got.UserID)
			}
		})
	}
}
