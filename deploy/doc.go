// Package deploy holds simgraph's deployment files: the Kubernetes
// manifests (kubernetes/, a Kustomize base and overlays) and a compose file
// for one machine (compose.yaml, nginx.conf). Its tests build and decode
// them and check them against the server: routes, listen address, every
// setting it reads, the job stream KEDA scales on.
package deploy
