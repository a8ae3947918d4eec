package jobs_test

import (
	"os"
	"testing"

	"github.com/simgraph/simgraph/server/servertest/rediscluster"
)

func TestMain(m *testing.M) {
	code := m.Run()
	rediscluster.StopShared()
	os.Exit(code)
}
