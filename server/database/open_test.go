package database_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/servertest"
)

// TestEnsurePostgresDatabaseConcurrently creates one database from many
// goroutines at once, as a tier move and the event relay can: PostgreSQL
// then reports either duplicate_database or a unique violation on
// pg_database, and every caller must get the database.
func TestEnsurePostgresDatabaseConcurrently(t *testing.T) {
	pg := servertest.PostgresURL(t)
	prefix := servertest.UniquePrefix()
	t.Cleanup(func() { servertest.DropDatabases(t, pg, prefix) })
	for round := range 5 {
		name := prefix + "race_" + string(rune('a'+round))
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for g := range errs {
			wg.Go(func() { _, errs[g] = database.EnsurePostgresDatabase(context.Background(), pg, name) })
		}
		wg.Wait()
		for g, err := range errs {
			require.NoError(t, err, "round %d goroutine %d", round, g)
		}
	}
}
