package schema

import (
	"encoding/json"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// OutboxEvent is an event a service wrote in the same transaction as the
// change it reports (the transactional outbox). Each service that emits
// events (simulation, file, user) has an outbox table in its own database;
// the relay publishes unpublished rows and stamps published_at. No privacy
// policy: only the services' own code and the relay touch it.
type OutboxEvent struct {
	ent.Schema
}

// Annotations of the OutboxEvent.
func (OutboxEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "outbox"}, entgql.Skip(entgql.SkipAll)}
}

// Fields of the OutboxEvent.
func (OutboxEvent) Fields() []ent.Field {
	return []ent.Field{
		// id is the event ID consumers de-duplicate by.
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.String("type").NotEmpty().Immutable(),
		field.String("tenant_id").Default("").Immutable(),
		field.String("organization_id").Default("").Immutable(),
		field.String("user_id").Default("").Immutable(),
		// subject_id is the entity the event is about (simulation, workbook, user).
		field.String("subject_id").Default("").Immutable(),
		// actor is who made the change ("user:<id>", "apikey:<id>"); empty
		// for the system.
		field.String("actor").Default("").Immutable(),
		field.JSON("payload", json.RawMessage{}).Optional().Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("published_at").Optional().Nillable(),
	}
}

// Indexes of the OutboxEvent.
func (OutboxEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("published_at", "created_at")}
}

// ProcessedEvent records that a consumer has applied an event's effects;
// it is written in the same transaction as the effects, so a redelivered
// event is recognised and applied once. Each consumer keeps its table in
// the database its effects go to.
type ProcessedEvent struct {
	ent.Schema
}

// Annotations of the ProcessedEvent.
func (ProcessedEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "processed_events"}, entgql.Skip(entgql.SkipAll)}
}

// Fields of the ProcessedEvent.
func (ProcessedEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("consumer").NotEmpty().Immutable(),
		field.UUID("event_id", uuid.UUID{}).Immutable(),
		field.String("type").Default("").Immutable(),
		field.Time("processed_at").Default(time.Now).Immutable(),
	}
}

// Indexes of the ProcessedEvent.
func (ProcessedEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("consumer", "event_id").Unique()}
}

// UsageRecord is one billable use (billing service): a completed
// simulation's iterations and compute time.
type UsageRecord struct {
	ent.Schema
}

// Annotations of the UsageRecord.
func (UsageRecord) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "usage_records"}, entgql.Skip(entgql.SkipAll)}
}

// Fields of the UsageRecord.
func (UsageRecord) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("event_id", uuid.UUID{}).Immutable(),
		field.String("tenant_id").Immutable(),
		field.String("organization_id").Default("").Immutable(),
		field.String("user_id").Default("").Immutable(),
		field.String("simulation_id").Immutable(),
		field.Int64("iterations").Immutable(),
		field.Float("compute_seconds").Immutable(),
		field.Time("recorded_at").Default(time.Now).Immutable(),
	}
}

// Indexes of the UsageRecord.
func (UsageRecord) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("event_id").Unique(),
		index.Fields("tenant_id", "recorded_at"),
		index.Fields("simulation_id"),
	}
}

// AnalyticsEvent is one event as the analytics service keeps it.
type AnalyticsEvent struct {
	ent.Schema
}

// Annotations of the AnalyticsEvent.
func (AnalyticsEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "analytics_events"}, entgql.Skip(entgql.SkipAll)}
}

// Fields of the AnalyticsEvent.
func (AnalyticsEvent) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("event_id", uuid.UUID{}).Immutable(),
		field.String("type").Immutable(),
		field.String("tenant_id").Default("").Immutable(),
		field.String("user_id").Default("").Immutable(),
		field.String("subject_id").Default("").Immutable(),
		field.JSON("properties", json.RawMessage{}).Optional().Immutable(),
		field.Time("occurred_at").Immutable(),
		field.Time("recorded_at").Default(time.Now).Immutable(),
	}
}

// Indexes of the AnalyticsEvent.
func (AnalyticsEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("event_id").Unique(),
		index.Fields("tenant_id", "occurred_at"),
		index.Fields("subject_id"),
	}
}

// Notification is a message to one user (user service), readable through
// the notifications query. Access is by user: the domain code filters by
// the viewer's user ID, which is narrower than a tenant.
type Notification struct {
	ent.Schema
}

// Annotations of the Notification: not part of the GraphQL node API (mapped by hand).
func (Notification) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("event_id", uuid.UUID{}).Immutable(),
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		field.String("tenant_id").Default("").Immutable(),
		field.String("kind").NotEmpty().Immutable(),
		field.String("title").Immutable(),
		field.String("body").Default("").Immutable(),
		field.String("subject_id").Default("").Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("read_at").Optional().Nillable(),
	}
}

// Indexes of the Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("event_id", "user_id").Unique(),
		index.Fields("user_id", "created_at"),
	}
}

// QuotaOverride replaces some of a tier's quotas for one organization
// (billing service); set by a system administrator. A nil limit keeps the
// tier's.
type QuotaOverride struct {
	ent.Schema
}

// Annotations of the QuotaOverride: not part of the GraphQL node API (mapped by hand).
func (QuotaOverride) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Fields of the QuotaOverride.
func (QuotaOverride) Fields() []ent.Field {
	return []ent.Field{
		// id is the tenant ID.
		field.String("id").MinLen(16).MaxLen(16).Immutable(),
		field.String("organization_id").Immutable(),
		field.Int("concurrent_simulations").Optional().Nillable(),
		field.Int("iterations_per_simulation").Optional().Nillable(),
		field.Int("simulations_per_month").Optional().Nillable(),
		field.Int64("upload_bytes").Optional().Nillable(),
		field.Int64("storage_bytes").Optional().Nillable(),
		field.Int("requests_per_minute").Optional().Nillable(),
		field.String("updated_by").Default(""),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now),
	}
}

// QuotaAccount is an organization's quota bookkeeping (billing service):
// created on its first user (user.created) and kept current by file events.
type QuotaAccount struct {
	ent.Schema
}

// Annotations of the QuotaAccount: not part of the GraphQL node API (mapped by hand).
func (QuotaAccount) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Fields of the QuotaAccount.
func (QuotaAccount) Fields() []ent.Field {
	return []ent.Field{
		// id is the tenant ID.
		field.String("id").MinLen(16).MaxLen(16).Immutable(),
		field.String("organization_id").Default(""),
		// storage_bytes is the sum of the organization's stored workbooks,
		// from file.uploaded and file.deleted.
		field.Int64("storage_bytes").Default(0),
		field.Int("files").Default(0),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now),
	}
}
