package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/apperr"
)

var names = ClaimNames{Email: "email", Org: "https://simgraph.example/org", OrgName: "org_name", Roles: "https://simgraph.example/roles"}

// keyServer is a JWKS endpoint whose key set the test can rotate.
type keyServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []map[string]string
	fetches atomic.Int32
}

func newKeyServer(t *testing.T) *keyServer {
	ks := &keyServer{}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		ks.mu.Lock()
		defer ks.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": ks.keys})
	}))
	t.Cleanup(ks.Close)
	return ks
}

func (ks *keyServer) add(kid string, pub any) {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	ks.mu.Lock()
	defer ks.mu.Unlock()
	switch k := pub.(type) {
	case *rsa.PublicKey:
		ks.keys = append(ks.keys, map[string]string{"kid": kid, "kty": "RSA", "use": "sig", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())})
	case *ecdsa.PublicKey:
		raw, _ := k.Bytes()
		ks.keys = append(ks.keys, map[string]string{"kid": kid, "kty": "EC", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])})
	}
}

type testBundle struct {
	secret   []byte
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
	keys     *keyServer
	verifier *Verifier
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ks := newKeyServer(t)
	ks.add("rsa-1", &rsaKey.PublicKey)
	ks.add("ec-1", &ecKey.PublicKey)
	jwks := NewJWKS(ks.URL)
	jwks.MinRefresh = 0
	secret := []byte("0123456789abcdef0123456789abcdef")
	v, err := NewVerifier(VerifierOpts{Secret: secret, JWKS: jwks, Issuer: "https://issuer.example/", Audience: "simgraph-api", Claims: names})
	require.NoError(t, err)
	return &testBundle{secret: secret, rsaKey: rsaKey, ecKey: ecKey, keys: ks, verifier: v}
}

func baseClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": "auth0|42", "iss": "https://issuer.example/", "aud": "simgraph-api",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"email":                          "ada@example.com",
		"https://simgraph.example/org":   "acme",
		"https://simgraph.example/roles": []string{"ORG_ADMIN"},
	}
}

func sign(t *testing.T, method jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name  string
		token func() string
	}{
		{"HS256Secret", func() string { return sign(t, jwt.SigningMethodHS256, "", b.secret, baseClaims()) }},
		{"RS256JWKS", func() string { return sign(t, jwt.SigningMethodRS256, "rsa-1", b.rsaKey, baseClaims()) }},
		{"ES256JWKS", func() string { return sign(t, jwt.SigningMethodES256, "ec-1", b.ecKey, baseClaims()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := b.verifier.Verify(context.Background(), tt.token())
			require.NoError(t, err)
			require.Equal(t, "auth0|42", id.Subject)
			require.Equal(t, "ada@example.com", id.Email)
			require.Equal(t, "acme", id.OrgKey, "Auth0 namespaced organization claim")
			require.Equal(t, []string{"ORG_ADMIN"}, id.Roles)
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	with := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := baseClaims()
		mut(c)
		return c
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&b.rsaKey.PublicKey))})
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tests := []struct {
		name  string
		token string
	}{
		{"AlgNone", sign(t, jwt.SigningMethodNone, "", jwt.UnsafeAllowNoneSignatureType, baseClaims())},
		{"AlgorithmConfusionHS256WithPublicKey", sign(t, jwt.SigningMethodHS256, "rsa-1", pubPEM, baseClaims())},
		{"AlgorithmConfusionHS256WithDERKey", sign(t, jwt.SigningMethodHS256, "rsa-1", must(x509.MarshalPKIXPublicKey(&b.rsaKey.PublicKey)), baseClaims())},
		{"Expired", sign(t, jwt.SigningMethodHS256, "", b.secret, with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }))},
		{"NoExpiry", sign(t, jwt.SigningMethodHS256, "", b.secret, with(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"NotYetValid", sign(t, jwt.SigningMethodHS256, "", b.secret, with(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }))},
		{"WrongIssuer", sign(t, jwt.SigningMethodHS256, "", b.secret, with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" }))},
		{"WrongAudience", sign(t, jwt.SigningMethodHS256, "", b.secret, with(func(c jwt.MapClaims) { c["aud"] = "someone-else" }))},
		{"WrongSecret", sign(t, jwt.SigningMethodHS256, "", []byte("not-the-secret-not-the-secret!!"), baseClaims())},
		{"RS256UnknownSigner", sign(t, jwt.SigningMethodRS256, "rsa-1", otherRSA, baseClaims())},
		{"RS256UnknownKid", sign(t, jwt.SigningMethodRS256, "nope", b.rsaKey, baseClaims())},
		{"ES256WithRSAKid", sign(t, jwt.SigningMethodES256, "rsa-1", b.ecKey, baseClaims())},
		{"NoSubject", sign(t, jwt.SigningMethodHS256, "", b.secret, with(func(c jwt.MapClaims) { delete(c, "sub") }))},
		{"Garbage", "not.a.token"},
		{"Empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.verifier.Verify(context.Background(), tt.token)
			require.Error(t, err)
			require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))
			require.True(t, errors.Is(err, ErrUnauthenticated))
			require.Equal(t, "invalid or expired token", apperr.MessageOf(err), "the reason stays in the log")
		})
	}
}

func TestJWKSRefreshesOnUnknownKid(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.verifier.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-1", b.rsaKey, baseClaims()))
	require.NoError(t, err)
	before := b.keys.fetches.Load()

	rotated, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	b.keys.add("rsa-2", &rotated.PublicKey)
	_, err = b.verifier.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-2", rotated, baseClaims()))
	require.NoError(t, err, "a rotated key is fetched on first sight of its kid")
	require.Equal(t, before+1, b.keys.fetches.Load())

	_, err = b.verifier.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-1", b.rsaKey, baseClaims()))
	require.NoError(t, err)
	require.Equal(t, before+1, b.keys.fetches.Load(), "known keys come from the cache")
}

func TestJWKSThrottlesRefresh(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.verifier.opts.JWKS.MinRefresh = time.Hour
	for range 5 {
		_, err := b.verifier.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "made-up", b.rsaKey, baseClaims()))
		require.Error(t, err)
	}
	require.Equal(t, int32(1), b.keys.fetches.Load(), "unknown kids do not turn into a fetch each")
}

func TestMintRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok, err := Mint(b.secret, "https://issuer.example/", "simgraph-api", names, TokenParams{Email: "bob@example.com", Org: "globex", Roles: []string{"MEMBER"}, TTL: time.Minute})
	require.NoError(t, err)
	id, err := b.verifier.Verify(context.Background(), tok)
	require.NoError(t, err)
	require.Equal(t, "bob@example.com", id.Subject)
	require.Equal(t, "globex", id.OrgKey)
	require.Equal(t, []string{"MEMBER"}, id.Roles)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
