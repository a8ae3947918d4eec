// Package audit is the organization's audit log: who changed which object
// and when. A consumer of the outbox events records each change as an
// entry in the tenant's own simulation database (through the tenant
// router, so entries move with the tenant between tiers); the log is read
// through the auditLog query.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/auditentry"
	"github.com/simgraph/simgraph/ent/simulation"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/viewer"
)

// ServiceName is the database the entries live in: the tenant's
// simulation database.
const ServiceName = "simulation"

// ConsumerName is the audit consumer's group.
const ConsumerName = "audit"

// Clients returns the ent client of a service for the tenant in ctx.
type Clients func(ctx context.Context, service string) (*ent.Client, error)

// actions maps the event types the log records to the actions it shows
// and the type of object they are about. Files are workbooks to users.
var actions = map[string]struct{ action, object string }{
	events.FileUploaded:        {"workbook.uploaded", "workbook"},
	events.FileRenamed:         {"workbook.renamed", "workbook"},
	events.FileDeleted:         {"workbook.deleted", "workbook"},
	events.SimulationCreated:   {"simulation.created", "simulation"},
	events.SimulationRenamed:   {"simulation.renamed", "simulation"},
	events.SimulationCancelled: {"simulation.cancelled", "simulation"},
	events.SimulationStarted:   {"simulation.started", "simulation"},
	events.SimulationCompleted: {"simulation.completed", "simulation"},
	events.SimulationFailed:    {"simulation.failed", "simulation"},
	events.ModelCreated:        {"model.created", "model"},
	events.ModelUpdated:        {"model.updated", "model"},
	events.ModelDeleted:        {"model.deleted", "model"},
	events.UserCreated:         {"user.created", "user"},
	events.APIKeyCreated:       {"apikey.created", "apikey"},
	events.APIKeyRevoked:       {"apikey.revoked", "apikey"},
	events.WebhookCreated:      {"webhook.created", "webhook"},
	events.WebhookDeleted:      {"webhook.deleted", "webhook"},
}

// Service records and lists audit entries.
type Service struct {
	Clients Clients
}

// Consumer is the audit consumer: one entry per event, in the database
// the tenant router gives the event's tenant.
func (s *Service) Consumer() *events.Consumer {
	types := make([]string, 0, len(actions))
	for t := range actions {
		types = append(types, t)
	}
	return &events.Consumer{Name: ConsumerName, Types: types, Route: s.route, Apply: s.record}
}

// route acts in the event's tenant only: a viewer of that tenant, with no
// user, so that every tenant rule applies as to a request of the tenant.
func (s *Service) route(ctx context.Context, e events.Event) (context.Context, *ent.Client, error) {
	if e.TenantID == "" {
		return ctx, nil, nil
	}
	oid, _ := uuid.Parse(e.OrganizationID)
	ctx = viewer.NewContext(ctx, &viewer.Viewer{TenantID: e.TenantID, OrganizationID: oid})
	client, err := s.Clients(ctx, ServiceName)
	return ctx, client, err
}

// record writes e's entry unless the entry of that event is there
// already (a redelivery).
func (s *Service) record(ctx context.Context, tx *ent.Tx, e events.Event) (func(), error) {
	a := actions[e.Type]
	seen, err := tx.AuditEntry.Query().Where(auditentry.EventID(e.ID)).Exist(ctx)
	if err != nil || seen {
		return nil, err
	}
	if e.Type == events.SimulationCreated {
		// A simulation that could not be queued was removed again with its
		// entry (simulation.discard): its event, if already published,
		// records nothing.
		id, err := uuid.Parse(e.SubjectID)
		if err != nil {
			return nil, nil
		}
		exists, err := tx.Simulation.Query().Where(simulation.ID(id)).Exist(ctx)
		if err != nil || !exists {
			return nil, err
		}
	}
	var named struct {
		Name string `json:"name"`
	}
	_ = e.Decode(&named)
	c := tx.AuditEntry.Create().SetEventID(e.ID).SetAction(a.action).SetActor(e.Actor).
		SetObjectType(a.object).SetObjectID(e.SubjectID).SetObjectName(named.Name).SetOccurredAt(e.OccurredAt)
	if len(e.Payload) > 0 {
		c.SetDetails(json.RawMessage(e.Payload))
	}
	return nil, c.Exec(ctx)
}

// Filter narrows the log; zero fields do not.
type Filter struct {
	ObjectType string
	ObjectID   string
	// Action is one action (simulation.completed) or, ending in a dot,
	// every action of one kind of object (simulation.).
	Action string
	// Actor is a user's or an API key's ID.
	Actor        string
	Since, Until *time.Time
}

// ListParams page through the log.
type ListParams struct {
	First  *int
	After  *ent.Cursor
	Filter Filter
}

// List pages through the viewer's organization's log, newest first. An
// organization administrator sees every entry; any other member only the
// entries of their own actions.
func (s *Service) List(ctx context.Context, p ListParams) (*ent.AuditEntryConnection, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in to read the audit log")
	}
	client, err := s.Clients(ctx, ServiceName)
	if err != nil {
		return nil, err
	}
	q := client.AuditEntry.Query()
	if !v.Has(viewer.OrgAdmin) {
		q = q.Where(auditentry.Actor(v.Actor()))
	}
	f := p.Filter
	if f.ObjectType != "" {
		q = q.Where(auditentry.ObjectType(strings.ToLower(f.ObjectType)))
	}
	if f.ObjectID != "" {
		q = q.Where(auditentry.ObjectID(f.ObjectID))
	}
	if a := strings.ToLower(strings.TrimSpace(f.Action)); strings.HasSuffix(a, ".") {
		q = q.Where(auditentry.ActionHasPrefix(a))
	} else if a != "" {
		q = q.Where(auditentry.Action(a))
	}
	if f.Actor != "" {
		q = q.Where(auditentry.ActorIn("user:"+f.Actor, "apikey:"+f.Actor))
	}
	if f.Since != nil {
		q = q.Where(auditentry.OccurredAtGTE(*f.Since))
	}
	if f.Until != nil {
		q = q.Where(auditentry.OccurredAtLT(*f.Until))
	}
	first := 20
	if p.First != nil {
		first = min(max(*p.First, 0), 100)
	}
	conn, err := q.Paginate(ctx, p.After, &first, nil, nil,
		ent.WithAuditEntryOrder(&ent.AuditEntryOrder{Direction: "DESC", Field: ent.AuditEntryOrderFieldOccurredAt}))
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	return conn, nil
}

// ActorOf splits a stored actor into its kind (USER, API_KEY, SYSTEM) and
// ID.
func ActorOf(actor string) (kind string, id *string) {
	k, rest, ok := strings.Cut(actor, ":")
	if !ok || rest == "" {
		return "SYSTEM", nil
	}
	switch k {
	case "apikey":
		return "API_KEY", &rest
	default:
		return "USER", &rest
	}
}
