package auth

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenParams describe a development token.
type TokenParams struct {
	Subject string
	Email   string
	Org     string
	OrgName string
	Roles   []string
	TTL     time.Duration
}

// Mint signs a development token with HS256, the way `simgraph token` and
// the embedded demo do; the claim names are the configured ones so that the
// server reads back what was written.
func Mint(secret []byte, issuer, audience string, names ClaimNames, p TokenParams) (string, error) {
	if len(secret) == 0 {
		return "", fmt.Errorf("auth: no JWT secret to sign with")
	}
	if p.Subject == "" {
		p.Subject = p.Email
	}
	if p.Subject == "" {
		return "", fmt.Errorf("auth: a token needs a subject or an email")
	}
	now := time.Now()
	claims := jwt.MapClaims{
		"sub": p.Subject,
		"iss": issuer,
		"aud": audience,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(p.TTL).Unix(),
	}
	if p.Email != "" {
		claims[names.Email] = p.Email
	}
	if p.Org != "" {
		claims[names.Org] = p.Org
	}
	if p.OrgName != "" {
		claims[names.OrgName] = p.OrgName
	}
	if len(p.Roles) > 0 {
		claims[names.Roles] = p.Roles
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
