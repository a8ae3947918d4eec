package account

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/viewer"
)

// Authenticator turns a bearer token into a context carrying the viewer.
type Authenticator struct {
	Verifier *auth.Verifier
	Accounts *Service
	// APIKey, if set, authenticates the tokens that start with
	// apikey.Prefix ("sgk_") instead of the verifier.
	APIKey func(ctx context.Context, key string) (*viewer.Viewer, error)
	// BindAPIKey, if set, derives the context of a request authenticated
	// by an API key: it ends when the key is revoked.
	BindAPIKey func(ctx context.Context, id uuid.UUID) (context.Context, context.CancelFunc)
}

// BearerToken extracts the token of an Authorization header value; a bare
// token is accepted too (websocket clients often send one).
func BearerToken(header string) string {
	header = strings.TrimSpace(header)
	if len(header) > 7 && strings.EqualFold(header[:7], "bearer ") {
		return strings.TrimSpace(header[7:])
	}
	return header
}

// Authenticate verifies token, provisions its bearer on first sight and
// returns ctx carrying the viewer. The context ends when the token expires,
// so a subscription does not outlive its credentials.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (context.Context, context.CancelFunc, error) {
	if a.APIKey != nil && strings.HasPrefix(token, "sgk_") {
		v, err := a.APIKey(ctx, token)
		if err != nil {
			return ctx, func() {}, err
		}
		if a.BindAPIKey != nil {
			ctx, cancel := a.BindAPIKey(viewer.NewContext(ctx, v), v.APIKeyID)
			return ctx, cancel, nil
		}
		ctx, cancel := context.WithCancel(viewer.NewContext(ctx, v))
		return ctx, cancel, nil
	}
	id, err := a.Verifier.Verify(ctx, token)
	if err != nil {
		return ctx, func() {}, err
	}
	v, err := a.Accounts.Viewer(ctx, id)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Forbidden {
			return ctx, func() {}, err
		}
		return ctx, func() {}, apperr.Wrap(apperr.Internal, err, "internal error")
	}
	ctx = viewer.NewContext(ctx, v)
	if id.ExpiresAt.IsZero() {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, nil
	}
	ctx, cancel := context.WithDeadline(ctx, id.ExpiresAt)
	return ctx, cancel, nil
}
