package rediscluster

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestClusterFailsOver: keys spread over three masters, and a killed
// master's replica takes over with the data it had.
func TestClusterFailsOver(t *testing.T) {
	c, err := Start()
	require.NoError(t, err)
	defer c.Stop()
	ctx := context.Background()
	rdb, err := c.Client()
	require.NoError(t, err)
	defer rdb.Close()
	masters := map[string]bool{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		require.NoError(t, rdb.Set(ctx, k, k, 0).Err())
		m, err := c.MasterOf(ctx, k)
		require.NoError(t, err)
		masters[m] = true
	}
	require.Len(t, masters, 3, "eight keys land on every master")
	before, err := c.MasterOf(ctx, "a")
	require.NoError(t, err)
	// Replication is asynchronous: wait until the replica has the write,
	// which a failover otherwise may lose.
	master, err := rdb.MasterForKey(ctx, "a")
	require.NoError(t, err)
	require.NoError(t, master.Do(ctx, "WAIT", 1, 5000).Err())
	killed, err := c.KillMasterOf(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, before, killed)
	after, err := c.MasterOf(ctx, "a")
	require.NoError(t, err)
	require.NotEqual(t, before, after)
	// The client learns the new layout from the error of its first try.
	require.Eventually(t, func() bool {
		v, err := rdb.Get(ctx, "a").Result()
		if err != nil {
			t.Logf("reading after the failover: %v", err)
		}
		return v == "a"
	}, 10*time.Second, 100*time.Millisecond, "the client follows the slot to the promoted replica")
}
