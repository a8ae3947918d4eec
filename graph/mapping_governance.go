package graph

import (
	"strings"

	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/server/audit"
)

func auditFilter(f *model.AuditLogFilter) audit.Filter {
	if f == nil {
		return audit.Filter{}
	}
	return audit.Filter{ObjectType: deref(f.ObjectType, ""), ObjectID: deref(f.ObjectID, ""), Actor: deref(f.Actor, ""),
		Action: deref(f.Action, ""), Since: f.Since, Until: f.Until}
}

// webhookEventOf is the GraphQL name of an event type
// (simulation.completed is SIMULATION_COMPLETED).
func webhookEventOf(typ string) model.WebhookEvent {
	return model.WebhookEvent(strings.ToUpper(strings.ReplaceAll(typ, ".", "_")))
}

func eventTypeOf(e model.WebhookEvent) string {
	return strings.Replace(strings.ToLower(string(e)), "_", ".", 1)
}
