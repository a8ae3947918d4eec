// Package auth turns a bearer JWT into an Identity: HS256 with a local
// secret for development, RS256/ES256 against an OIDC issuer's JWKS in
// production. It knows nothing of databases: provisioning the identity into
// a user and an organization is the account package's job.
package auth

import (
	"errors"
	"time"

	"github.com/simgraph/simgraph/server/apperr"
)

// Identity is what a verified token says about its bearer.
type Identity struct {
	Subject   string
	Email     string
	OrgKey    string // the organization claim, empty for none
	OrgName   string
	Roles     []string
	ExpiresAt time.Time
}

// ErrUnauthenticated is the cause of every rejected token; the message a
// client sees stays generic so that a probe learns nothing about why.
var ErrUnauthenticated = errors.New("unauthenticated")

func reject(reason error) error {
	return &apperr.Error{Code: apperr.Unauthenticated, Message: "invalid or expired token", Err: errors.Join(ErrUnauthenticated, reason)}
}
