package files

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRangeCells(t *testing.T) {
	tests := []struct {
		rng  string
		want int
		ok   bool
	}{
		{"A1", 1, true},
		{"A1:B10", 20, true},
		{"$B$10:a1", 20, true},
		{" C3:C3 ", 1, true},
		{"A1:XFD1048576", math.MaxInt32, true}, // 16384 × 1048576 saturates
		{"Sheet1!A1:B2", 0, false},
		{"A0:B2", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			n, ok := RangeCells(tt.rng)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, n)
		})
	}
}
