// Package apikey is an organization's API keys: programs authenticate with
// `Authorization: Bearer sgk_...` instead of a user's JWT. A key is shown
// once, when created; only the SHA-256 of it is stored, found by the
// lookup ID the key starts with. Only organization administrators manage
// keys; a key itself acts as a member of its organization whose user ID
// is the key's ID, so what it creates is its own to change.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	entapikey "github.com/simgraph/simgraph/ent/apikey"
	"github.com/simgraph/simgraph/ent/organization"
	"github.com/simgraph/simgraph/ent/rule"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/viewer"
)

// Prefix starts every key, so that the authenticator (and secret
// scanners) can tell a key from a JWT.
const Prefix = "sgk_"

// Scopes.
const (
	Read  = "READ"
	Write = "WRITE"
)

// MaxKeys bounds an organization's keys, revoked ones included: a listing
// is one unpaged query.
const MaxKeys = 100

// Service creates, lists, revokes and authenticates keys. The keys live in
// the user service's database (Users), beside the organizations.
type Service struct {
	Users *ent.Client
	// Outbox, if set, receives apikey.created and apikey.revoked in the
	// transaction of the change; OnCommit runs after it commits.
	Outbox   events.WriteFunc
	OnCommit func()
	// Announce, if set, tells the other replicas that a key was revoked
	// (Redis pub/sub in server mode); each of them calls Revoked.
	Announce func(id uuid.UUID, lookup string)
	keys     keyCache
	streams  streams
}

// Created is a new key and its secret, which is not stored.
type Created struct {
	Key    *ent.APIKey
	Secret string
}

func requireAdmin(ctx context.Context) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in to manage API keys")
	}
	if !v.Has(viewer.OrgAdmin) || v.APIKeyID != uuid.Nil {
		return nil, apperr.Errorf(apperr.Forbidden, "only an organization administrator may manage API keys")
	}
	return v, nil
}

// Create makes a key with the given scopes (WRITE implies READ).
func (s *Service) Create(ctx context.Context, name string, scopes []string) (*Created, error) {
	v, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 255 {
		return nil, apperr.Errorf(apperr.BadUserInput, "an API key name has 1 to 255 characters")
	}
	scopes = normalScopes(scopes)
	if len(scopes) == 0 {
		return nil, apperr.Errorf(apperr.BadUserInput, "an API key needs the READ or WRITE scope")
	}
	lookup, secret := make([]byte, 8), make([]byte, 32)
	_, _ = rand.Read(lookup)
	_, _ = rand.Read(secret)
	id := hex.EncodeToString(lookup)
	key := Prefix + id + "_" + base64.RawURLEncoding.EncodeToString(secret)
	var created *ent.APIKey
	err = s.inTx(ctx, func(tx *ent.Tx) error {
		n, err := tx.APIKey.Query().Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxKeys {
			return apperr.Errorf(apperr.BadUserInput, "an organization has at most %d API keys, revoked ones included", MaxKeys)
		}
		created, err = tx.APIKey.Create().SetOrganizationID(v.OrganizationID).SetName(name).SetLookup(id).
			SetSecretHash(hash(key)).SetScopes(scopes).SetCreatedBy(v.UserID).Save(ctx)
		if err != nil {
			return err
		}
		return s.emit(ctx, tx, events.APIKeyCreated, created)
	})
	if err != nil {
		return nil, err
	}
	return &Created{Key: created, Secret: key}, nil
}

// List returns the organization's keys, newest first, without secrets.
func (s *Service) List(ctx context.Context) ([]*ent.APIKey, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	keys, err := s.Users.APIKey.Query().Order(ent.Desc(entapikey.FieldCreatedAt)).Limit(MaxKeys).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing API keys: %w", err)
	}
	return keys, nil
}

// Revoke ends a key at once: the next request with it is UNAUTHENTICATED.
// Revoking a revoked key changes nothing.
func (s *Service) Revoke(ctx context.Context, id string) (*ent.APIKey, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, apperr.Errorf(apperr.NotFound, "API key %s not found", id)
	}
	var key *ent.APIKey
	err = s.inTx(ctx, func(tx *ent.Tx) error {
		key, err = tx.APIKey.Get(ctx, uid)
		if ent.IsNotFound(err) {
			return apperr.Errorf(apperr.NotFound, "API key %s not found", id)
		}
		if err != nil || key.RevokedAt != nil {
			return err
		}
		if key, err = key.Update().SetRevokedAt(time.Now()).Save(ctx); err != nil {
			return err
		}
		return s.emit(ctx, tx, events.APIKeyRevoked, key)
	})
	if err != nil {
		return nil, err
	}
	s.Revoked(key.ID, key.Lookup)
	if s.Announce != nil {
		s.Announce(key.ID, key.Lookup)
	}
	return key, nil
}

// Bind returns ctx ending, with cause ErrRevoked, as soon as key id is
// revoked on this replica or Revoked is told of it: an authenticated
// request, websocket or SSE stream does not outlive its key.
func (s *Service) Bind(ctx context.Context, id uuid.UUID) (context.Context, context.CancelFunc) {
	return s.streams.bind(ctx, id)
}

// Revoked drops a revoked key from the cache and ends the contexts bound
// to it; it returns how many it ended. Revoke calls it, and so does each
// replica told of a revocation on another.
func (s *Service) Revoked(id uuid.UUID, lookup string) int {
	s.keys.forget(lookup)
	return s.streams.end(id)
}

// OpenStreams is how many contexts bound to key id are open.
func (s *Service) OpenStreams(id uuid.UUID) int { return s.streams.count(id) }

// Authenticate returns the viewer of a key; UNAUTHENTICATED for a key that
// is malformed, unknown or revoked. A key authenticated within keyTTL is
// not read again: a revocation applies to this process's next request and
// to other replicas' within keyTTL.
func (s *Service) Authenticate(ctx context.Context, key string) (*viewer.Viewer, error) {
	refused := apperr.Errorf(apperr.Unauthenticated, "invalid or revoked API key")
	rest, ok := strings.CutPrefix(key, Prefix)
	lookup, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(lookup) != 16 {
		return nil, refused
	}
	// Before authentication there is no tenant to filter by: the lookup ID
	// is the only way in, and the hash must match.
	secretHash := hash(key)
	if v, ok := s.keys.get(lookup, secretHash, time.Now()); ok {
		return v, nil
	}
	sys := rule.SystemContext(ctx, "authenticating an API key")
	row, err := s.Users.APIKey.Query().Where(entapikey.Lookup(lookup)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, refused
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "the user database is unavailable; try again")
	}
	if !equalHash(row.SecretHash, secretHash) || row.RevokedAt != nil {
		return nil, refused
	}
	org, err := s.Users.Organization.Query().Where(organization.ID(row.OrganizationID)).Only(sys)
	if err != nil {
		return nil, fmt.Errorf("reading the API key's organization: %w", err)
	}
	v := &viewer.Viewer{
		UserID: row.ID, Subject: "apikey:" + row.ID.String(), OrganizationID: org.ID, Organization: org.Name,
		TenantID: org.TenantID, Tier: string(org.Tier), Roles: []viewer.Role{viewer.Member},
		APIKeyID: row.ID, ReadOnly: !slices.Contains(row.Scopes, Write),
	}
	s.keys.put(lookup, secretHash, v, time.Now())
	return v, nil
}

func equalHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// normalScopes keeps the known scopes, once each, READ first; WRITE
// brings READ.
func normalScopes(scopes []string) []string {
	var out []string
	if slices.Contains(scopes, Read) || slices.Contains(scopes, Write) {
		out = append(out, Read)
	}
	if slices.Contains(scopes, Write) {
		out = append(out, Write)
	}
	return out
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

func (s *Service) emit(ctx context.Context, tx *ent.Tx, typ string, k *ent.APIKey) error {
	if s.Outbox == nil {
		return nil
	}
	e := events.New(typ, events.ObjectPayload{Name: k.Name})
	e.TenantID, e.SubjectID = k.TenantID, k.ID.String()
	if v := viewer.FromContext(ctx); v != nil {
		e.OrganizationID, e.UserID, e.Actor = v.OrganizationID.String(), v.UserID.String(), v.Actor()
	}
	return s.Outbox(ctx, tx.Client(), e)
}
