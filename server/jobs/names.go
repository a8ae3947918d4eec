package jobs

// The server mode's job stream and consumer group. The deployment
// manifests name them too (KEDA scales the workers on the group's lag and
// pending entries), and their test reads these, so a rename here fails it.
const (
	// StreamSuffix follows the process's Redis key prefix.
	StreamSuffix = "jobs"
	// ConsumerGroup is the one group every replica's workers read through.
	ConsumerGroup = "workers"
)

// StreamKey is the job stream under a Redis key prefix.
func StreamKey(prefix string) string { return prefix + StreamSuffix }
