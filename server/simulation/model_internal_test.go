package simulation

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    string
		n    int
		want string
	}{
		{"Short", "plan", 10, "plan"},
		{"Exact", "plan", 4, "plan"},
		{"Cut", "planning", 4, "plan"},
		{"NoSplitRune", "prévision", 3, "pr"}, // é is two bytes: bytes 2 and 3
		{"Zero", "plan", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, truncate(tt.s, tt.n))
		})
	}
}
