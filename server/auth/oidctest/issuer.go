// Package oidctest is a small OpenID Connect issuer for tests and the
// browser end-to-end test (scripts/fakeoidc): discovery, a JWKS with one
// RSA key, an authorization endpoint that signs in one configured user at a
// click, and a token endpoint that checks the PKCE verifier and issues
// signed ID and access tokens. It is strict where a real issuer is (exact
// redirect URI, single-use codes, S256 only) so that a client mistake fails
// here as it would in production.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// KeyID is the kid of the issuer's signing key.
const KeyID = "fake-rsa-1"

// Opts configure an Issuer.
type Opts struct {
	// URL is the issuer identifier (its base URL, no trailing slash).
	URL string
	// ClientID is the one public client the issuer knows; RedirectURIs its
	// registered redirect URIs (any, when empty: the e2e test's port is
	// picked at run time).
	ClientID     string
	RedirectURIs []string
	// Audience is the access token's aud; the client ID when empty.
	Audience string
	// Claims are added to every token (email, organization, roles).
	Subject string
	Claims  map[string]any
	TTL     time.Duration
}

// Issuer is the fake issuer; it is an http.Handler.
type Issuer struct {
	opts Opts
	key  *rsa.PrivateKey
	mux  *http.ServeMux

	mu       sync.Mutex
	codes    map[string]grant
	refreshs map[string]grant
}

// grant is what an authorization code or a refresh token stands for.
type grant struct {
	clientID, redirectURI, challenge, nonce string
	expires                                 time.Time
}

// New returns an issuer with a fresh 2048-bit RSA key.
func New(opts Opts) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if opts.TTL == 0 {
		opts.TTL = time.Hour
	}
	if opts.Audience == "" {
		opts.Audience = opts.ClientID
	}
	iss := &Issuer{opts: opts, key: key, mux: http.NewServeMux(), codes: map[string]grant{}, refreshs: map[string]grant{}}
	iss.mux.HandleFunc("GET /.well-known/openid-configuration", iss.discovery)
	iss.mux.HandleFunc("GET /jwks", iss.jwks)
	iss.mux.HandleFunc("GET /authorize", iss.authorizePage)
	iss.mux.HandleFunc("POST /authorize", iss.authorize)
	iss.mux.HandleFunc("/token", iss.token)
	return iss, nil
}

// SetURL sets the issuer identifier once the listener's address is known.
func (iss *Issuer) SetURL(u string) { iss.opts.URL = strings.TrimSuffix(u, "/") }

// URL is the issuer identifier.
func (iss *Issuer) URL() string { return iss.opts.URL }

// Key is the signing key, for tests that forge tokens with it.
func (iss *Issuer) Key() *rsa.PrivateKey { return iss.key }

func (iss *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) { iss.mux.ServeHTTP(w, r) }

// Claims are the claims of a token for aud issued now, with the
// configured subject and extra claims.
func (iss *Issuer) Claims(aud string) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": iss.opts.URL, "sub": iss.opts.Subject, "aud": aud,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(iss.opts.TTL).Unix(),
	}
	for k, v := range iss.opts.Claims {
		c[k] = v
	}
	return c
}

// Sign signs claims with the issuer's key (RS256, kid KeyID).
func (iss *Issuer) Sign(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = KeyID
	return t.SignedString(iss.key)
}

func (iss *Issuer) discovery(w http.ResponseWriter, r *http.Request) {
	u := iss.opts.URL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                u,
		"authorization_endpoint":                u + "/authorize",
		"token_endpoint":                        u + "/token",
		"jwks_uri":                              u + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
	})
}

func (iss *Issuer) jwks(w http.ResponseWriter, r *http.Request) {
	b64 := base64.RawURLEncoding.EncodeToString
	pub := iss.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kid": KeyID, "kty": "RSA", "use": "sig", "alg": "RS256",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

var page = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake OIDC issuer</title></head>
<body><main><h1>Fake OIDC issuer</h1>
<p>Sign in to {{.Client}} as <strong>{{.Subject}}</strong>.</p>
<form method="post" action="/authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button type="submit">Continue as {{.Subject}}</button>
</form></main></body></html>`))

// authorizePage checks the request as the issuer would before showing
// its consent page; an invalid client or redirect URI is never redirected
// to (RFC 6749 §4.1.2.1).
func (iss *Issuer) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if msg := iss.checkAuthorize(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	params := map[string]string{}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"} {
		params[k] = q.Get(k)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, map[string]any{"Client": iss.opts.ClientID, "Subject": iss.opts.Subject, "Params": params})
}

func (iss *Issuer) checkAuthorize(q url.Values) string {
	switch {
	case q.Get("client_id") != iss.opts.ClientID:
		return "unknown client_id"
	case !iss.redirectAllowed(q.Get("redirect_uri")):
		return "redirect_uri not registered"
	case q.Get("response_type") != "code":
		return "response_type must be code"
	case !strings.Contains(" "+q.Get("scope")+" ", " openid "):
		return "scope must include openid"
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		return "PKCE with S256 is required"
	case q.Get("state") == "" || q.Get("nonce") == "":
		return "state and nonce are required"
	}
	return ""
}

func (iss *Issuer) redirectAllowed(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || !u.IsAbs() || u.Fragment != "" {
		return false
	}
	if len(iss.opts.RedirectURIs) == 0 {
		return true
	}
	for _, r := range iss.opts.RedirectURIs {
		if r == uri {
			return true
		}
	}
	return false
}

// authorize is the consent form's submission: a single-use code bound to
// the client, redirect URI, PKCE challenge and nonce.
func (iss *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	q := r.PostForm
	if msg := iss.checkAuthorize(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	code := randomString()
	iss.mu.Lock()
	iss.codes[code] = grant{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), expires: time.Now().Add(time.Minute)}
	iss.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	v := back.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	v.Set("iss", iss.opts.URL)
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token serves both grants. A browser calls it cross-origin, so it
// answers CORS like a real issuer's token endpoint for public clients.
func (iss *Issuer) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	w.Header().Set("Access-Control-Allow-Methods", "POST")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost {
		tokenError(w, "invalid_request", "POST only")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "bad form")
		return
	}
	f := r.PostForm
	if f.Get("client_secret") != "" {
		tokenError(w, "invalid_client", "a public client has no secret")
		return
	}
	var g grant
	iss.mu.Lock()
	switch f.Get("grant_type") {
	case "authorization_code":
		var ok bool
		g, ok = iss.codes[f.Get("code")]
		delete(iss.codes, f.Get("code")) // single use, even when the rest fails
		iss.mu.Unlock()
		switch {
		case !ok || time.Now().After(g.expires):
			tokenError(w, "invalid_grant", "unknown or used code")
			return
		case f.Get("client_id") != g.clientID || f.Get("redirect_uri") != g.redirectURI:
			tokenError(w, "invalid_grant", "client_id or redirect_uri differ from the authorization request")
			return
		case !VerifierMatches(f.Get("code_verifier"), g.challenge):
			tokenError(w, "invalid_grant", "code_verifier does not match code_challenge")
			return
		}
	case "refresh_token":
		var ok bool
		g, ok = iss.refreshs[f.Get("refresh_token")]
		delete(iss.refreshs, f.Get("refresh_token")) // rotated
		iss.mu.Unlock()
		if !ok || f.Get("client_id") != g.clientID {
			tokenError(w, "invalid_grant", "unknown refresh token")
			return
		}
		g.nonce = "" // a refreshed ID token carries no nonce (OIDC Core §12.2)
	default:
		iss.mu.Unlock()
		tokenError(w, "unsupported_grant_type", f.Get("grant_type"))
		return
	}
	idClaims := iss.Claims(iss.opts.ClientID)
	if g.nonce != "" {
		idClaims["nonce"] = g.nonce
	}
	idToken, err := iss.Sign(idClaims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	access, err := iss.Sign(iss.Claims(iss.opts.Audience))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	refresh := randomString()
	g.expires = time.Now().Add(24 * time.Hour)
	iss.mu.Lock()
	iss.refreshs[refresh] = g
	iss.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": int(iss.opts.TTL.Seconds()),
		"id_token": idToken, "access_token": access, "refresh_token": refresh,
	})
}

// VerifierMatches reports whether verifier's S256 challenge is challenge
// (RFC 7636 §4.6): BASE64URL(SHA256(ASCII(verifier))).
func VerifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func tokenError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
