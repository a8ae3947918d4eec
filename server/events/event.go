// Package events is simgraph's transactional outbox and event delivery.
//
// A service writes an event into the outbox table of its own database in
// the same transaction as the change it reports (Write). The Relay
// publishes unpublished outbox rows to a Bus (Redis Streams in server mode,
// in-process when embedded) and stamps them published. Consumers read the
// bus in consumer groups, apply their effects in a transaction that also
// records the event ID in their processed_events table, and acknowledge
// afterwards: delivery is at least once, effects exactly once.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
)

// Event types.
const (
	SimulationStarted   = "simulation.started"
	SimulationCompleted = "simulation.completed"
	SimulationFailed    = "simulation.failed"
	SimulationCreated   = "simulation.created"
	SimulationCancelled = "simulation.cancelled"
	SimulationRenamed   = "simulation.renamed"
	FileUploaded        = "file.uploaded"
	FileDeleted         = "file.deleted"
	FileRenamed         = "file.renamed"
	ModelCreated        = "model.created"
	ModelUpdated        = "model.updated"
	ModelDeleted        = "model.deleted"
	UserCreated         = "user.created"
	APIKeyCreated       = "apikey.created"
	APIKeyRevoked       = "apikey.revoked"
	WebhookCreated      = "webhook.created"
	WebhookDeleted      = "webhook.deleted"
)

// Event is one fact a service reports.
type Event struct {
	ID             uuid.UUID `json:"id"`
	Type           string    `json:"type"`
	TenantID       string    `json:"tenantId,omitempty"`
	OrganizationID string    `json:"organizationId,omitempty"`
	UserID         string    `json:"userId,omitempty"`
	SubjectID      string    `json:"subjectId,omitempty"`
	// Actor is who made the change: "user:<id>", "apikey:<id>", or empty
	// for the system (a worker finishing a run).
	Actor      string          `json:"actor,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	OccurredAt time.Time       `json:"occurredAt"`
}

// SimulationPayload is the payload of the simulation.* events.
type SimulationPayload struct {
	SimulationID   string  `json:"simulationId"`
	Name           string  `json:"name,omitempty"`
	WorkbookID     string  `json:"workbookId,omitempty"`
	Iterations     int     `json:"iterations"`
	ComputeSeconds float64 `json:"computeSeconds,omitempty"`
	Error          string  `json:"error,omitempty"`
}

// FilePayload is the payload of file.uploaded and file.deleted.
type FilePayload struct {
	WorkbookID string `json:"workbookId"`
	Name       string `json:"name,omitempty"`
	Size       int64  `json:"size"`
}

// ObjectPayload is the payload of the events about a named object that
// are not simulation runs or files: models, API keys, webhooks, renames.
type ObjectPayload struct {
	Name string `json:"name,omitempty"`
	// Version is a model's version after the change.
	Version int `json:"version,omitempty"`
}

// UserPayload is the payload of user.created.
type UserPayload struct {
	Email string `json:"email,omitempty"`
}

// New returns an event of type typ with a fresh ID and payload p.
func New(typ string, p any) Event {
	e := Event{ID: uuid.New(), Type: typ, OccurredAt: time.Now().UTC()}
	if p != nil {
		e.Payload, _ = json.Marshal(p)
	}
	return e
}

// Decode unmarshals the payload into v.
func (e Event) Decode(v any) error {
	if len(e.Payload) == 0 {
		return nil
	}
	return json.Unmarshal(e.Payload, v)
}

// WriteFunc adds an event to the outbox through c, which is the client of a
// transaction (ent.Tx.Client()) on the emitting service's database.
type WriteFunc func(ctx context.Context, c *ent.Client, e Event) error

// Write is the WriteFunc of the outbox table.
func Write(ctx context.Context, c *ent.Client, e Event) error {
	if e.ID == uuid.Nil {
		e.ID = uuid.New()
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = time.Now().UTC()
	}
	create := c.OutboxEvent.Create().
		SetID(e.ID).SetType(e.Type).
		SetTenantID(e.TenantID).SetOrganizationID(e.OrganizationID).SetUserID(e.UserID).SetSubjectID(e.SubjectID).
		SetActor(e.Actor).SetCreatedAt(e.OccurredAt)
	if len(e.Payload) > 0 {
		create.SetPayload(e.Payload)
	}
	if err := create.Exec(ctx); err != nil {
		return fmt.Errorf("writing %s to the outbox: %w", e.Type, err)
	}
	return nil
}

func fromRow(r *ent.OutboxEvent) Event {
	return Event{ID: r.ID, Type: r.Type, TenantID: r.TenantID, OrganizationID: r.OrganizationID, UserID: r.UserID,
		SubjectID: r.SubjectID, Actor: r.Actor, Payload: r.Payload, OccurredAt: r.CreatedAt.UTC()}
}
