package deploy_test

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// composeFile is the part of the Compose specification compose.yaml uses,
// decoded strictly: a field outside it fails the test rather than being
// ignored.
type composeFile struct {
	Name     string                    `json:"name"`
	Services map[string]composeService `json:"services"`
	Volumes  map[string]struct{}       `json:"volumes"`
}

type composeService struct {
	Image string `json:"image"`
	Build *struct {
		Context    string `json:"context"`
		Dockerfile string `json:"dockerfile"`
	} `json:"build,omitempty"`
	Command     []string          `json:"command,omitempty"`
	Environment map[string]string `json:"environment,omitempty"`
	DependsOn   map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on,omitempty"`
	Healthcheck *struct {
		Test     []string `json:"test"`
		Interval string   `json:"interval"`
		Timeout  string   `json:"timeout"`
		Retries  int      `json:"retries"`
	} `json:"healthcheck,omitempty"`
	Ports           []string `json:"ports,omitempty"`
	Volumes         []string `json:"volumes,omitempty"`
	StopGracePeriod string   `json:"stop_grace_period,omitempty"`
	Restart         string   `json:"restart,omitempty"`
}

// TestCompose: two simgraph replicas in server mode on the compose file's
// PostgreSQL and Redis, behind nginx, which forwards websocket upgrades to
// both replicas on their listen port and accepts the largest upload.
func TestCompose(t *testing.T) {
	raw, err := os.ReadFile("compose.yaml")
	require.NoError(t, err)
	var f composeFile
	require.NoError(t, yaml.UnmarshalStrict(raw, &f))
	read := settingsRead(t)

	replicas := []string{"simgraph-1", "simgraph-2"}
	for _, name := range append([]string{"postgres", "redis", "lb"}, replicas...) {
		require.Contains(t, f.Services, name)
	}
	var upstreams []string
	var maxUpload int64
	for _, name := range replicas {
		t.Run(name, func(t *testing.T) {
			svc := f.Services[name]
			for k := range svc.Environment {
				require.True(t, slices.Contains(read, k), "server/config reads no %s", k)
			}
			cfg := loadConfig(t, svc.Environment)
			require.False(t, cfg.Embedded(), "server mode")
			require.Positive(t, cfg.Workers)
			for setting, want := range map[string]string{"SIMGRAPH_POSTGRES_URL": "postgres", "SIMGRAPH_REDIS_URL": "redis"} {
				u, err := url.Parse(svc.Environment[setting])
				require.NoError(t, err)
				require.Equal(t, want, u.Hostname(), "%s names the compose service", setting)
				require.Equal(t, "service_healthy", svc.DependsOn[want].Condition, "starts once %s answers", want)
			}
			_, err := cfg.Secret()
			require.NoError(t, err, "a usable JWT secret")
			stop, err := time.ParseDuration(svc.StopGracePeriod)
			require.NoError(t, err, "stop_grace_period")
			require.GreaterOrEqual(t, stop, cfg.ShutdownGrace+shutdownMargin)
			require.NotNil(t, svc.Build)
			_, err = os.Stat(filepath.Join(svc.Build.Context, svc.Build.Dockerfile))
			require.NoError(t, err)
			upstreams = append(upstreams, net.JoinHostPort(name, strconv.Itoa(int(listenPort(t, cfg)))))
			maxUpload = max(maxUpload, cfg.MaxUploadBytes)
		})
	}
	t.Run("lb", func(t *testing.T) { checkNginx(t, f.Services["lb"], upstreams, maxUpload) })
}

var (
	nginxServer  = regexp.MustCompile(`(?m)^\s*server\s+([^\s;]+)`)
	nginxMaxBody = regexp.MustCompile(`client_max_body_size\s+(\d+)([kmg]?);`)
)

func checkNginx(t *testing.T, lb composeService, upstreams []string, maxUpload int64) {
	t.Helper()
	i := slices.IndexFunc(lb.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/etc/nginx/nginx.conf:ro") })
	require.GreaterOrEqual(t, i, 0, "lb mounts its nginx.conf")
	conf, err := os.ReadFile(strings.SplitN(lb.Volumes[i], ":", 2)[0])
	require.NoError(t, err)
	var servers []string
	for _, m := range nginxServer.FindAllStringSubmatch(string(conf), -1) {
		if m[1] != "{" {
			servers = append(servers, m[1])
		}
	}
	require.ElementsMatch(t, upstreams, servers, "nginx's upstream is every replica on its listen port")
	for _, directive := range []string{
		"proxy_http_version 1.1;",
		"proxy_set_header Upgrade $http_upgrade;",
		"proxy_set_header Connection $connection_upgrade;",
		"proxy_buffering off;",
	} {
		require.Contains(t, string(conf), directive, "websockets and SSE pass through")
	}
	m := nginxMaxBody.FindStringSubmatch(string(conf))
	require.NotNil(t, m, "client_max_body_size")
	n, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	n <<= map[string]int{"": 0, "k": 10, "m": 20, "g": 30}[m[2]]
	require.GreaterOrEqual(t, n, maxUpload, "nginx accepts SIMGRAPH_MAX_UPLOAD_BYTES")
}
