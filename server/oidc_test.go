package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/auth/oidctest"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

const oidcClientID = "simgraph-web"

// startOIDCServer starts a fake issuer and a server signing in with it
// (keys from its discovery document), development tokens still on.
func startOIDCServer(t *testing.T, cfg *config.Config) (*servertest.Server, *oidctest.Issuer) {
	t.Helper()
	iss, err := oidctest.New(oidctest.Opts{ClientID: oidcClientID, Subject: "fake|ada",
		Claims: map[string]any{"email": "ada@oidc.example", "org": "oidc-acme", "org_name": "Acme (OIDC)", "roles": []string{"ORG_ADMIN"}}})
	require.NoError(t, err)
	hs := httptest.NewServer(iss)
	t.Cleanup(hs.Close)
	iss.SetURL(hs.URL)
	cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCScopes, cfg.OIDCName = hs.URL, oidcClientID, []string{"openid", "email"}, "Fake ID"
	cfg.Workers = 0
	return servertest.Start(t, cfg), iss
}

// TestOIDCTokens: the issuer's tokens are accepted over HTTP and
// websockets and map to their organization; wrong issuer or audience,
// expired, alg none and unknown keys are UNAUTHENTICATED on both.
func TestOIDCTokens(t *testing.T) {
	t.Parallel()
	s, iss := startOIDCServer(t, servertest.SQLiteConfig(t))
	sign := func(mut func(jwt.MapClaims)) string {
		c := iss.Claims(oidcClientID)
		if mut != nil {
			mut(c)
		}
		tok, err := iss.Sign(c)
		require.NoError(t, err)
		return tok
	}
	raw := func(method jwt.SigningMethod, kid string, key any) string {
		tok := jwt.NewWithClaims(method, iss.Claims(oidcClientID))
		tok.Header["kid"] = kid
		str, err := tok.SignedString(key)
		require.NoError(t, err)
		return str
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	dev := s.Token(t, auth.TokenParams{Email: "dev@dev.example", Org: "dev"})

	tests := []struct {
		name, token, wantEmail string
	}{
		{"IssuerToken", sign(nil), "ada@oidc.example"},
		{"DevelopmentTokenBeside", dev, "dev@dev.example"},
		{"WrongIssuer", sign(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), ""},
		{"WrongAudience", sign(func(c jwt.MapClaims) { c["aud"] = "another-client" }), ""},
		{"Expired", sign(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), ""},
		{"AlgNone", raw(jwt.SigningMethodNone, oidctest.KeyID, jwt.UnsafeAllowNoneSignatureType), ""},
		{"UnknownKid", raw(jwt.SigningMethodRS256, "rotated-away", iss.Key()), ""},
		{"OtherSigner", raw(jwt.SigningMethodRS256, oidctest.KeyID, otherKey), ""},
	}
	const me = `{ me { email organization { name personal } } }`
	for _, tt := range tests {
		t.Run("HTTP/"+tt.name, func(t *testing.T) {
			resp := s.Query(t, tt.token, me, nil)
			if tt.wantEmail == "" {
				require.Equal(t, http.StatusUnauthorized, resp.Status)
				require.Equal(t, "UNAUTHENTICATED", resp.Code())
				require.Equal(t, "invalid or expired token", resp.Errors[0].Message)
				return
			}
			var out struct {
				Me struct {
					Email        string
					Organization struct {
						Name     string
						Personal bool
					}
				}
			}
			resp.Decode(t, &out)
			require.Equal(t, tt.wantEmail, out.Me.Email)
			require.False(t, out.Me.Organization.Personal, "the organization claim names the organization")
		})
		t.Run("Websocket/"+tt.name, func(t *testing.T) {
			ws := s.DialWS(t, "graphql-transport-ws")
			ws.Send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + tt.token}})
			if tt.wantEmail == "" {
				status, _ := closeStatus(t, ws.Conn)
				require.Equal(t, websocket.StatusCode(4401), status)
				return
			}
			m, err := ws.Read(10 * time.Second)
			require.NoError(t, err)
			require.Equal(t, "connection_ack", m.Type, "%s", m.Payload)
			ws.Subscribe("1", me, nil)
			m, err = ws.Read(10 * time.Second)
			require.NoError(t, err)
			require.Equal(t, "next", m.Type, "%s", m.Payload)
			require.Contains(t, string(m.Payload), tt.wantEmail)
		})
	}
}

// TestOIDCOrganizationFromClaims: the organization and roles come from the
// configured claims (SIMGRAPH_ORG_CLAIM, _ORG_NAME_CLAIM, _ROLES_CLAIM),
// no organization claim is a personal organization, and a subject whose
// token names another organization than its own is FORBIDDEN with a
// reason, over HTTP (403) and websockets (4403).
func TestOIDCOrganizationFromClaims(t *testing.T) {
	t.Parallel()
	s, iss := startOIDCServer(t, servertest.SQLiteConfig(t))
	token := func(sub string, claims map[string]any) string {
		c := iss.Claims(oidcClientID)
		c["sub"] = sub
		for k, v := range claims {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		tok, err := iss.Sign(c)
		require.NoError(t, err)
		return tok
	}
	const me = `{ me { email roles organization { name personal } } }`
	type meOut struct {
		Me struct {
			Email        string
			Roles        []string
			Organization struct {
				Name     string
				Personal bool
			}
		}
	}
	tests := []struct {
		name         string
		token        string
		wantOrg      string
		wantPersonal bool
		wantRoles    []string
	}{
		{"OrgAndRolesClaims", token("fake|ada", nil), "Acme (OIDC)", false, []string{"MEMBER", "ORG_ADMIN"}},
		{"MemberOfTheSameOrg", token("fake|bob", map[string]any{"email": "bob@oidc.example", "roles": nil}), "Acme (OIDC)", false, []string{"MEMBER"}},
		{"NoOrgClaim", token("fake|carol", map[string]any{"email": "carol@oidc.example", "org": nil, "org_name": nil, "roles": nil}), "carol@oidc.example (personal)", true, []string{"MEMBER", "ORG_ADMIN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out meOut
			s.Query(t, tt.token, me, nil).Decode(t, &out)
			require.Equal(t, tt.wantOrg, out.Me.Organization.Name)
			require.Equal(t, tt.wantPersonal, out.Me.Organization.Personal)
			require.ElementsMatch(t, tt.wantRoles, out.Me.Roles)
		})
	}

	moved := token("fake|ada", map[string]any{"org": "elsewhere", "org_name": "Elsewhere"})
	t.Run("HTTP/OtherOrganization", func(t *testing.T) {
		resp := s.Query(t, moved, me, nil)
		require.Equal(t, http.StatusForbidden, resp.Status)
		require.Equal(t, "FORBIDDEN", resp.Code())
		require.Contains(t, resp.Errors[0].Message, "belongs to another organization")
	})
	t.Run("Websocket/OtherOrganization", func(t *testing.T) {
		ws := s.DialWS(t, "graphql-transport-ws")
		ws.Send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + moved}})
		status, _ := closeStatus(t, ws.Conn)
		require.Equal(t, websocket.StatusCode(4403), status)
	})
}

// TestAuthConfig: GET /api/auth/config tells the web app the issuer's
// endpoints, the client and the scopes, and nothing when OIDC is off.
func TestAuthConfig(t *testing.T) {
	t.Parallel()
	get := func(t *testing.T, s *servertest.Server) (int, map[string]any) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL+"/api/auth/config", nil)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Contains(t, resp.Header.Get("Content-Type"), "application/json")
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	t.Run("On", func(t *testing.T) {
		s, iss := startOIDCServer(t, servertest.SQLiteConfig(t))
		status, out := get(t, s)
		require.Equal(t, http.StatusOK, status)
		o, ok := out["oidc"].(map[string]any)
		require.True(t, ok, "%v", out)
		require.Equal(t, iss.URL(), o["issuer"])
		require.Equal(t, iss.URL()+"/authorize", o["authorizationEndpoint"])
		require.Equal(t, iss.URL()+"/token", o["tokenEndpoint"])
		require.Equal(t, oidcClientID, o["clientId"])
		require.Equal(t, []any{"openid", "email"}, o["scopes"])
		require.Equal(t, "Fake ID", o["name"])
		require.Equal(t, "id_token", o["token"])
		require.NotContains(t, strings.ToLower(jsonString(t, out)), "secret")
	})
	t.Run("Off", func(t *testing.T) {
		cfg := servertest.SQLiteConfig(t)
		cfg.Workers = 0
		s := servertest.Start(t, cfg)
		status, out := get(t, s)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, map[string]any{"oidc": nil}, out)
	})
	t.Run("IssuerUnreachable", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		cfg := servertest.SQLiteConfig(t)
		cfg.Workers, cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCScopes = 0, down.URL, oidcClientID, []string{"openid"}
		s := servertest.Start(t, cfg)
		status, out := get(t, s)
		require.Equal(t, http.StatusServiceUnavailable, status, "the server starts anyway and says the issuer is unreachable")
		require.Nil(t, out["oidc"])
		require.NotEmpty(t, out["error"])
		resp := s.Query(t, s.Token(t, auth.TokenParams{Email: "dev@dev.example"}), `{ me { email } }`, nil)
		require.Empty(t, resp.Errors, "development tokens do not need the issuer")
	})
}

func jsonString(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
