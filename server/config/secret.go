package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Secret returns the HS256 secret. In embedded mode with none configured it
// is generated once and kept in the data dir, so `simgraph token` and
// `simgraph serve` agree across restarts. Server mode needs it configured
// (or none at all when an issuer's keys are the only way in).
func (c *Config) Secret() ([]byte, error) {
	if c.JWTSecret != "" {
		if len(c.JWTSecret) < 32 {
			return nil, fmt.Errorf("SIMGRAPH_JWT_SECRET must be at least 32 characters")
		}
		return []byte(c.JWTSecret), nil
	}
	if !c.Embedded() {
		if c.JWKSURL != "" || c.OIDCIssuer != "" {
			return nil, nil
		}
		return nil, fmt.Errorf("server mode needs SIMGRAPH_JWT_SECRET, SIMGRAPH_JWKS_URL or SIMGRAPH_OIDC_ISSUER")
	}
	path := filepath.Join(c.DataDir, "jwt-secret")
	b, err := os.ReadFile(path)
	if err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("%s holds no usable secret; delete it to generate a new one", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading JWT secret: %w", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir: %w", err)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	secret := hex.EncodeToString(raw)
	// O_EXCL: two processes starting together keep one secret.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return c.Secret()
	}
	if err != nil {
		return nil, fmt.Errorf("writing JWT secret: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(secret + "\n"); err != nil {
		return nil, fmt.Errorf("writing JWT secret: %w", err)
	}
	return []byte(secret), nil
}
