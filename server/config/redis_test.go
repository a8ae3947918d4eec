package config

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestRedisURLNamesNodeOrCluster(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		url      string
		cluster  bool
		addrs    []string
		user     string
		password string
		err      string
	}{
		{name: "SingleNode", url: "redis://127.0.0.1:6379/0"},
		{name: "SingleNodeOtherDB", url: "redis://:secret@10.0.0.1:6380/3"},
		{name: "SeedList", url: "redis://h1:7000,h2:7001,h3:7002", cluster: true, addrs: []string{"h1:7000", "h2:7001", "h3:7002"}},
		{name: "SeedListWithPasswordAndOptions", url: "redis://u:pw@h1:7000,h2:7001/?dial_timeout=3s&max_redirects=5", cluster: true,
			addrs: []string{"h1:7000", "h2:7001"}, user: "u", password: "pw"},
		{name: "ClusterSchemeOneSeed", url: "redis+cluster://h1:7000", cluster: true, addrs: []string{"h1:7000"}},
		{name: "ClusterSchemeSeeds", url: "redis+cluster://h1:7000,h2:7001/?read_timeout=2s", cluster: true, addrs: []string{"h1:7000", "h2:7001"}},
		{name: "ClusterSchemeTLS", url: "rediss+cluster://h1:7000,h2:7001", cluster: true, addrs: []string{"h1:7000", "h2:7001"}},
		{name: "ClusterOtherDB", url: "redis+cluster://h1:7000,h2:7001/2", err: "database 0 only"},
		{name: "EmptySeed", url: "redis://h1:7000,,h3:7002", err: "empty address"},
		{name: "UnknownOption", url: "redis+cluster://h1:7000/?bogus=1", err: "bogus"},
		{name: "NotAURL", url: "127.0.0.1:6379", err: "want redis://"},
		{name: "PasswordHiddenInErrors", url: "redis+cluster://u:topsecret@h1:7000/5", err: "u:xxxxx@h1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt, err := ClusterOptions(c.url)
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				require.NotContains(t, err.Error(), "topsecret")
				return
			}
			require.NoError(t, err)
			rdb, err := NewRedisClient(c.url)
			require.NoError(t, err)
			defer rdb.Close()
			_, isCluster := rdb.(*redis.ClusterClient)
			require.Equal(t, c.cluster, isCluster)
			if !c.cluster {
				require.Nil(t, opt)
				want, err := redis.ParseURL(c.url)
				require.NoError(t, err)
				got := rdb.(*redis.Client).Options()
				require.Equal(t, want.Addr, got.Addr)
				require.Equal(t, want.DB, got.DB)
				require.Equal(t, want.Password, got.Password)
				return
			}
			require.True(t, opt.IsClusterMode)
			require.Equal(t, c.addrs, opt.Addrs)
			require.Equal(t, c.user, opt.Username)
			require.Equal(t, c.password, opt.Password)
		})
	}
}
