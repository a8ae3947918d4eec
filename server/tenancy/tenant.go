// Package tenancy holds what makes an organization a tenant: its ID, its
// tier and where its data lives.
package tenancy

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/simgraph/simgraph/server/database"
)

// Tier is an organization's commercial tier.
type Tier string

// The tiers, cheapest first.
const (
	Trial        Tier = "TRIAL"
	Standard     Tier = "STANDARD"
	Professional Tier = "PROFESSIONAL"
	Enterprise   Tier = "ENTERPRISE"
)

// Tiers lists every tier.
var Tiers = []Tier{Trial, Standard, Professional, Enterprise}

// DatabaseTier says where a tier's data lives.
type DatabaseTier string

// The database tiers.
const (
	Shared     DatabaseTier = "SHARED"     // the service's shared database, rows isolated by tenant_id
	Dedicated  DatabaseTier = "DEDICATED"  // a database of the tenant's own
	Replicated DatabaseTier = "ENTERPRISE" // a dedicated primary with read replicas
)

// PoolSettings are a connection pool's steady size and the extra connections
// it may open under load.
type PoolSettings = database.PoolSettings

// DatabaseTierOf maps a tier to where its data lives.
func DatabaseTierOf(t Tier) DatabaseTier {
	switch t {
	case Professional:
		return Dedicated
	case Enterprise:
		return Replicated
	default:
		return Shared
	}
}

// Pool returns the connection pool settings of a database tier: a shared
// database serves many tenants, a dedicated one a single tenant, and an
// enterprise primary carries a large tenant's whole load.
func (d DatabaseTier) Pool() PoolSettings {
	switch d {
	case Dedicated:
		return PoolSettings{Size: 10, Overflow: 20}
	case Replicated:
		return PoolSettings{Size: 50, Overflow: 100}
	default:
		return PoolSettings{Size: 20, Overflow: 30}
	}
}

// ID is a tenant ID: 16 lowercase hex characters.
type ID string

// DeriveID returns the tenant ID of an organization's stable key: the first
// 8 bytes of SHA-256 of the key, so the same organization always gets the
// same tenant wherever it is provisioned.
func DeriveID(orgKey string) ID {
	sum := sha256.Sum256([]byte("simgraph/tenant\x00" + orgKey))
	return ID(hex.EncodeToString(sum[:8]))
}

// Valid reports whether id has the form of a tenant ID.
func (id ID) Valid() bool {
	if len(id) != 16 {
		return false
	}
	return strings.Trim(string(id), "0123456789abcdef") == ""
}

// OrgKey returns the stable key of the organization a user belongs to: the
// organization claim when the identity provider gives one, otherwise a
// personal organization of the user's own subject. An email domain is never
// used: unrelated people share gmail.com.
func OrgKey(orgClaim, subject string) (key string, personal bool) {
	if orgClaim = strings.TrimSpace(orgClaim); orgClaim != "" {
		return "org:" + orgClaim, false
	}
	return "user:" + subject, true
}
