package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/auth/oidctest"
)

const (
	oidcClient   = "simgraph-web"
	oidcRedirect = "https://app.example/auth/callback"
)

type oidcBundle struct {
	issuer   *oidctest.Issuer
	server   *httptest.Server
	oidc     *OIDC
	verifier *Verifier
	secret   []byte
}

// setupOIDC starts a fake issuer and a verifier configured as `simgraph
// serve` configures it: development tokens beside the issuer's, whose keys
// come from discovery.
func setupOIDC(t *testing.T) *oidcBundle {
	t.Helper()
	iss, err := oidctest.New(oidctest.Opts{ClientID: oidcClient, RedirectURIs: []string{oidcRedirect}, Subject: "oidc|ada",
		Claims: map[string]any{"email": "ada@example.com", "https://simgraph.example/org": "acme", "https://simgraph.example/roles": []string{"ORG_ADMIN"}}})
	require.NoError(t, err)
	srv := httptest.NewServer(iss)
	t.Cleanup(srv.Close)
	iss.SetURL(srv.URL)
	o := &OIDC{Discovery: NewDiscovery(srv.URL, true), ClientID: oidcClient, Scopes: []string{"openid", "email"}, Name: "Fake"}
	jwks := NewJWKS("")
	jwks.URLFunc = o.Discovery.JWKSURL
	secret := []byte("0123456789abcdef0123456789abcdef")
	v, err := NewVerifier(VerifierOpts{Secret: secret, JWKS: jwks, Issuer: "simgraph", Audience: "simgraph",
		KeysIssuer: srv.URL, KeysAudience: o.TokenAudience(), Claims: names, Leeway: 30 * time.Second})
	require.NoError(t, err)
	return &oidcBundle{issuer: iss, server: srv, oidc: o, verifier: v, secret: secret}
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signIn runs the browser's half of the authorization code flow against
// the fake issuer (what web/src/lib/oidc.ts does) and returns the token
// response, with the nonce it sent.
func (b *oidcBundle) signIn(t *testing.T, sentVerifier func(verifier string) string) (*http.Response, string) {
	t.Helper()
	cfg, err := b.oidc.BrowserSignIn(context.Background())
	require.NoError(t, err)
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	verifier := b64url(raw)
	sum := sha256.Sum256([]byte(verifier))
	state, nonce := "state-"+verifier[:8], "nonce-"+verifier[8:16]
	q := url.Values{"client_id": {cfg.ClientID}, "redirect_uri": {oidcRedirect}, "response_type": {"code"}, "scope": {strings.Join(cfg.Scopes, " ")},
		"state": {state}, "nonce": {nonce}, "code_challenge": {b64url(sum[:])}, "code_challenge_method": {"S256"}}

	page, err := http.Get(cfg.AuthorizationEndpoint + "?" + q.Encode())
	require.NoError(t, err)
	page.Body.Close()
	require.Equal(t, http.StatusOK, page.StatusCode)
	// The consent page's button posts the same parameters back.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	back, err := noRedirect.PostForm(cfg.AuthorizationEndpoint, q)
	require.NoError(t, err)
	back.Body.Close()
	require.Equal(t, http.StatusFound, back.StatusCode)
	loc, err := url.Parse(back.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(loc.String(), oidcRedirect+"?"), loc.String())
	require.Equal(t, state, loc.Query().Get("state"), "the state comes back unchanged")

	resp, err := http.PostForm(cfg.TokenEndpoint, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {oidcRedirect}, "client_id": {cfg.ClientID}, "code_verifier": {sentVerifier(verifier)}})
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp, nonce
}

// TestOIDCSignInFlow: the tokens of a full PKCE sign-in are accepted, and
// the fake issuer refuses a verifier that does not match its challenge (so
// the browser's PKCE helpers are tested against something that checks).
func TestOIDCSignInFlow(t *testing.T) {
	t.Parallel()
	b := setupOIDC(t)

	t.Run("GoodVerifier", func(t *testing.T) {
		resp, nonce := b.signIn(t, func(v string) string { return v })
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var tok struct {
			IDToken      string `json:"id_token"`
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
		require.NotEmpty(t, tok.RefreshToken)
		id, err := b.verifier.Verify(context.Background(), tok.IDToken)
		require.NoError(t, err)
		require.Equal(t, "oidc|ada", id.Subject)
		require.Equal(t, "ada@example.com", id.Email)
		require.Equal(t, "acme", id.OrgKey)
		require.Equal(t, []string{"ORG_ADMIN"}, id.Roles)
		claims := jwt.MapClaims{}
		_, _, err = jwt.NewParser().ParseUnverified(tok.IDToken, claims)
		require.NoError(t, err)
		require.Equal(t, nonce, claims["nonce"], "the ID token carries the nonce of the authorization request")
		_, err = b.verifier.Verify(context.Background(), tok.AccessToken)
		require.NoError(t, err, "without an API audience the access token's aud is the client too")
	})
	for name, wrong := range map[string]func(string) string{
		"OtherVerifier": func(v string) string { return strings.Repeat("A", len(v)) },
		"NoVerifier":    func(string) string { return "" },
		"ChallengeSent": func(v string) string { sum := sha256.Sum256([]byte(v)); return b64url(sum[:]) },
	} {
		t.Run(name, func(t *testing.T) {
			resp, _ := b.signIn(t, wrong)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			var e struct{ Error string }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
			require.Equal(t, "invalid_grant", e.Error)
		})
	}
}

func TestOIDCVerifyRejects(t *testing.T) {
	t.Parallel()
	b := setupOIDC(t)
	good := func() jwt.MapClaims { return b.issuer.Claims(oidcClient) }
	with := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := good()
		mut(c)
		return c
	}
	signed := func(c jwt.MapClaims) string {
		s, err := b.issuer.Sign(c)
		require.NoError(t, err)
		return s
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)

	_, err = b.verifier.Verify(context.Background(), signed(good()))
	require.NoError(t, err, "the issuer's token as it issues it")
	_, err = b.verifier.Verify(context.Background(), signed(with(func(c jwt.MapClaims) {
		c["nbf"] = time.Now().Add(10 * time.Second).Unix()
		c["iat"] = time.Now().Add(10 * time.Second).Unix()
	})))
	require.NoError(t, err, "a clock a few seconds ahead is within the leeway")
	dev, err := Mint(b.secret, "simgraph", "simgraph", names, TokenParams{Email: "dev@example.com", TTL: time.Minute})
	require.NoError(t, err)
	_, err = b.verifier.Verify(context.Background(), dev)
	require.NoError(t, err, "development tokens are still accepted beside the issuer's")

	tests := []struct {
		name  string
		token string
	}{
		{"WrongIssuer", signed(with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }))},
		{"DevelopmentIssuer", signed(with(func(c jwt.MapClaims) { c["iss"] = "simgraph"; c["aud"] = "simgraph" }))},
		{"WrongAudience", signed(with(func(c jwt.MapClaims) { c["aud"] = "another-client" }))},
		{"Expired", signed(with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }))},
		{"NotYetValid", signed(with(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(5 * time.Minute).Unix() }))},
		{"NoExpiry", signed(with(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"AlgNone", sign(t, jwt.SigningMethodNone, oidctest.KeyID, jwt.UnsafeAllowNoneSignatureType, good())},
		{"HS256WithIssuerClaims", sign(t, jwt.SigningMethodHS256, "", b.secret, good())},
		{"UnknownKid", sign(t, jwt.SigningMethodRS256, "not-a-key", b.issuer.Key(), good())},
		{"OtherSigner", sign(t, jwt.SigningMethodRS256, oidctest.KeyID, otherKey, good())},
		{"RS384NotAllowed", sign(t, jwt.SigningMethodRS384, oidctest.KeyID, b.issuer.Key(), good())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.verifier.Verify(context.Background(), tt.token)
			require.Error(t, err)
			require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))
			require.Equal(t, "invalid or expired token", apperr.MessageOf(err))
		})
	}
}

// TestDiscovery: the endpoints come from the document, which must name
// the issuer it was fetched for and use https (unless allowed otherwise);
// a failed fetch is retried only after RetryAfter.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	serve := func(t *testing.T, doc func(base string) map[string]any) (*httptest.Server, *atomic.Int32) {
		var fetches atomic.Int32
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/.well-known/openid-configuration" {
				http.NotFound(w, r)
				return
			}
			fetches.Add(1)
			_ = json.NewEncoder(w).Encode(doc(srv.URL))
		}))
		t.Cleanup(srv.Close)
		return srv, &fetches
	}
	valid := func(base string) map[string]any {
		return map[string]any{"issuer": base, "authorization_endpoint": base + "/a", "token_endpoint": base + "/t", "jwks_uri": base + "/k"}
	}
	tests := []struct {
		name      string
		doc       func(base string) map[string]any
		allowHTTP bool
		wantErr   string
	}{
		{"Valid", valid, true, ""},
		{"OtherIssuer", func(base string) map[string]any { d := valid(base); d["issuer"] = "https://evil.example"; return d }, true, "names issuer"},
		{"NoTokenEndpoint", func(base string) map[string]any { d := valid(base); delete(d, "token_endpoint"); return d }, true, "token_endpoint"},
		{"PlainHTTPRefused", valid, false, "not https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, fetches := serve(t, tt.doc)
			d := NewDiscovery(srv.URL, tt.allowHTTP)
			m, err := d.Metadata(context.Background())
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				_, err = d.Metadata(context.Background())
				require.Error(t, err)
				require.Equal(t, int32(1), fetches.Load(), "a failure is not refetched before RetryAfter")
				return
			}
			require.NoError(t, err)
			require.Equal(t, srv.URL+"/t", m.TokenEndpoint)
			_, err = d.Metadata(context.Background())
			require.NoError(t, err)
			require.Equal(t, int32(1), fetches.Load(), "the document is cached")
		})
	}
}

func TestBrowserSignInNamesTheToken(t *testing.T) {
	t.Parallel()
	b := setupOIDC(t)
	s, err := b.oidc.BrowserSignIn(context.Background())
	require.NoError(t, err)
	require.Equal(t, "id_token", s.Token, "no API audience: the ID token (aud = client) is the bearer")
	require.Equal(t, b.server.URL+"/authorize", s.AuthorizationEndpoint)
	require.Equal(t, oidcClient, s.ClientID)

	api := &OIDC{Discovery: b.oidc.Discovery, ClientID: oidcClient, Audience: "https://api.simgraph.example"}
	s, err = api.BrowserSignIn(context.Background())
	require.NoError(t, err)
	require.Equal(t, "access_token", s.Token)
	require.Equal(t, "https://api.simgraph.example", api.TokenAudience())
}
