package graph

import (
	"strings"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/health"
)

func mapOrganization(o *ent.Organization) *model.Organization {
	return &model.Organization{ID: o.ID.String(), Name: o.Name, TenantID: o.TenantID, Tier: model.Tier(o.Tier), Personal: o.Personal}
}

func mapUser(a *account.Account) *model.User {
	roles := make([]model.Role, 0, len(a.User.Roles))
	for _, r := range a.User.Roles {
		roles = append(roles, model.Role(r))
	}
	return &model.User{ID: a.User.ID.String(), Email: a.User.Email, Subject: a.User.Subject, Roles: roles, Organization: mapOrganization(a.Organization)}
}

func mapTenantInfo(t *account.TenantInfo) *model.TenantInfo {
	return &model.TenantInfo{
		TenantID:     string(t.TenantID),
		Organization: mapOrganization(t.Organization),
		Tier:         model.Tier(t.Tier),
		DatabaseTier: model.DatabaseTier(t.DatabaseTier),
		Dedicated:    t.Dedicated(),
		Pool:         &model.PoolSettings{Size: t.Pool.Size, Overflow: t.Pool.Overflow, Max: t.Pool.Max()},
	}
}

func mapHealth(r health.Report) *model.Health {
	h := &model.Health{Status: model.HealthStatus(r.Status), Version: r.Version, UptimeSeconds: r.Uptime.Seconds(), Mode: r.Mode}
	h.Services, h.Dependencies = []*model.DependencyCheck{}, []*model.DependencyCheck{}
	for _, c := range r.Checks {
		dc := &model.DependencyCheck{Name: c.Name, Status: model.HealthStatus(c.Status), LatencyMs: float64(c.Latency.Microseconds()) / 1000}
		if c.Err != nil {
			// Only that it failed: the error text may carry hosts or credentials.
			msg := "unreachable"
			dc.Error = &msg
		}
		h.Checks = append(h.Checks, dc)
		// The same check, grouped: service databases and other dependencies.
		if name, ok := strings.CutPrefix(c.Name, "database:"); ok {
			svc := *dc
			svc.Name = name
			h.Services = append(h.Services, &svc)
		} else {
			h.Dependencies = append(h.Dependencies, dc)
		}
	}
	return h
}
