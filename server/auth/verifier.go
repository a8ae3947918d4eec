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
	// KeysIssuer and KeysAudience, when set, are the iss and aud required
	// of RS256/ES256 tokens (an OIDC issuer's), Issuer and Audience then
	// being those of HS256 development tokens: each kind of token is held
	// to its own issuer, so a development token cannot pass for the
	// issuer's and the other way round.
	KeysIssuer   string
	KeysAudience string
	Claims       ClaimNames
	// Leeway tolerates clock skew on exp/nbf/iat.
	Leeway time.Duration
	Now    func() time.Time
}

// Verifier checks bearer tokens.
type Verifier struct {
	opts VerifierOpts
	// secret checks HS256 tokens, keys RS256/ES256 ones; nil when not
	// accepted.
	secret, keys *jwt.Parser
	verified     verifiedTokens
}

// NewVerifier returns a Verifier; it needs a secret or a JWKS.
func NewVerifier(opts VerifierOpts) (*Verifier, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	parser := func(issuer, audience string, methods ...string) *jwt.Parser {
		return jwt.NewParser(
			jwt.WithValidMethods(methods),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(opts.Leeway),
			jwt.WithTimeFunc(opts.Now),
		)
	}
	v := &Verifier{opts: opts}
	if len(opts.Secret) > 0 {
		v.secret = parser(opts.Issuer, opts.Audience, jwt.SigningMethodHS256.Alg())
	}
	if opts.JWKS != nil {
		iss, aud := opts.Issuer, opts.Audience
		if opts.KeysIssuer != "" {
			iss, aud = opts.KeysIssuer, opts.KeysAudience
		}
		if iss == "" || aud == "" {
			return nil, fmt.Errorf("auth: tokens signed with the JWKS need an issuer and an audience to check")
		}
		v.keys = parser(iss, aud, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())
	}
	if v.secret == nil && v.keys == nil {
		return nil, fmt.Errorf("auth: no JWT secret and no JWKS URL configured")
	}
	return v, nil
}

// Verify checks token and returns its bearer's identity. Every failure is an
// UNAUTHENTICATED *apperr.Error.
func (v *Verifier) Verify(ctx context.Context, token string) (*Identity, error) {
	if id, ok := v.verified.get(token, v.opts.Now()); ok {
		return id, nil
	}
	id, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	v.verified.put(token, id, v.opts.Now())
	return id, nil
}

func (v *Verifier) verify(ctx context.Context, token string) (*Identity, error) {
	parser, err := v.parserFor(token)
	if err != nil {
		return nil, reject(err)
	}
	claims := jwt.MapClaims{}
	if _, err := parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		return v.key(ctx, t)
	}); err != nil {
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

// parserFor picks the parser of the token's kind by the algorithm its
// header names. The header is not trusted for anything else: the parser
// itself accepts only its own algorithms, and key checks them again.
func (v *Verifier) parserFor(token string) (*jwt.Parser, error) {
	t, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		return nil, err
	}
	p := v.keys
	if t.Method.Alg() == jwt.SigningMethodHS256.Alg() {
		p = v.secret
	}
	if p == nil {
		return nil, fmt.Errorf("algorithm %s not accepted", t.Method.Alg())
	}
	return p, nil
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
