package quota

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/tenancy"
)

func TestConfigure(t *testing.T) {
	t.Parallel()
	tiers, err := Configure(nil)
	require.NoError(t, err)
	require.Equal(t, TierLimits, tiers)
	require.GreaterOrEqual(t, tiers[tenancy.Standard].IterationsPerSimulation, 1_000_000, "a STANDARD organization runs a million iterations")

	tiers, err = Configure(map[string]int64{"STANDARD_ITERATIONS": 2_000_000, "TRIAL_CONCURRENT_SIMULATIONS": 3, "ENTERPRISE_STORAGE_BYTES": 7 * TB})
	require.NoError(t, err)
	require.Equal(t, 2_000_000, tiers[tenancy.Standard].IterationsPerSimulation)
	require.Equal(t, TierLimits[tenancy.Standard].ConcurrentSimulations, tiers[tenancy.Standard].ConcurrentSimulations, "the others are kept")
	require.Equal(t, 3, tiers[tenancy.Trial].ConcurrentSimulations)
	require.Equal(t, 7*TB, tiers[tenancy.Enterprise].StorageBytes)
	require.Equal(t, 1_000_000, TierLimits[tenancy.Standard].IterationsPerSimulation, "the defaults are not changed")

	for _, bad := range []map[string]int64{{"GOLD_ITERATIONS": 1}, {"STANDARD_SPEED": 1}, {"STANDARD_ITERATIONS": 0}} {
		_, err := Configure(bad)
		require.Error(t, err, "%v", bad)
	}
	s := &Service{Tiers: tiers}
	require.Equal(t, 2_000_000, s.tierLimits(tenancy.Standard).IterationsPerSimulation)
}

// TestExceededMessages checks that a refusal says what was asked for when
// the request is too large, and what is in use when the tenant is full.
func TestExceededMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
		ext  string
	}{
		{ExceededRequest(IterationsPerSimulation, 1_000_000, 2_000_000), "iterationsPerSimulation is limited to 1000000 (requested: 2000000)", "requested"},
		{Exceeded(ConcurrentSimulations, 2, 2), "concurrentSimulations is limited to 2 (in use: 2)", "used"},
	} {
		require.Equal(t, apperr.QuotaExceeded, apperr.CodeOf(tc.err))
		require.Contains(t, tc.err.Error(), tc.want)
		var ae *apperr.Error
		require.ErrorAs(t, tc.err, &ae)
		require.Contains(t, ae.Extensions, tc.ext)
	}
}
