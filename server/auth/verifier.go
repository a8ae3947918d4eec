package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ClaimNames says which claims hold the organization, its name, the roles
// and the email; Auth0 puts custom claims under a namespace URL.
type ClaimNames struct {
	Email, Org, OrgName, Roles string
}

// VerifierOpts configures a Verifier. Secret enables HS256, JWKS enables
// RS256/ES256; a token is checked against the one its header names, and the
// key type must match the algorithm, so an HS256 token signed with a public
// key is rejected.
type VerifierOpts struct {
	Secret   []byte
	JWKS     *JWKS
	Issuer   string
	Audience string
	Claims   ClaimNames
	// Leeway tolerates clock skew on exp/nbf/iat.
	Leeway time.Duration
	Now    func() time.Time
}

// Verifier checks bearer tokens.
type Verifier struct {
	opts    VerifierOpts
	methods []string
}

// NewVerifier returns a Verifier; it needs a secret or a JWKS.
func NewVerifier(opts VerifierOpts) (*Verifier, error) {
	var methods []string
	if len(opts.Secret) > 0 {
		methods = append(methods, jwt.SigningMethodHS256.Alg())
	}
	if opts.JWKS != nil {
		methods = append(methods, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())
	}
	if len(methods) == 0 {
		return nil, fmt.Errorf("auth: no JWT secret and no JWKS URL configured")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Verifier{opts: opts, methods: methods}, nil
}

// Verify checks token and returns its bearer's identity. Every failure is an
// UNAUTHENTICATED *apperr.Error.
func (v *Verifier) Verify(ctx context.Context, token string) (*Identity, error) {
	parser := jwt.NewParser(
		jwt.WithValidMethods(v.methods),
		jwt.WithIssuer(v.opts.Issuer),
		jwt.WithAudience(v.opts.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.opts.Leeway),
		jwt.WithTimeFunc(v.opts.Now),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		return v.key(ctx, t)
	})
	if err != nil {
		return nil, reject(err)
	}
	id := &Identity{}
	if id.Subject, err = claims.GetSubject(); err != nil || id.Subject == "" {
		return nil, reject(fmt.Errorf("missing sub claim"))
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		id.ExpiresAt = exp.Time
	}
	id.Email, _ = claims[v.opts.Claims.Email].(string)
	id.OrgKey, _ = claims[v.opts.Claims.Org].(string)
	id.OrgName, _ = claims[v.opts.Claims.OrgName].(string)
	switch roles := claims[v.opts.Claims.Roles].(type) {
	case string:
		id.Roles = strings.Fields(strings.ReplaceAll(roles, ",", " "))
	case []any:
		for _, r := range roles {
			if s, ok := r.(string); ok {
				id.Roles = append(id.Roles, s)
			}
		}
	}
	return id, nil
}

// key picks the verification key for t's algorithm. The algorithm decides
// the key's type, never the other way round: that is what defeats
// algorithm confusion.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	switch t.Method.(type) {
	case *jwt.SigningMethodHMAC:
		if len(v.opts.Secret) == 0 {
			return nil, fmt.Errorf("HS256 not accepted")
		}
		return v.opts.Secret, nil
	case *jwt.SigningMethodRSA, *jwt.SigningMethodECDSA:
		if v.opts.JWKS == nil {
			return nil, fmt.Errorf("%s not accepted", t.Method.Alg())
		}
		kid, _ := t.Header["kid"].(string)
		return v.opts.JWKS.Key(ctx, kid, t.Method.Alg())
	}
	return nil, fmt.Errorf("algorithm %s not accepted", t.Method.Alg())
}
