package graph

import (
	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/server/audit"
)

func auditFilter(f *model.AuditLogFilter) audit.Filter {
	if f == nil {
		return audit.Filter{}
	}
	return audit.Filter{ObjectType: deref(f.ObjectType, ""), ObjectID: deref(f.ObjectID, ""), Actor: deref(f.Actor, ""),
		Since: f.Since, Until: f.Until}
}
