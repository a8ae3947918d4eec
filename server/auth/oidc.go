package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Metadata is the part of an OpenID Provider's discovery document simgraph
// uses (OpenID Connect Discovery 1.0 §3).
type Metadata struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	EndSessionEndpoint    string `json:"end_session_endpoint,omitempty"`
}

// Discovery fetches an issuer's metadata from
// <issuer>/.well-known/openid-configuration on first use, not at start:
// the server starts while the issuer is unreachable, and tries again at
// most every RetryAfter. A document is kept for MaxAge, so moved endpoints
// are picked up without a restart.
type Discovery struct {
	Issuer     string
	Client     *http.Client
	RetryAfter time.Duration
	MaxAge     time.Duration
	// AllowHTTP accepts http:// endpoints (development, tests); otherwise
	// every endpoint must be https.
	AllowHTTP bool

	mu      sync.Mutex
	meta    *Metadata
	fetched time.Time
	tried   time.Time
	lastErr error
}

// NewDiscovery returns the discovery of issuer.
func NewDiscovery(issuer string, allowHTTP bool) *Discovery {
	return &Discovery{Issuer: issuer, Client: &http.Client{Timeout: 10 * time.Second}, RetryAfter: 10 * time.Second, MaxAge: time.Hour, AllowHTTP: allowHTTP}
}

// Metadata returns the issuer's metadata, fetching it when missing or old.
// An old document is kept when the refetch fails: the issuer being down
// for a moment must not sign everyone out.
func (d *Discovery) Metadata(ctx context.Context) (*Metadata, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	if d.meta != nil && now.Sub(d.fetched) < d.MaxAge {
		return d.meta, nil
	}
	if !d.tried.IsZero() && now.Sub(d.tried) < d.RetryAfter {
		if d.meta != nil {
			return d.meta, nil
		}
		return nil, d.lastErr
	}
	d.tried = now
	meta, err := d.fetch(ctx)
	if err != nil {
		d.lastErr = err
		if d.meta != nil {
			return d.meta, nil
		}
		return nil, err
	}
	d.meta, d.fetched, d.lastErr = meta, now, nil
	return meta, nil
}

// JWKSURL is the issuer's jwks_uri, for JWKS.URLFunc.
func (d *Discovery) JWKSURL(ctx context.Context) (string, error) {
	m, err := d.Metadata(ctx)
	if err != nil {
		return "", err
	}
	return m.JWKSURI, nil
}

func (d *Discovery) fetch(ctx context.Context) (*Metadata, error) {
	where := strings.TrimSuffix(d.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("oidc discovery: %s answered %s", where, resp.Status)
	}
	var m Metadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("oidc discovery: decoding %s: %w", where, err)
	}
	// The document must name the very issuer it was fetched for
	// (Discovery §4.3): otherwise one issuer could vouch for another's
	// endpoints.
	if m.Issuer != d.Issuer {
		return nil, fmt.Errorf("oidc discovery: %s names issuer %q, want %q", where, m.Issuer, d.Issuer)
	}
	for name, u := range map[string]string{"authorization_endpoint": m.AuthorizationEndpoint, "token_endpoint": m.TokenEndpoint, "jwks_uri": m.JWKSURI} {
		if err := d.checkEndpoint(u); err != nil {
			return nil, fmt.Errorf("oidc discovery: %s: %w", name, err)
		}
	}
	if m.EndSessionEndpoint != "" && d.checkEndpoint(m.EndSessionEndpoint) != nil {
		m.EndSessionEndpoint = "" // optional: dropped rather than served
	}
	return &m, nil
}

func (d *Discovery) checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.Scheme != "https" && !(d.AllowHTTP && u.Scheme == "http") {
		return fmt.Errorf("%q is not https", raw)
	}
	return nil
}

// BrowserSignIn is what the web app needs to sign in with the issuer
// (authorization code flow with PKCE, as a public client): it is served
// to anyone, so it holds nothing secret.
type BrowserSignIn struct {
	Issuer                string   `json:"issuer"`
	Name                  string   `json:"name"`
	AuthorizationEndpoint string   `json:"authorizationEndpoint"`
	TokenEndpoint         string   `json:"tokenEndpoint"`
	EndSessionEndpoint    string   `json:"endSessionEndpoint,omitempty"`
	ClientID              string   `json:"clientId"`
	Scopes                []string `json:"scopes"`
	// Audience, when set, is asked for at the authorization endpoint
	// (Auth0's audience parameter) and the web app sends the access token;
	// otherwise it sends the ID token, whose audience is the client.
	Audience string `json:"audience,omitempty"`
	// Token says which of the token response's tokens the web app sends:
	// "id_token" or "access_token".
	Token string `json:"token"`
}

// OIDC is browser sign-in against one issuer.
type OIDC struct {
	Discovery *Discovery
	ClientID  string
	Audience  string // "" when the ID token is the bearer
	Scopes    []string
	Name      string
}

// BrowserSignIn returns the web app's sign-in configuration, discovering
// the issuer if need be.
func (o *OIDC) BrowserSignIn(ctx context.Context) (*BrowserSignIn, error) {
	m, err := o.Discovery.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	s := &BrowserSignIn{
		Issuer: m.Issuer, Name: o.Name, ClientID: o.ClientID, Scopes: o.Scopes, Audience: o.Audience,
		AuthorizationEndpoint: m.AuthorizationEndpoint, TokenEndpoint: m.TokenEndpoint, EndSessionEndpoint: m.EndSessionEndpoint,
		Token: "id_token",
	}
	if o.Audience != "" {
		s.Token = "access_token"
	}
	return s, nil
}

// TokenAudience is the aud every token from the issuer must carry.
func (o *OIDC) TokenAudience() string {
	if o.Audience != "" {
		return o.Audience
	}
	return o.ClientID
}
