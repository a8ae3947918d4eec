package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

type apiKeyGot struct {
	ID, Name, Prefix, CreatedBy string
	Scopes                      []string
	RevokedAt                   *time.Time
}

const apiKeyFields = `id name prefix scopes createdBy revokedAt`

func createAPIKey(t *testing.T, s *servertest.Server, token, name string, scopes ...string) (apiKeyGot, string) {
	t.Helper()
	var out struct {
		CreateApiKey struct {
			ApiKey apiKeyGot
			Secret string
		}
	}
	s.Query(t, token, `mutation($n: String!, $s: [ApiKeyScope!]!) { createApiKey(name: $n, scopes: $s) { apiKey { `+apiKeyFields+` } secret } }`,
		map[string]any{"n": name, "s": scopes}).Decode(t, &out)
	return out.CreateApiKey.ApiKey, out.CreateApiKey.Secret
}

// TestAPIKeys creates keys as an organization administrator and uses
// them: a write key uploads and owns what it uploads, a read key reads
// and is refused mutations, neither reaches another organization or
// manages keys, members cannot manage keys, and a revoked key is refused
// at once, on HTTP and on the websocket.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 0, false
		s := servertest.Start(t, c)
		admin := s.Token(t, auth.TokenParams{Email: "admin@keys.example", Org: "keys", Roles: []string{"ORG_ADMIN"}})
		member := s.Token(t, auth.TokenParams{Email: "member@keys.example", Org: "keys", Roles: []string{"MEMBER"}})
		stranger := s.Token(t, auth.TokenParams{Email: "admin@elsewhere.example", Org: "elsewhere", Roles: []string{"ORG_ADMIN"}})
		adminID, _ := meID(t, s, admin)

		writeKey, writeSecret := createAPIKey(t, s, admin, "ci", "WRITE")
		require.Equal(t, []string{"READ", "WRITE"}, writeKey.Scopes, "WRITE brings READ")
		require.Equal(t, adminID, writeKey.CreatedBy)
		require.True(t, strings.HasPrefix(writeSecret, writeKey.Prefix+"_"), "%s starts with %s", writeSecret, writeKey.Prefix)
		require.True(t, strings.HasPrefix(writeSecret, "sgk_"))
		readKey, readSecret := createAPIKey(t, s, admin, "dashboard", "READ")
		require.Equal(t, []string{"READ"}, readKey.Scopes)
		_, strangerSecret := createAPIKey(t, s, stranger, "theirs", "WRITE")

		var list struct{ ApiKeys []apiKeyGot }
		s.Query(t, admin, `{ apiKeys { `+apiKeyFields+` } }`, nil).Decode(t, &list)
		require.Len(t, list.ApiKeys, 2)
		require.Equal(t, "dashboard", list.ApiKeys[0].Name, "newest first")

		wb := s.UploadID(t, writeSecret, "by-key.xlsx", labelledWorkbook(t))
		var got struct{ Workbook struct{ CreatedBy string } }
		s.Query(t, readSecret, `query($id: ID!) { workbook(id: $id) { createdBy } }`, map[string]any{"id": wb}).Decode(t, &got)
		require.Equal(t, writeKey.ID, got.Workbook.CreatedBy, "a key owns what it creates")

		rename := `mutation($id: ID!) { renameWorkbook(id: $id, name: "renamed.xlsx") { id } }`
		tests := []struct {
			name  string
			token string
			op    string
			vars  map[string]any
			want  string
		}{
			{"ReadKeyReads", readSecret, `{ workbooks { totalCount } }`, nil, ""},
			{"ReadKeyMutationRefused", readSecret, rename, map[string]any{"id": wb}, "FORBIDDEN"},
			{"WriteKeyChangesItsOwn", writeSecret, rename, map[string]any{"id": wb}, ""},
			{"OtherOrganizationsKey", strangerSecret, `query($id: ID!) { workbook(id: $id) { id } }`, map[string]any{"id": wb}, "NOT_FOUND"},
			{"KeyCannotListKeys", writeSecret, `{ apiKeys { id } }`, nil, "FORBIDDEN"},
			{"KeyCannotCreateKeys", writeSecret, `mutation { createApiKey(name: "more", scopes: [WRITE]) { secret } }`, nil, "FORBIDDEN"},
			{"MemberCannotCreate", member, `mutation { createApiKey(name: "mine", scopes: [READ]) { secret } }`, nil, "FORBIDDEN"},
			{"MemberCannotList", member, `{ apiKeys { id } }`, nil, "FORBIDDEN"},
			{"MemberCannotRevoke", member, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, map[string]any{"id": readKey.ID}, "FORBIDDEN"},
			{"StrangerCannotRevoke", stranger, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, map[string]any{"id": readKey.ID}, "NOT_FOUND"},
			{"UnknownKey", "sgk_0123456789abcdef_nope", `{ workbooks { totalCount } }`, nil, "UNAUTHENTICATED"},
			{"ForgedSecret", writeKey.Prefix + "_forged", `{ workbooks { totalCount } }`, nil, "UNAUTHENTICATED"},
			{"NoScopes", admin, `mutation { createApiKey(name: "none", scopes: []) { secret } }`, nil, "BAD_USER_INPUT"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := s.Query(t, tt.token, tt.op, tt.vars)
				require.Equal(t, tt.want, resp.Code(), "%+v", resp.Errors)
			})
		}

		// An open websocket authenticated with the key, then the revocation.
		ws := s.DialWS(t, "graphql-transport-ws")
		ws.Send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + writeSecret}})
		m, err := ws.Read(10 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "connection_ack", m.Type)

		var revoked struct{ RevokeApiKey apiKeyGot }
		s.Query(t, admin, `mutation($id: ID!) { revokeApiKey(id: $id) { `+apiKeyFields+` } }`, map[string]any{"id": writeKey.ID}).Decode(t, &revoked)
		require.NotNil(t, revoked.RevokeApiKey.RevokedAt)
		require.Equal(t, "UNAUTHENTICATED", s.Query(t, writeSecret, `{ workbooks { totalCount } }`, nil).Code(), "refused at the next request")
		require.Equal(t, "", s.Query(t, readSecret, `{ workbooks { totalCount } }`, nil).Code(), "the other key still works")

		late := s.DialWS(t, "graphql-transport-ws")
		late.Send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + writeSecret}})
		status, _ := closeStatus(t, late.Conn)
		require.Equal(t, websocket.StatusCode(4401), status, "a revoked key opens no websocket")

		// Key changes are in the audit log, with the administrator as actor;
		// the key's own upload with the key.
		entries := waitAudit(t, s, admin, 7) // 2 users, 2 keys created, the upload, the rename, the revocation
		actions := map[string]string{}
		for _, e := range entries.AuditLog.Edges {
			if e.Node.ActorID != nil {
				actions[e.Node.Action+"/"+e.Node.ObjectName] = e.Node.ActorKind + ":" + *e.Node.ActorID
			}
		}
		require.Equal(t, "USER:"+adminID, actions["apikey.created/ci"])
		require.Equal(t, "USER:"+adminID, actions["apikey.revoked/ci"])
		require.Equal(t, "API_KEY:"+writeKey.ID, actions["workbook.uploaded/by-key.xlsx"])
		require.Equal(t, "API_KEY:"+writeKey.ID, actions["workbook.renamed/renamed.xlsx"])
	})
}

// TestAPIKeyQueries calls the viewer's queries with API keys: a key of the
// organization answers me (as itself), tenantInfo and workbooks like a
// member; a revoked key, a key with a forged secret and a key from another
// organization's deleted or unknown lookup ID are UNAUTHENTICATED on every
// one of them, and a READ key's mutations are FORBIDDEN.
func TestAPIKeyQueries(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers, c.Quotas = 0, false
		s := servertest.Start(t, c)
		admin := s.Token(t, auth.TokenParams{Email: "admin@keyq.example", Org: "keyq", Roles: []string{"ORG_ADMIN"}})
		stranger := s.Token(t, auth.TokenParams{Email: "admin@keyq-other.example", Org: "keyq-other", Roles: []string{"ORG_ADMIN"}})
		_, orgID := meID(t, s, admin)

		writeKey, writeSecret := createAPIKey(t, s, admin, "automation", "WRITE")
		_, readSecret := createAPIKey(t, s, admin, "reader", "READ")
		revokedKey, revokedSecret := createAPIKey(t, s, admin, "old", "WRITE")
		s.Query(t, admin, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, map[string]any{"id": revokedKey.ID}).Decode(t, &struct{}{})
		foreignKey, foreignSecret := createAPIKey(t, s, stranger, "theirs", "WRITE")
		wb := s.UploadID(t, writeSecret, "keyq.xlsx", labelledWorkbook(t))

		var me struct {
			Me struct {
				ID           string
				Organization struct{ ID string }
			}
		}
		s.Query(t, writeSecret, `{ me { id organization { id } } }`, nil).Decode(t, &me)
		require.Equal(t, writeKey.ID, me.Me.ID, "a key is its own user")
		require.Equal(t, orgID, me.Me.Organization.ID)
		var info struct{ TenantInfo struct{ TenantID string } }
		s.Query(t, readSecret, `{ tenantInfo { tenantId } }`, nil).Decode(t, &info)
		var adminInfo struct{ TenantInfo struct{ TenantID string } }
		s.Query(t, admin, `{ tenantInfo { tenantId } }`, nil).Decode(t, &adminInfo)
		require.Equal(t, adminInfo.TenantInfo.TenantID, info.TenantInfo.TenantID, "the key's tenant is its organization's")
		var foreignMe struct{ Me struct{ ID string } }
		s.Query(t, foreignSecret, `{ me { id } }`, nil).Decode(t, &foreignMe)
		require.Equal(t, foreignKey.ID, foreignMe.Me.ID)

		queries := map[string]string{
			"Me":         `{ me { id organization { id } } }`,
			"TenantInfo": `{ tenantInfo { tenantId } }`,
			"Workbooks":  `{ workbooks { totalCount } }`,
		}
		// A key whose lookup ID is the foreign key's but whose secret is
		// this organization's key's: it matches neither.
		spliced := foreignKey.Prefix + strings.TrimPrefix(writeSecret, writeKey.Prefix)
		keys := []struct {
			name, secret, want string
		}{
			{"WriteKey", writeSecret, ""},
			{"ReadKey", readSecret, ""},
			{"RevokedKey", revokedSecret, "UNAUTHENTICATED"},
			{"SplicedForeignKey", spliced, "UNAUTHENTICATED"},
			{"ForgedSecret", writeKey.Prefix + "_0000", "UNAUTHENTICATED"},
			{"UnknownLookupID", "sgk_ffffffffffffffff_secret", "UNAUTHENTICATED"},
		}
		for _, k := range keys {
			for qname, q := range queries {
				t.Run(k.name+qname, func(t *testing.T) {
					resp := s.Query(t, k.secret, q, nil)
					require.Equal(t, k.want, resp.Code(), "%+v", resp.Errors)
				})
			}
		}
		var list struct{ Workbooks struct{ TotalCount int } }
		s.Query(t, foreignSecret, `{ workbooks { totalCount } }`, nil).Decode(t, &list)
		require.Zero(t, list.Workbooks.TotalCount, "another organization's key sees none of this organization's workbooks")

		// Scopes restrict mutations: READ refuses every one, WRITE allows them.
		mutations := []struct { // in order: the WRITE key deletes the workbook last
			name, secret, op, want string
		}{
			{"ReadKeyUploads", readSecret, "", "FORBIDDEN"},
			{"ReadKeyDeletes", readSecret, `mutation($id: ID!) { deleteWorkbook(id: $id) }`, "FORBIDDEN"},
			{"WriteKeyUploads", writeSecret, "", ""},
			{"WriteKeyDeletes", writeSecret, `mutation($id: ID!) { deleteWorkbook(id: $id) }`, ""},
		}
		for _, m := range mutations {
			t.Run(m.name, func(t *testing.T) {
				if m.op == "" {
					resp := s.Upload(t, m.secret, "scoped.xlsx", labelledWorkbook(t))
					require.Equal(t, m.want, resp.Code(), "%+v", resp.Errors)
					return
				}
				resp := s.Query(t, m.secret, m.op, map[string]any{"id": wb})
				require.Equal(t, m.want, resp.Code(), "%+v", resp.Errors)
			})
		}
	})
}
