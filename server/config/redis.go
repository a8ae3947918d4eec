package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// NewRedisClient connects to the Redis SIMGRAPH_REDIS_URL names. One
// address (redis://[user:pass@]host:port/db, rediss://, unix://) is a single
// node, parsed by redis.ParseURL as it always was. A Redis Cluster is named
// by several seed addresses (redis://h1:p1,h2:p2,...) or by the scheme
// redis+cluster:// (rediss+cluster:// for TLS), a cluster even with one
// seed; see ClusterOptions.
func NewRedisClient(raw string) (redis.UniversalClient, error) {
	opt, err := ClusterOptions(raw)
	if err != nil {
		return nil, err
	}
	if opt == nil {
		single, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("redis URL %q: %w", redact(raw), err)
		}
		return redis.NewClient(single), nil
	}
	rdb := redis.NewUniversalClient(opt)
	if cluster, ok := rdb.(*redis.ClusterClient); ok {
		cluster.AddHook(reloadOnLostNode{cluster})
	}
	return rdb, nil
}

// reloadOnLostNode asks the cluster client to learn the slots again when a
// node cannot be reached. go-redis follows MOVED replies, but a killed
// master sends none, and the client would otherwise keep dialling it until
// its periodic reload (a minute) after a replica has taken over.
type reloadOnLostNode struct{ cluster *redis.ClusterClient }

func (h reloadOnLostNode) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h reloadOnLostNode) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.check(ctx, err)
		return err
	}
}

func (h reloadOnLostNode) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(ctx, err)
		return err
	}
}

func (h reloadOnLostNode) check(ctx context.Context, err error) {
	var netErr net.Error
	if err != nil && ctx.Err() == nil && (errors.As(err, &netErr) || errors.Is(err, io.EOF) || strings.HasPrefix(err.Error(), "CLUSTERDOWN")) {
		h.cluster.ReloadState(ctx)
	}
}

// ClusterOptions returns the cluster client's options when raw names a
// Redis Cluster, and nil options when it names a single node. The query
// options are those of redis.ParseClusterURL; the options force a
// ClusterClient (IsClusterMode) whatever the number of seeds.
func ClusterOptions(raw string) (*redis.UniversalOptions, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, fmt.Errorf("redis URL %q: want redis://host:port, redis://h1:p1,h2:p2 or redis+cluster://h1:p1,h2:p2", redact(raw))
	}
	cluster := false
	switch scheme {
	case "redis+cluster", "rediss+cluster":
		scheme, cluster = strings.TrimSuffix(scheme, "+cluster"), true
	case "redis", "rediss":
	default:
		return nil, nil // unix:// and the like: a single node, redis.ParseURL judges
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	userinfo, hosts := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	seeds := strings.Split(hosts, ",")
	if len(seeds) > 1 {
		cluster = true
	}
	if !cluster {
		return nil, nil
	}
	for _, s := range seeds {
		if s == "" {
			return nil, fmt.Errorf("redis URL %q: empty address in the list", redact(raw))
		}
	}
	u, err := url.Parse(scheme + "://" + userinfo + seeds[0] + tail)
	if err != nil {
		return nil, fmt.Errorf("redis URL %q: %w", redact(raw), err)
	}
	if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
		return nil, fmt.Errorf("redis URL %q: a Redis Cluster has database 0 only, not %s", redact(raw), db)
	}
	// go-redis names the seeds beyond the first with addr parameters.
	u.Path = ""
	q := u.Query()
	for _, s := range seeds[1:] {
		q.Add("addr", s)
	}
	u.RawQuery = q.Encode()
	copt, err := redis.ParseClusterURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("redis URL %q: %w", redact(raw), err)
	}
	return clusterOptions(copt), nil
}

// clusterOptions carries what redis.ParseClusterURL reads from a URL.
func clusterOptions(o *redis.ClusterOptions) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs: o.Addrs, IsClusterMode: true, Protocol: o.Protocol, ClientName: o.ClientName,
		Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
		MaxRedirects: o.MaxRedirects, ReadOnly: o.ReadOnly, RouteByLatency: o.RouteByLatency, RouteRandomly: o.RouteRandomly,
		MaxRetries: o.MaxRetries, MinRetryBackoff: o.MinRetryBackoff, MaxRetryBackoff: o.MaxRetryBackoff,
		DialTimeout: o.DialTimeout, DialerRetries: o.DialerRetries, DialerRetryTimeout: o.DialerRetryTimeout,
		ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolFIFO: o.PoolFIFO, PoolSize: o.PoolSize, MaxConcurrentDials: o.MaxConcurrentDials,
		PoolTimeout: o.PoolTimeout, MinIdleConns: o.MinIdleConns, MaxIdleConns: o.MaxIdleConns,
		MaxActiveConns: o.MaxActiveConns, ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime,
		ConnMaxLifetimeJitter: o.ConnMaxLifetimeJitter, FailingTimeoutSeconds: o.FailingTimeoutSeconds,
		PipelinePoolSize: o.PipelinePoolSize, PipelineReadBufferSize: o.PipelineReadBufferSize,
		PipelineWriteBufferSize: o.PipelineWriteBufferSize,
	}
}

// redact hides a password in a URL shown in an error.
func redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}
