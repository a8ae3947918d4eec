package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// JWKS fetches and caches an issuer's signing keys. An unknown key ID
// triggers a refresh (keys rotate), at most once per MinRefresh so that a
// flood of tokens with made-up kids cannot turn into a flood of fetches.
type JWKS struct {
	URL string
	// URLFunc, when URL is empty, finds it before each fetch (an OIDC
	// issuer's jwks_uri, from its discovery document).
	URLFunc    func(ctx context.Context) (string, error)
	Client     *http.Client
	MinRefresh time.Duration

	mu          sync.Mutex
	keys        map[string]any
	lastRefresh time.Time
}

// NewJWKS returns a JWKS cache for url.
func NewJWKS(url string) *JWKS {
	return &JWKS{URL: url, Client: &http.Client{Timeout: 10 * time.Second}, MinRefresh: 30 * time.Second}
}

// Key returns the public key with ID kid usable with alg.
func (j *JWKS) Key(ctx context.Context, kid, alg string) (any, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	key, ok := j.keys[kid]
	if !ok && (j.keys == nil || time.Since(j.lastRefresh) >= j.MinRefresh) {
		if err := j.refresh(ctx); err != nil {
			return nil, err
		}
		key, ok = j.keys[kid]
	}
	if !ok {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	switch key.(type) {
	case *rsa.PublicKey:
		if alg != "RS256" {
			return nil, fmt.Errorf("key %q is RSA, token says %s", kid, alg)
		}
	case *ecdsa.PublicKey:
		if alg != "ES256" {
			return nil, fmt.Errorf("key %q is EC, token says %s", kid, alg)
		}
	}
	return key, nil
}

type jwk struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func (j *JWKS) refresh(ctx context.Context) error {
	j.lastRefresh = time.Now()
	where := j.URL
	if where == "" && j.URLFunc != nil {
		var err error
		if where, err = j.URLFunc(ctx); err != nil {
			return fmt.Errorf("jwks: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	resp, err := j.Client.Do(req)
	if err != nil {
		return fmt.Errorf("jwks: fetching keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jwks: fetching keys: %s", resp.Status)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("jwks: decoding keys: %w", err)
	}
	keys := make(map[string]any, len(set.Keys))
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub, err := k.publicKey()
		if err != nil {
			continue // one malformed key must not take the others down
		}
		keys[k.Kid] = pub
	}
	j.keys = keys
	return nil
}

func (k jwk) publicKey() (any, error) {
	dec := base64.RawURLEncoding.DecodeString
	switch k.Kty {
	case "RSA":
		n, err := dec(k.N)
		if err != nil {
			return nil, err
		}
		e, err := dec(k.E)
		if err != nil {
			return nil, err
		}
		if len(n) < 256 {
			return nil, fmt.Errorf("RSA key shorter than 2048 bits")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		if k.Crv != "P-256" {
			return nil, fmt.Errorf("curve %s not supported", k.Crv)
		}
		x, err := dec(k.X)
		if err != nil {
			return nil, err
		}
		y, err := dec(k.Y)
		if err != nil {
			return nil, err
		}
		raw := append([]byte{4}, append(leftPad(x, 32), leftPad(y, 32)...)...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		if err != nil {
			return nil, err
		}
		return pub, nil
	}
	return nil, fmt.Errorf("key type %s not supported", k.Kty)
}

func leftPad(b []byte, n int) []byte {
	if len(b) >= n {
		return b
	}
	return append(make([]byte, n-len(b)), b...)
}
