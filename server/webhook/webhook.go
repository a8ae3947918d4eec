// Package webhook tells an organization's HTTP endpoints of its events.
// A consumer of the outbox events turns each event into one delivery per
// subscribed webhook (in the user database, in the consumer's
// transaction, so an event makes its deliveries exactly once); a
// deliverer POSTs pending deliveries, signed, and retries failures with
// exponential backoff. Delivery is at least once: a receiver that must act
// once de-duplicates by the Simgraph-Event-Id header.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/rule"
	entwebhook "github.com/simgraph/simgraph/ent/webhook"
	"github.com/simgraph/simgraph/ent/webhookdelivery"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/viewer"
)

// ConsumerName is the webhook consumer's group.
const ConsumerName = "webhooks"

// Events a webhook may subscribe to.
var Events = []string{events.SimulationCompleted, events.SimulationFailed}

// Bounds.
const (
	MaxWebhooks = 20
	// MaxAttempts is how often a delivery is tried before it is FAILED.
	MaxAttempts = 10
	// lease is how long a claimed delivery is left to its deliverer
	// before another may try it (the attempt's timeout is shorter).
	lease          = 60 * time.Second
	attemptTimeout = 15 * time.Second
	maxBackoff     = time.Hour
)

// Headers of a delivery.
const (
	HeaderEventID   = "Simgraph-Event-Id"
	HeaderEventType = "Simgraph-Event-Type"
	HeaderSignature = "Simgraph-Signature"
)

// Service manages webhooks and delivers to them.
type Service struct {
	Users *ent.Client
	// Outbox, if set, receives webhook.created and webhook.deleted in the
	// transaction of the change; OnCommit runs after it commits.
	Outbox   events.WriteFunc
	OnCommit func()
	// AllowPrivate lets URLs reach loopback, private and link-local
	// addresses (tests, development).
	AllowPrivate bool
	// RetryBase is the first retry delay; it doubles per attempt.
	RetryBase time.Duration
	Log       *slog.Logger

	client *http.Client
	wake   chan struct{}
}

func requireAdmin(ctx context.Context) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in to manage webhooks")
	}
	if !v.Has(viewer.OrgAdmin) {
		return nil, apperr.Errorf(apperr.Forbidden, "only an organization administrator may manage webhooks")
	}
	return v, nil
}

// Created is a new webhook and the secret its deliveries are signed with.
type Created struct {
	Webhook *ent.Webhook
	Secret  string
}

// Create registers an http(s) URL for the given events.
func (s *Service) Create(ctx context.Context, rawURL string, evs []string) (*Created, error) {
	v, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckURL(rawURL, s.AllowPrivate); err != nil {
		return nil, err
	}
	var subscribed []string
	for _, e := range Events {
		if slices.Contains(evs, e) {
			subscribed = append(subscribed, e)
		}
	}
	if len(subscribed) == 0 {
		return nil, apperr.Errorf(apperr.BadUserInput, "a webhook needs at least one event")
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := "whsec_" + hex.EncodeToString(b)
	var w *ent.Webhook
	err = s.inTx(ctx, func(tx *ent.Tx) error {
		n, err := tx.Webhook.Query().Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxWebhooks {
			return apperr.Errorf(apperr.BadUserInput, "an organization has at most %d webhooks", MaxWebhooks)
		}
		if w, err = tx.Webhook.Create().SetURL(rawURL).SetEvents(subscribed).SetSecret(secret).SetCreatedBy(v.UserID).Save(ctx); err != nil {
			return err
		}
		return s.emit(ctx, tx, events.WebhookCreated, w)
	})
	if err != nil {
		return nil, err
	}
	return &Created{Webhook: w, Secret: secret}, nil
}

// List returns the organization's webhooks, newest first.
func (s *Service) List(ctx context.Context) ([]*ent.Webhook, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.Users.Webhook.Query().Order(ent.Desc(entwebhook.FieldCreatedAt)).Limit(MaxWebhooks).All(ctx)
}

// Delete removes a webhook and its deliveries.
func (s *Service) Delete(ctx context.Context, id string) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		return apperr.Errorf(apperr.NotFound, "webhook %s not found", id)
	}
	return s.inTx(ctx, func(tx *ent.Tx) error {
		w, err := tx.Webhook.Get(ctx, uid)
		if ent.IsNotFound(err) {
			return apperr.Errorf(apperr.NotFound, "webhook %s not found", id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.WebhookDelivery.Delete().Where(webhookdelivery.WebhookID(uid)).Exec(ctx); err != nil {
			return err
		}
		if err := tx.Webhook.DeleteOneID(uid).Exec(ctx); err != nil {
			return err
		}
		return s.emit(ctx, tx, events.WebhookDeleted, w)
	})
}

// Deliveries returns a webhook's latest deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, w *ent.Webhook, first *int) ([]*ent.WebhookDelivery, error) {
	n := 20
	if first != nil {
		n = min(max(*first, 0), 100)
	}
	return s.Users.WebhookDelivery.Query().Where(webhookdelivery.WebhookID(w.ID)).
		Order(ent.Desc(webhookdelivery.FieldCreatedAt)).Limit(n).All(ctx)
}

// CheckURL accepts an absolute http or https URL whose host, unless
// allowPrivate, is not a loopback, private, link-local or unspecified
// address (a name is checked again at every connection, whatever it
// resolves to then).
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return apperr.Errorf(apperr.BadUserInput, "a webhook URL is an absolute http or https URL without credentials")
	}
	if len(raw) > 2048 {
		return apperr.Errorf(apperr.BadUserInput, "a webhook URL has at most 2048 characters")
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return apperr.Errorf(apperr.BadUserInput, "a webhook may not reach a loopback or private address")
	}
	if ip := net.ParseIP(host); ip != nil && !publicIP(ip) {
		return apperr.Errorf(apperr.BadUserInput, "a webhook may not reach a loopback or private address")
	}
	return nil
}

func publicIP(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast())
}

// Consumer is the webhook consumer: it queues a delivery of each event to
// every webhook of the event's organization that subscribed to it.
func (s *Service) Consumer() *events.Consumer {
	return &events.Consumer{Name: ConsumerName, Types: Events, Client: s.Users, Apply: s.enqueue}
}

// body is what a delivery POSTs.
type body struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurredAt"`
	Data       json.RawMessage `json:"data,omitempty"`
}

func (s *Service) enqueue(ctx context.Context, tx *ent.Tx, e events.Event) (func(), error) {
	if e.TenantID == "" {
		return nil, nil
	}
	ctx = viewer.NewContext(ctx, &viewer.Viewer{TenantID: e.TenantID})
	hooks, err := tx.Webhook.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(body{ID: e.ID.String(), Type: e.Type, OccurredAt: e.OccurredAt, Data: e.Payload})
	if err != nil {
		return nil, err
	}
	queued := false
	for _, w := range hooks {
		if !slices.Contains(w.Events, e.Type) {
			continue
		}
		if err := tx.WebhookDelivery.Create().SetWebhookID(w.ID).SetEventID(e.ID).SetEventType(e.Type).SetBody(payload).Exec(ctx); err != nil {
			return nil, err
		}
		queued = true
	}
	if !queued {
		return nil, nil
	}
	return s.Wake, nil
}

// Sign returns the Simgraph-Signature header of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Wake makes the deliverer look for pending deliveries now.
func (s *Service) Wake() {
	if s.wake == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Start delivers, in a goroutine of its own, until ctx ends: whenever
// woken, and every second for retries that have come due and for
// deliveries other processes queued.
func (s *Service) Start(ctx context.Context) {
	s.init()
	go s.run(ctx)
}

func (s *Service) run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		for s.deliverDue(ctx) > 0 && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.wake:
		}
	}
}

func (s *Service) init() {
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.RetryBase <= 0 {
		s.RetryBase = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	if !s.AllowPrivate {
		// Checked on the address actually dialled, so that a name that
		// resolves to a private address (or changes to one) is refused.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return fmt.Errorf("webhook: refusing to connect to %s", host)
			}
			return nil
		}
	}
	s.client = &http.Client{
		Timeout:   attemptTimeout,
		Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil},
		// A redirect could lead anywhere: the response is the answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// deliverDue tries the deliveries that are due and returns how many it
// claimed.
func (s *Service) deliverDue(ctx context.Context) int {
	// The deliverer serves every organization.
	sys := rule.SystemContext(ctx, "delivering webhooks of every organization")
	now := time.Now()
	due, err := s.Users.WebhookDelivery.Query().
		Where(webhookdelivery.StatusEQ(webhookdelivery.StatusPENDING), webhookdelivery.NextAttemptAtLTE(now)).
		Order(ent.Asc(webhookdelivery.FieldNextAttemptAt)).Limit(20).All(sys)
	if err != nil {
		if ctx.Err() == nil {
			s.Log.WarnContext(ctx, "webhooks: reading due deliveries", "err", err)
		}
		return 0
	}
	claimed := 0
	for _, d := range due {
		// Claim by moving next_attempt_at past now, only if it is still
		// due: of two deliverers, one moves it and sends.
		n, err := s.Users.WebhookDelivery.Update().
			Where(webhookdelivery.ID(d.ID), webhookdelivery.StatusEQ(webhookdelivery.StatusPENDING), webhookdelivery.NextAttemptAtLTE(now)).
			SetNextAttemptAt(now.Add(lease)).Save(sys)
		if err != nil || n == 0 {
			continue
		}
		claimed++
		s.attempt(sys, d)
	}
	return claimed
}

func (s *Service) attempt(ctx context.Context, d *ent.WebhookDelivery) {
	w, err := s.Users.Webhook.Get(ctx, d.WebhookID)
	if ent.IsNotFound(err) {
		return // deleted meanwhile, with its deliveries
	}
	if err != nil {
		s.Log.WarnContext(ctx, "webhooks: reading webhook", "err", err)
		return
	}
	code, sendErr := s.send(ctx, w, d)
	attempts := d.Attempts + 1
	upd := s.Users.WebhookDelivery.UpdateOneID(d.ID).SetAttempts(attempts)
	if code != 0 {
		upd.SetLastStatusCode(code)
	}
	switch {
	case sendErr == nil:
		upd.SetStatus(webhookdelivery.StatusDELIVERED).SetDeliveredAt(time.Now()).SetLastError("")
	case attempts >= MaxAttempts:
		upd.SetStatus(webhookdelivery.StatusFAILED).SetLastError(sendErr.Error())
	default:
		upd.SetLastError(sendErr.Error()).SetNextAttemptAt(time.Now().Add(s.backoff(attempts)))
	}
	if err := upd.Exec(ctx); err != nil {
		s.Log.WarnContext(ctx, "webhooks: recording an attempt", "delivery", d.ID, "err", err)
	}
}

func (s *Service) backoff(attempts int) time.Duration {
	d := s.RetryBase
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

func (s *Service) send(ctx context.Context, w *ent.Webhook, d *ent.WebhookDelivery) (int, error) {
	if err := CheckURL(w.URL, s.AllowPrivate); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "simgraph-webhooks")
	req.Header.Set(HeaderEventID, d.EventID.String())
	req.Header.Set(HeaderEventType, d.EventType)
	req.Header.Set(HeaderSignature, Sign(w.Secret, time.Now(), d.Body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

func (s *Service) inTx(ctx context.Context, f func(tx *ent.Tx) error) error {
	tx, err := s.Users.Tx(ctx)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if s.OnCommit != nil {
		s.OnCommit()
	}
	return nil
}

func (s *Service) emit(ctx context.Context, tx *ent.Tx, typ string, w *ent.Webhook) error {
	if s.Outbox == nil {
		return nil
	}
	e := events.New(typ, events.ObjectPayload{Name: w.URL})
	e.TenantID, e.SubjectID = w.TenantID, w.ID.String()
	if v := viewer.FromContext(ctx); v != nil {
		e.OrganizationID, e.UserID, e.Actor = v.OrganizationID.String(), v.UserID.String(), v.Actor()
	}
	return s.Outbox(ctx, tx.Client(), e)
}
