package events

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/quotaaccount"
)

// Consumer group names.
const (
	Billing       = "billing"
	Analytics     = "analytics"
	Quota         = "quota"
	Notifications = "notifications"
)

// Effects are the four consumers' effects on their services' databases.
type Effects struct {
	// Billing is the billing service's database (usage records and quota
	// accounts), Analytics the analytics service's, Users the user
	// service's (notifications).
	Billing, Analytics, Users *ent.Client
	// Hub tells a user's open notificationAdded subscriptions.
	Hub Notifier
}

// AnalyticsTypes are the events the analytics consumer records: a
// simulation's start and end.
var AnalyticsTypes = []string{SimulationStarted, SimulationCompleted, SimulationFailed}

// Consumers returns the billing, analytics, quota and notifications
// consumers.
func (f *Effects) Consumers() []*Consumer {
	return []*Consumer{
		{Name: Billing, Client: f.Billing, Types: []string{SimulationCompleted}, Apply: f.bill},
		{Name: Analytics, Client: f.Analytics, Types: AnalyticsTypes, Apply: f.record},
		{Name: Quota, Client: f.Billing, Types: []string{FileUploaded, FileDeleted, UserCreated}, Apply: f.quota},
		{Name: Notifications, Client: f.Users, Types: []string{SimulationCompleted, SimulationFailed, UserCreated}, Apply: f.notify},
	}
}

// bill records a completed simulation's usage.
func (f *Effects) bill(ctx context.Context, tx *ent.Tx, e Event) (func(), error) {
	var p SimulationPayload
	if err := e.Decode(&p); err != nil {
		return nil, err
	}
	return nil, tx.UsageRecord.Create().
		SetEventID(e.ID).SetTenantID(e.TenantID).SetOrganizationID(e.OrganizationID).SetUserID(e.UserID).
		SetSimulationID(p.SimulationID).SetIterations(int64(p.Iterations)).SetComputeSeconds(p.ComputeSeconds).
		SetRecordedAt(e.OccurredAt).
		Exec(ctx)
}

// record keeps a simulation event for analytics.
func (f *Effects) record(ctx context.Context, tx *ent.Tx, e Event) (func(), error) {
	c := tx.AnalyticsEvent.Create().
		SetEventID(e.ID).SetType(e.Type).SetTenantID(e.TenantID).SetUserID(e.UserID).SetSubjectID(e.SubjectID).
		SetOccurredAt(e.OccurredAt)
	if len(e.Payload) > 0 {
		c.SetProperties(e.Payload)
	}
	return nil, c.Exec(ctx)
}

// quota sets up an organization's quota account on its first user and
// keeps its stored bytes current.
func (f *Effects) quota(ctx context.Context, tx *ent.Tx, e Event) (func(), error) {
	if e.TenantID == "" {
		return nil, nil
	}
	acct, err := tx.QuotaAccount.Query().Where(quotaaccount.ID(e.TenantID)).Only(ctx)
	if ent.IsNotFound(err) {
		acct, err = tx.QuotaAccount.Create().SetID(e.TenantID).SetOrganizationID(e.OrganizationID).Save(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("quota account: %w", err)
	}
	var p FilePayload
	if err := e.Decode(&p); err != nil {
		return nil, err
	}
	switch e.Type {
	case FileUploaded:
		return nil, acct.Update().AddStorageBytes(p.Size).AddFiles(1).Exec(ctx)
	case FileDeleted:
		return nil, acct.Update().AddStorageBytes(-p.Size).AddFiles(-1).Exec(ctx)
	}
	return nil, nil
}

// notify writes the user's notification and, once committed, tells their
// subscriptions.
func (f *Effects) notify(ctx context.Context, tx *ent.Tx, e Event) (func(), error) {
	uid, err := uuid.Parse(e.UserID)
	if err != nil {
		return nil, nil // no user to tell
	}
	var title, body string
	switch e.Type {
	case SimulationCompleted:
		var p SimulationPayload
		_ = e.Decode(&p)
		title = "Simulation completed"
		body = fmt.Sprintf("%s finished %d iterations in %.1f s.", simName(p), p.Iterations, p.ComputeSeconds)
	case SimulationFailed:
		var p SimulationPayload
		_ = e.Decode(&p)
		title = "Simulation failed"
		body = fmt.Sprintf("%s failed: %s", simName(p), p.Error)
	case UserCreated:
		title = "Welcome to simgraph"
		body = "Upload an Excel workbook, put distributions on its inputs and run your first simulation."
	}
	n, err := tx.Notification.Create().
		SetEventID(e.ID).SetUserID(uid).SetTenantID(e.TenantID).SetKind(e.Type).
		SetTitle(title).SetBody(body).SetSubjectID(e.SubjectID).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	if f.Hub == nil {
		return nil, nil
	}
	return func() { _ = f.Hub.Publish(context.WithoutCancel(ctx), n) }, nil
}

func simName(p SimulationPayload) string {
	if p.Name != "" {
		return fmt.Sprintf("Simulation %q", p.Name)
	}
	return "Simulation " + p.SimulationID
}
