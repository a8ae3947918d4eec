package deploy_test

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/simgraph/simgraph/server"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/jobs"
)

// overlay is what one Kustomize overlay must produce.
type overlay struct {
	name     string
	embedded bool
	// deployments by name: whether the pods run simulations and whether
	// the Service routes to them.
	deployments map[string]role
	// autoscaled: an HPA for the API and a KEDA ScaledObject for the
	// workers (never on an embedded overlay: SQLite has one writer).
	autoscaled bool
}

type role struct{ runsJobs, serves bool }

var overlays = []overlay{
	{
		name:        "embedded-demo",
		embedded:    true,
		deployments: map[string]role{"simgraph": {runsJobs: true, serves: true}},
	},
	{
		name: "production",
		deployments: map[string]role{
			"simgraph":        {serves: true},
			"simgraph-worker": {runsJobs: true},
		},
		autoscaled: true,
	},
}

// shutdownMargin is what the grace period must leave beyond preStop and
// SIMGRAPH_SHUTDOWN_GRACE for the workers to put their simulations back
// and the databases to close (a batch of the engine, a few statements).
const shutdownMargin = 10 * time.Second

// credentials are the settings that belong in the Secret, never in the
// ConfigMap.
var credentials = []string{
	"SIMGRAPH_POSTGRES_URL", "SIMGRAPH_REDIS_URL", "SIMGRAPH_JWT_SECRET",
	"SIMGRAPH_SIMULATION_DATABASE_URL", "SIMGRAPH_USER_DATABASE_URL", "SIMGRAPH_FILE_DATABASE_URL",
	"SIMGRAPH_RESULTS_DATABASE_URL", "SIMGRAPH_BILLING_DATABASE_URL", "SIMGRAPH_ANALYTICS_DATABASE_URL",
}

// manifests are one overlay's objects, decoded, by name.
type manifests struct {
	Deployments     map[string]*appsv1.Deployment
	Services        map[string]*corev1.Service
	ConfigMaps      map[string]*corev1.ConfigMap
	Secrets         map[string]*corev1.Secret
	ServiceAccounts map[string]*corev1.ServiceAccount
	PVCs            map[string]*corev1.PersistentVolumeClaim
	HPAs            map[string]*autoscalingv2.HorizontalPodAutoscaler
	PDBs            map[string]*policyv1.PodDisruptionBudget
	NetworkPolicies map[string]*networkingv1.NetworkPolicy
	ScaledObjects   map[string]*scaledObject
}

var (
	builtMu sync.Mutex
	built   = map[string]*manifests{}
)

// build runs kustomize on an overlay and decodes every object strictly.
func build(t *testing.T, name string) *manifests {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if m, ok := built[name]; ok {
		return m
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), "kubernetes/overlays/"+name)
	require.NoError(t, err, "kustomize build kubernetes/overlays/%s", name)
	out, err := res.AsYaml()
	require.NoError(t, err)
	m, err := decodeAll(out)
	require.NoError(t, err, "overlay %s", name)
	built[name] = m
	return m
}

// decodeAll splits a multi-document YAML stream and decodes each document
// into its typed object, refusing fields the type does not have.
func decodeAll(stream []byte) (*manifests, error) {
	m := &manifests{
		Deployments: map[string]*appsv1.Deployment{}, Services: map[string]*corev1.Service{},
		ConfigMaps: map[string]*corev1.ConfigMap{}, Secrets: map[string]*corev1.Secret{},
		ServiceAccounts: map[string]*corev1.ServiceAccount{}, PVCs: map[string]*corev1.PersistentVolumeClaim{},
		HPAs: map[string]*autoscalingv2.HorizontalPodAutoscaler{}, PDBs: map[string]*policyv1.PodDisruptionBudget{},
		NetworkPolicies: map[string]*networkingv1.NetworkPolicy{}, ScaledObjects: map[string]*scaledObject{},
	}
	for _, doc := range bytes.Split(stream, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var head struct {
			metav1.TypeMeta `json:",inline"`
			Metadata        struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, err
		}
		gvk := head.APIVersion + " " + head.Kind
		var err error
		switch gvk {
		case "apps/v1 Deployment":
			err = decodeInto(doc, m.Deployments, head.Metadata.Name)
		case "v1 Service":
			err = decodeInto(doc, m.Services, head.Metadata.Name)
		case "v1 ConfigMap":
			err = decodeInto(doc, m.ConfigMaps, head.Metadata.Name)
		case "v1 Secret":
			err = decodeInto(doc, m.Secrets, head.Metadata.Name)
		case "v1 ServiceAccount":
			err = decodeInto(doc, m.ServiceAccounts, head.Metadata.Name)
		case "v1 PersistentVolumeClaim":
			err = decodeInto(doc, m.PVCs, head.Metadata.Name)
		case "autoscaling/v2 HorizontalPodAutoscaler":
			err = decodeInto(doc, m.HPAs, head.Metadata.Name)
		case "policy/v1 PodDisruptionBudget":
			err = decodeInto(doc, m.PDBs, head.Metadata.Name)
		case "networking.k8s.io/v1 NetworkPolicy":
			err = decodeInto(doc, m.NetworkPolicies, head.Metadata.Name)
		case "keda.sh/v1alpha1 ScaledObject":
			err = decodeInto(doc, m.ScaledObjects, head.Metadata.Name)
		default:
			return nil, fmt.Errorf("%s %q: no decoder for this kind; add one", gvk, head.Metadata.Name)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", gvk, head.Metadata.Name, err)
		}
	}
	return m, nil
}

func decodeInto[T any](doc []byte, into map[string]*T, name string) error {
	if _, dup := into[name]; dup {
		return fmt.Errorf("defined twice")
	}
	obj := new(T)
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return err
	}
	into[name] = obj
	return nil
}

// scaledObject is the part of KEDA's ScaledObject (keda.sh/v1alpha1) the
// manifests use; decoding strictly into it refuses any other field, so a
// misspelt one fails rather than being ignored by KEDA.
type scaledObject struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		ScaleTargetRef struct {
			APIVersion             string `json:"apiVersion,omitempty"`
			Kind                   string `json:"kind,omitempty"`
			Name                   string `json:"name"`
			EnvSourceContainerName string `json:"envSourceContainerName,omitempty"`
		} `json:"scaleTargetRef"`
		PollingInterval *int32 `json:"pollingInterval,omitempty"`
		CooldownPeriod  *int32 `json:"cooldownPeriod,omitempty"`
		MinReplicaCount *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount *int32 `json:"maxReplicaCount,omitempty"`
		Advanced        *struct {
			HorizontalPodAutoscalerConfig *struct {
				Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
			} `json:"horizontalPodAutoscalerConfig,omitempty"`
			ScalingModifiers *struct {
				Formula    string                         `json:"formula"`
				Target     string                         `json:"target"`
				MetricType autoscalingv2.MetricTargetType `json:"metricType,omitempty"`
			} `json:"scalingModifiers,omitempty"`
		} `json:"advanced,omitempty"`
		Triggers []struct {
			Type     string            `json:"type"`
			Name     string            `json:"name,omitempty"`
			Metadata map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// redisStreamsMetadata are the redis-streams scaler's metadata keys
// (KEDA's scaler documentation); redisStreamsMeasures are the ones that
// pick what it measures, of which a trigger takes exactly one.
var (
	redisStreamsMetadata = []string{
		"address", "host", "port", "addressFromEnv", "hostFromEnv", "portFromEnv",
		"usernameFromEnv", "passwordFromEnv", "stream", "consumerGroup",
		"pendingEntriesCount", "streamLength", "lagCount", "activationLagCount",
		"enableTLS", "unsafeSsl", "databaseIndex",
	}
	redisStreamsMeasures = []string{"pendingEntriesCount", "streamLength", "lagCount"}
)

// settingsRead is every environment variable config.Load reads.
func settingsRead(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	_, err := config.Load(func(name string) string { seen[name] = true; return "" })
	require.NoError(t, err)
	return slices.Sorted(maps.Keys(seen))
}

// containerEnv is a container's environment as the kubelet sets it:
// envFrom sources in order, then env.
func containerEnv(t *testing.T, m *manifests, c corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, src := range c.EnvFrom {
		switch {
		case src.ConfigMapRef != nil:
			cm, ok := m.ConfigMaps[src.ConfigMapRef.Name]
			require.True(t, ok, "container %s reads ConfigMap %q, which the overlay does not define", c.Name, src.ConfigMapRef.Name)
			maps.Copy(env, cm.Data)
		case src.SecretRef != nil:
			s, ok := m.Secrets[src.SecretRef.Name]
			require.True(t, ok, "container %s reads Secret %q, which the overlay does not define", c.Name, src.SecretRef.Name)
			for k, v := range s.Data {
				env[k] = string(v)
			}
			maps.Copy(env, s.StringData)
		}
	}
	for _, e := range c.Env {
		require.Nil(t, e.ValueFrom, "env %s: the test reads literal values only", e.Name)
		env[e.Name] = e.Value
	}
	return env
}

// loadConfig is the configuration the container's process would run with.
func loadConfig(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.Load(func(name string) string { return env[name] })
	require.NoError(t, err, "the manifests' settings must load")
	return cfg
}

func listenPort(t *testing.T, cfg *config.Config) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(cfg.Addr)
	require.NoError(t, err, "SIMGRAPH_ADDR %q", cfg.Addr)
	n, err := strconv.ParseInt(p, 10, 32)
	require.NoError(t, err, "SIMGRAPH_ADDR %q needs a fixed port", cfg.Addr)
	return int32(n)
}

// resolvePort turns a probe's or Service's port (number or name) into the
// container's port number.
func resolvePort(t *testing.T, c corev1.Container, p intstr.IntOrString) int32 {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	require.Failf(t, "unknown port", "container %s has no port named %q", c.Name, p.StrVal)
	return 0
}

func theContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	require.Len(t, d.Spec.Template.Spec.Containers, 1, "deployment %s", d.Name)
	return d.Spec.Template.Spec.Containers[0]
}

func TestKustomizeBuildsDecodeStrictly(t *testing.T) {
	for _, o := range overlays {
		t.Run(o.name, func(t *testing.T) {
			m := build(t, o.name)
			require.ElementsMatch(t, slices.Collect(maps.Keys(o.deployments)), slices.Collect(maps.Keys(m.Deployments)))
			require.Len(t, m.ConfigMaps, 1)
			require.Len(t, m.Secrets, 1)
			if o.autoscaled {
				require.NotEmpty(t, m.HPAs)
				require.NotEmpty(t, m.ScaledObjects)
			} else {
				require.Empty(t, m.HPAs)
				require.Empty(t, m.ScaledObjects)
			}
		})
	}
	// The strictness the checks rely on: a misspelt field is an error.
	t.Run("UnknownFieldRefused", func(t *testing.T) {
		_, err := decodeAll([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n"))
		require.ErrorContains(t, err, "replica")
		_, err = decodeAll([]byte("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: x\nspec:\n  scaleTargetRef: {name: x}\n  minReplicas: 1\n"))
		require.ErrorContains(t, err, "minReplicas")
	})
}

// TestSettingsCoverConfig: the ConfigMap and Secret name exactly the
// variables config.Load reads, credentials in the Secret only, and each
// container's environment loads.
func TestSettingsCoverConfig(t *testing.T) {
	read := settingsRead(t)
	for _, o := range overlays {
		t.Run(o.name, func(t *testing.T) {
			m := build(t, o.name)
			var named []string
			for _, cm := range m.ConfigMaps {
				for k := range cm.Data {
					require.NotContains(t, credentials, k, "credential %s belongs in the Secret", k)
					named = append(named, k)
				}
			}
			for _, s := range m.Secrets {
				for k := range s.Data {
					if strings.HasPrefix(k, "SIMGRAPH_") {
						require.Contains(t, credentials, k, "%s is not a credential: put it in the ConfigMap", k)
						named = append(named, k)
					}
				}
			}
			require.ElementsMatch(t, read, named, "ConfigMap+Secret vs what server/config reads")

			for name, d := range m.Deployments {
				c := theContainer(t, d)
				cfg := loadConfig(t, containerEnv(t, m, c))
				require.Equal(t, o.embedded, cfg.Embedded(), "deployment %s: embedded mode", name)
				if o.deployments[name].runsJobs {
					require.Positive(t, cfg.Workers, "deployment %s runs simulations", name)
				} else {
					require.Zero(t, cfg.Workers, "deployment %s serves the API only", name)
				}
				if !cfg.Embedded() {
					require.NotEmpty(t, cfg.RedisURL, "deployment %s: server mode needs Redis", name)
				}
				if o.embedded {
					require.True(t, cfg.Development() && cfg.DemoOrg, "the demo has the development sign-in")
				} else {
					require.False(t, cfg.Development(), "deployment %s: SIMGRAPH_ENV=production", name)
				}
			}
		})
	}
}

// TestPodsMatchServer: container port, probes, shutdown budget, resources
// and the writable paths a read-only root needs.
func TestPodsMatchServer(t *testing.T) {
	for _, o := range overlays {
		t.Run(o.name, func(t *testing.T) {
			m := build(t, o.name)
			for name, d := range m.Deployments {
				t.Run(name, func(t *testing.T) {
					c := theContainer(t, d)
					cfg := loadConfig(t, containerEnv(t, m, c))
					port := listenPort(t, cfg)
					require.Equal(t, port, resolvePort(t, c, intstr.FromString("http")), "port http is SIMGRAPH_ADDR's")

					probes := map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe}
					want := map[string]string{"readiness": readyPath, "liveness": livePath, "startup": livePath}
					for kind, p := range probes {
						require.NotNil(t, p, "%s probe", kind)
						require.NotNil(t, p.HTTPGet, "%s probe is an HTTP GET", kind)
						require.Equal(t, want[kind], p.HTTPGet.Path, "%s probe path", kind)
						require.Equal(t, port, resolvePort(t, c, p.HTTPGet.Port), "%s probe port", kind)
					}

					require.NotNil(t, c.Lifecycle, "preStop")
					require.NotNil(t, c.Lifecycle.PreStop, "preStop")
					require.NotNil(t, c.Lifecycle.PreStop.Sleep, "preStop sleeps (the image has no shell)")
					preStop := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
					require.Positive(t, preStop)
					grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
					require.NotNil(t, grace)
					require.GreaterOrEqual(t, time.Duration(*grace)*time.Second, preStop+cfg.ShutdownGrace+shutdownMargin,
						"terminationGracePeriodSeconds covers preStop + SIMGRAPH_SHUTDOWN_GRACE + %s", shutdownMargin)

					for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
						req, ok := c.Resources.Requests[r]
						require.True(t, ok, "%s request", r)
						lim, ok := c.Resources.Limits[r]
						require.True(t, ok, "%s limit", r)
						require.LessOrEqual(t, req.Cmp(lim), 0, "%s request ≤ limit", r)
					}

					pod := d.Spec.Template.Spec
					require.NotNil(t, pod.SecurityContext.RunAsNonRoot)
					require.True(t, *pod.SecurityContext.RunAsNonRoot)
					require.NotNil(t, c.SecurityContext.ReadOnlyRootFilesystem)
					require.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
					var mounts []string
					for _, vm := range c.VolumeMounts {
						require.False(t, vm.ReadOnly)
						mounts = append(mounts, vm.MountPath)
					}
					require.Contains(t, mounts, cfg.DataDir, "SIMGRAPH_DATA_DIR is writable")
					require.Contains(t, mounts, "/tmp", "the engine's temporary files are writable")

					require.True(t, labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)))
					require.Equal(t, strconv.Itoa(int(port)), d.Spec.Template.Annotations["prometheus.io/port"], "scraped on the listen port")
				})
			}
			if o.embedded {
				d := m.Deployments["simgraph"]
				require.EqualValues(t, 1, *d.Spec.Replicas, "SQLite has one writer")
				require.Equal(t, appsv1.RecreateDeploymentStrategyType, d.Spec.Strategy.Type, "the old pod lets go of the files first")
				vol := d.Spec.Template.Spec.Volumes[slices.IndexFunc(d.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == "data" })]
				require.NotNil(t, vol.PersistentVolumeClaim, "the demo's data survives a restart")
				require.Nil(t, vol.EmptyDir)
				require.Contains(t, m.PVCs, vol.PersistentVolumeClaim.ClaimName)
			}
		})
	}
}

// TestTrafficAndDisruption: the Service reaches the API pods only, every
// pod is under a disruption budget and a network policy that lets HTTP in
// and the databases it is configured with out.
func TestTrafficAndDisruption(t *testing.T) {
	for _, o := range overlays {
		t.Run(o.name, func(t *testing.T) {
			m := build(t, o.name)
			require.Len(t, m.Services, 1)
			for _, svc := range m.Services {
				sel := labels.SelectorFromSet(svc.Spec.Selector)
				for name, d := range m.Deployments {
					require.Equal(t, o.deployments[name].serves, sel.Matches(labels.Set(d.Spec.Template.Labels)), "Service %s selects deployment %s", svc.Name, name)
					if o.deployments[name].serves {
						c := theContainer(t, d)
						for _, p := range svc.Spec.Ports {
							resolvePort(t, c, p.TargetPort)
						}
					}
				}
			}
			for name, d := range m.Deployments {
				pods := labels.Set(d.Spec.Template.Labels)
				var budgets int
				for _, pdb := range m.PDBs {
					sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
					require.NoError(t, err)
					if sel.Matches(pods) {
						budgets++
					}
				}
				require.Equal(t, 1, budgets, "deployment %s: PodDisruptionBudgets selecting its pods", name)

				c := theContainer(t, d)
				cfg := loadConfig(t, containerEnv(t, m, c))
				var policies int
				for _, np := range m.NetworkPolicies {
					sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
					require.NoError(t, err)
					if !sel.Matches(pods) {
						continue
					}
					policies++
					var in []int32
					for _, rule := range np.Spec.Ingress {
						for _, p := range rule.Ports {
							in = append(in, resolvePort(t, c, *p.Port))
						}
					}
					require.Contains(t, in, listenPort(t, cfg), "NetworkPolicy %s lets HTTP in", np.Name)
					var out []int32
					for _, rule := range np.Spec.Egress {
						for _, p := range rule.Ports {
							out = append(out, resolvePort(t, c, *p.Port))
						}
					}
					require.Contains(t, out, int32(53), "DNS")
					for _, u := range []string{cfg.PostgresURL, cfg.RedisURL} {
						if u != "" {
							require.Contains(t, out, urlPort(t, u), "NetworkPolicy %s lets %s out", np.Name, redact(u))
						}
					}
				}
				require.Equal(t, 1, policies, "deployment %s: NetworkPolicies selecting its pods", name)
			}
		})
	}
}

// TestAutoscalers: the HPA scales the API on CPU, KEDA the workers on the
// job stream and consumer group the server really uses, through the Redis
// the workers are configured with; never both on one Deployment.
func TestAutoscalers(t *testing.T) {
	for _, o := range overlays {
		if !o.autoscaled {
			continue
		}
		t.Run(o.name, func(t *testing.T) {
			m := build(t, o.name)
			targets := map[string]string{}
			for _, hpa := range m.HPAs {
				ref := hpa.Spec.ScaleTargetRef
				require.Equal(t, "Deployment", ref.Kind)
				d, ok := m.Deployments[ref.Name]
				require.True(t, ok, "HPA %s scales %q, which is not here", hpa.Name, ref.Name)
				require.False(t, o.deployments[d.Name].runsJobs, "the HPA scales the API pods")
				require.NotContains(t, targets, ref.Name)
				targets[ref.Name] = "HPA " + hpa.Name
				require.Nil(t, d.Spec.Replicas, "deployment %s: the HPA owns its replicas", d.Name)
				require.Len(t, hpa.Spec.Metrics, 1)
				metric := hpa.Spec.Metrics[0]
				require.Equal(t, autoscalingv2.ResourceMetricSourceType, metric.Type)
				require.Equal(t, corev1.ResourceCPU, metric.Resource.Name)
				require.Equal(t, autoscalingv2.UtilizationMetricType, metric.Resource.Target.Type)
				require.NotNil(t, hpa.Spec.MinReplicas)
				require.Less(t, *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
				_, ok = theContainer(t, d).Resources.Requests[corev1.ResourceCPU]
				require.True(t, ok, "CPU utilization needs a CPU request")
			}
			for _, so := range m.ScaledObjects {
				ref := so.Spec.ScaleTargetRef
				require.Contains(t, []string{"", "Deployment"}, ref.Kind)
				d, ok := m.Deployments[ref.Name]
				require.True(t, ok, "ScaledObject %s scales %q, which is not here", so.Metadata.Name, ref.Name)
				require.True(t, o.deployments[d.Name].runsJobs, "KEDA scales the workers")
				require.NotContains(t, targets, ref.Name, "two autoscalers on one Deployment")
				targets[ref.Name] = "ScaledObject " + so.Metadata.Name
				require.Nil(t, d.Spec.Replicas, "deployment %s: KEDA owns its replicas", d.Name)
				c := theContainer(t, d)
				require.Equal(t, c.Name, ref.EnvSourceContainerName)
				env := containerEnv(t, m, c)
				cfg := loadConfig(t, env)
				redisURL, err := url.Parse(cfg.RedisURL)
				require.NoError(t, err)
				password, _ := redisURL.User.Password()
				db := strings.TrimPrefix(redisURL.Path, "/")
				if db == "" {
					db = "0"
				}

				require.NotNil(t, so.Spec.MinReplicaCount)
				require.NotNil(t, so.Spec.MaxReplicaCount)
				require.LessOrEqual(t, *so.Spec.MinReplicaCount, *so.Spec.MaxReplicaCount)
				require.NotEmpty(t, so.Spec.Triggers)
				var names []string
				for _, tr := range so.Spec.Triggers {
					require.Equal(t, "redis-streams", tr.Type)
					names = append(names, tr.Name)
					md := tr.Metadata
					for k := range md {
						require.Contains(t, redisStreamsMetadata, k, "trigger %s: redis-streams metadata", tr.Name)
					}
					require.Equal(t, jobs.StreamKey(server.RedisKeyPrefix(cfg)), md["stream"], "trigger %s: the job stream", tr.Name)
					require.Equal(t, jobs.ConsumerGroup, md["consumerGroup"], "trigger %s: the workers' consumer group", tr.Name)
					require.Equal(t, redisURL.Host, env[md["addressFromEnv"]], "trigger %s: %s is SIMGRAPH_REDIS_URL's host:port", tr.Name, md["addressFromEnv"])
					require.Equal(t, password, env[md["passwordFromEnv"]], "trigger %s: %s is SIMGRAPH_REDIS_URL's password", tr.Name, md["passwordFromEnv"])
					require.Equal(t, db, md["databaseIndex"], "trigger %s: SIMGRAPH_REDIS_URL's database", tr.Name)
					var measures int
					for _, k := range redisStreamsMeasures {
						if v, ok := md[k]; ok {
							measures++
							n, err := strconv.Atoi(v)
							require.NoError(t, err, "trigger %s: %s", tr.Name, k)
							require.Positive(t, n)
						}
					}
					require.Equal(t, 1, measures, "trigger %s measures one thing", tr.Name)
				}
				mod := so.Spec.Advanced.ScalingModifiers
				require.NotNil(t, mod, "jobs waiting and running are added up")
				for _, n := range names {
					require.Contains(t, mod.Formula, n)
				}
				require.Equal(t, strconv.Itoa(cfg.Workers), mod.Target, "a pod's share is SIMGRAPH_WORKERS jobs")
				require.Equal(t, autoscalingv2.AverageValueMetricType, mod.MetricType)
			}
			for name := range o.deployments {
				require.Contains(t, targets, name, "deployment %s is autoscaled", name)
			}
		})
	}
}

func urlPort(t *testing.T, raw string) int32 {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	n, err := strconv.ParseInt(u.Port(), 10, 32)
	require.NoError(t, err, "%s names its port", redact(raw))
	return int32(n)
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "an unparsable URL"
	}
	return u.Redacted()
}
