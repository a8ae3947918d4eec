// Package tenancytest sets up service databases, a tenant router and
// viewers of distinct tenants for tests, on SQLite or PostgreSQL, and starts
// a streaming replica of the test PostgreSQL server for enterprise tests.
package tenancytest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/server"
	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/database"
	"github.com/simgraph/simgraph/server/tenancy"
	"github.com/simgraph/simgraph/viewer"
)

// SmallPools keep tests within the test server's connection limit.
func SmallPools(tenancy.DatabaseTier) tenancy.PoolSettings {
	return tenancy.PoolSettings{Size: 1, Overflow: 3}
}

// Bundle is a migrated store with a router and a mover over it.
type Bundle struct {
	Config   *config.Config
	Store    *database.Store
	Router   *tenancy.Router
	Mover    *tenancy.Mover
	Accounts *account.Service
}

// New opens and migrates the service databases of cfg and builds a router
// (SmallPools unless opts say otherwise); everything is closed when the
// test ends.
func New(t testing.TB, cfg *config.Config, opts ...func(*tenancy.RouterOpts)) *Bundle {
	t.Helper()
	ctx := context.Background()
	store, err := database.Open(ctx, server.DatabaseOptions(cfg))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.Migrate(ctx))
	o := tenancy.RouterOpts{Store: store, Config: cfg, PoolFunc: SmallPools}
	for _, f := range opts {
		f(&o)
	}
	r, err := tenancy.NewRouter(ctx, o)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return &Bundle{Config: cfg, Store: store, Router: r, Mover: tenancy.NewMover(r),
		Accounts: &account.Service{Users: store.Service(database.User).Client, DefaultTier: tenancy.Tier(cfg.DefaultTier)}}
}

var seq atomic.Int64

// Viewer provisions a user of a new organization (key org plus a unique
// suffix) and returns a context carrying the viewer and a request scope.
func (b *Bundle) Viewer(t testing.TB, org string, roles ...string) context.Context {
	t.Helper()
	n := seq.Add(1)
	key := fmt.Sprintf("%s-%d-%s", org, n, uuid.NewString()[:8])
	v, err := b.Accounts.Viewer(context.Background(), &auth.Identity{
		Subject: "sub-" + key, Email: key + "@example.com", OrgKey: key, OrgName: org, Roles: roles,
	})
	require.NoError(t, err)
	return tenancy.WithRequestScope(viewer.NewContext(context.Background(), v))
}

// Colleague returns a context of another user of the same organization as
// ctx's viewer.
func (b *Bundle) Colleague(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	v := viewer.FromContext(ctx)
	require.NotNil(t, v)
	cp := *v
	cp.UserID = uuid.New()
	return tenancy.WithRequestScope(viewer.NewContext(context.Background(), &cp))
}

// Fresh returns ctx's viewer in a new request scope (a new request).
func Fresh(ctx context.Context) context.Context {
	return tenancy.WithRequestScope(viewer.NewContext(context.Background(), viewer.FromContext(ctx)))
}

// Tenant returns the tenant of ctx's viewer.
func Tenant(ctx context.Context) tenancy.ID { return tenancy.ID(viewer.FromContext(ctx).TenantID) }

// OrgID returns the organization of ctx's viewer.
func OrgID(ctx context.Context) uuid.UUID { return viewer.FromContext(ctx).OrganizationID }

// SetTier moves ctx's organization to tier.
func (b *Bundle) SetTier(t testing.TB, ctx context.Context, tier tenancy.Tier) {
	t.Helper()
	require.NoError(t, b.Mover.SetTier(context.Background(), OrgID(ctx), tier))
}

// File returns the file service client of ctx's tenant.
func (b *Bundle) File(t testing.TB, ctx context.Context) *ent.Client {
	t.Helper()
	c, err := b.Router.Client(ctx, database.File)
	require.NoError(t, err)
	return c
}

// NewWorkbook returns a workbook create of a small fake file named name.
func NewWorkbook(c *ent.Client, ctx context.Context, name string) *ent.WorkbookCreate {
	sum := sha256.Sum256([]byte(name))
	return c.Workbook.Create().
		SetName(name).SetSize(int64(len(name))).SetSha256(hex.EncodeToString(sum[:])).
		SetContent([]byte(name)).SetSheets([]string{"Sheet1"}).SetFormulaCount(0).
		SetUnsupportedFunctions(map[string]int{"LAMBDA": 1}).
		SetUploadedBy(viewer.FromContext(ctx).UserID).SetCreatedAt(time.Now())
}

// CreateWorkbook stores a workbook named name for ctx's tenant.
func (b *Bundle) CreateWorkbook(t testing.TB, ctx context.Context, name string) *ent.Workbook {
	t.Helper()
	w, err := NewWorkbook(b.File(t, ctx), ctx, name).Save(ctx)
	require.NoError(t, err)
	return w
}
