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

// AuditEntry is one change to an organization's objects, as the audit
// consumer recorded it from the outbox event that reported the change. It
// lives in the tenant's simulation database, so it follows the tenant
// router and moves with the tenant between shared and dedicated databases.
type AuditEntry struct {
	ent.Schema
}

// Mixin of the AuditEntry.
func (AuditEntry) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Annotations of the AuditEntry.
func (AuditEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "audit_entries"}, entgql.RelayConnection()}
}

// Fields of the AuditEntry.
func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		// event_id is the outbox event's; its unique index makes a
		// redelivered event a no-op, and moves with the entry.
		field.UUID("event_id", uuid.UUID{}).Immutable(),
		field.String("action").NotEmpty().Immutable(),
		// actor is "user:<id>", "apikey:<id>", or empty for the system.
		field.String("actor").Default("").Immutable(),
		field.String("object_type").NotEmpty().Immutable(),
		field.String("object_id").Default("").Immutable(),
		field.String("object_name").Default("").Immutable(),
		field.JSON("details", json.RawMessage{}).Optional().Immutable(),
		field.Time("occurred_at").Immutable().
			Annotations(entgql.OrderField("OCCURRED_AT")),
	}
}

// Indexes of the AuditEntry.
func (AuditEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("event_id").Unique(),
		index.Fields("tenant_id", "occurred_at"),
		index.Fields("tenant_id", "object_type", "object_id"),
		index.Fields("tenant_id", "actor"),
	}
}

// APIKey is an organization's key for programs (user service). Only the
// SHA-256 of the secret is stored; the lookup ID, which the key starts
// with, finds the row.
type APIKey struct {
	ent.Schema
}

// Mixin of the APIKey.
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Annotations of the APIKey.
func (APIKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "api_keys"}, entgql.Skip(entgql.SkipAll)}
}

// Fields of the APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("organization_id", uuid.UUID{}).Immutable(),
		field.String("name").NotEmpty().MaxLen(255).Immutable(),
		// lookup is the public part of the key ("sgk_<lookup>_<secret>").
		field.String("lookup").NotEmpty().Immutable().Unique(),
		// secret_hash is the hex SHA-256 of the whole key.
		field.String("secret_hash").MinLen(64).MaxLen(64).Immutable().Sensitive(),
		field.Strings("scopes").Immutable(),
		field.UUID("created_by", uuid.UUID{}).Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Webhook is an organization's HTTP endpoint told of events (user
// service). The secret signs every delivery; it has to be kept readable
// to sign with.
type Webhook struct {
	ent.Schema
}

// Mixin of the Webhook.
func (Webhook) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Annotations of the Webhook.
func (Webhook) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Fields of the Webhook.
func (Webhook) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.String("url").NotEmpty().MaxLen(2048).Immutable(),
		field.Strings("events").Immutable(),
		field.String("secret").NotEmpty().Immutable().Sensitive(),
		field.UUID("created_by", uuid.UUID{}).Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// WebhookDelivery is one event to be delivered to one webhook and its
// attempts so far (user service).
type WebhookDelivery struct {
	ent.Schema
}

// Mixin of the WebhookDelivery.
func (WebhookDelivery) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Annotations of the WebhookDelivery.
func (WebhookDelivery) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Fields of the WebhookDelivery.
func (WebhookDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("webhook_id", uuid.UUID{}).Immutable(),
		field.UUID("event_id", uuid.UUID{}).Immutable(),
		field.String("event_type").Immutable(),
		// body is exactly what is POSTed and signed, the same on every attempt.
		field.Bytes("body").Immutable(),
		field.Enum("status").Values("PENDING", "DELIVERED", "FAILED").Default("PENDING"),
		field.Int("attempts").Default(0),
		field.Int("last_status_code").Optional().Nillable(),
		field.String("last_error").Default(""),
		// next_attempt_at is when a deliverer may try; claiming a delivery
		// moves it forward (a lease), so replicas do not send it twice at once.
		field.Time("next_attempt_at").Default(time.Now),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("delivered_at").Optional().Nillable(),
	}
}

// Indexes of the WebhookDelivery.
func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("webhook_id", "event_id").Unique(),
		index.Fields("status", "next_attempt_at"),
	}
}
