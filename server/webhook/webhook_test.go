package webhook_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/webhook"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url                    string
		production, permissive bool // accepted without and with AllowPrivate
	}{
		{"https://hooks.example.com/simgraph", true, true},
		{"http://203.0.113.10:8080/hook", true, true},
		{"ftp://hooks.example.com/", false, false},
		{"hooks.example.com/hook", false, false},
		{"https://user:pw@hooks.example.com/", false, false},
		{"http://127.0.0.1:9000/", false, true},
		{"http://localhost/", false, true},
		{"http://api.localhost/", false, true},
		{"http://[::1]/", false, true},
		{"http://10.1.2.3/", false, true},
		{"http://192.168.0.7/", false, true},
		{"http://172.16.0.1/", false, true},
		{"http://169.254.169.254/latest/meta-data", false, true},
		{"http://0.0.0.0/", false, true},
		{"http://[fd00::1]/", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			for _, c := range []struct {
				allow, want bool
			}{{false, tt.production}, {true, tt.permissive}} {
				err := webhook.CheckURL(tt.url, c.allow)
				if c.want {
					require.NoError(t, err, "allowPrivate=%v", c.allow)
				} else {
					require.Error(t, err, "allowPrivate=%v", c.allow)
					require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
				}
			}
		})
	}
}

// TestSign checks the signature against one computed independently:
// printf '1700000000.{"id":"e"}' | openssl dgst -sha256 -hmac whsec_test
func TestSign(t *testing.T) {
	t.Parallel()
	got := webhook.Sign("whsec_test", time.Unix(1700000000, 0), []byte(`{"id":"e"}`))
	require.Equal(t, "t=1700000000,v1=7d00fb8eebc2d72903387c74cb0a32f29849952b82c96e35325cc89d264f93c9", got)
}
