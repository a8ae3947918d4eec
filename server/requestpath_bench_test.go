package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/servertest"
)

// BenchmarkRequestPath serves the queries of scripts/apilatency through the
// whole HTTP handler in process (authentication, rate limit, gqlgen, the
// resolvers and their database work), without the network, so that its CPU
// and allocation profiles show what one request costs the server.
func BenchmarkRequestPath(b *testing.B) {
	queries := []struct{ name, query string }{
		{"Bare", `{ __typename }`},
		{"TenantInfo", `{ tenantInfo { tenantId tier databaseTier dedicated organization { id name } } }`},
		{"Simulations", `{ simulations(first:20) { edges { node { id status } } } }`},
	}
	for _, backend := range servertest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			cfg := backend.Config(b)
			cfg.Quotas = false
			for _, tier := range []string{"TRIAL", "STANDARD", "PROFESSIONAL", "ENTERPRISE"} {
				cfg.RateLimits[tier] = 1 << 30
			}
			ctx := context.Background()
			app, err := server.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})))
			require.NoError(b, err)
			b.Cleanup(func() { _ = app.Close() })
			token, err := auth.Mint([]byte(cfg.JWTSecret), cfg.JWTIssuer, cfg.JWTAudience, server.ClaimNames(cfg),
				auth.TokenParams{Email: "bench@example.com", Org: "bench", TTL: time.Hour})
			require.NoError(b, err)
			for _, q := range queries {
				body, _ := json.Marshal(map[string]string{"query": q.query})
				b.Run(q.name, func(b *testing.B) {
					b.ReportAllocs()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
							req.Header.Set("Authorization", "Bearer "+token)
							req.Header.Set("Content-Type", "application/json")
							rec := httptest.NewRecorder()
							app.HTTP.ServeHTTP(rec, req)
							if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
								b.Fatalf("%d %s", rec.Code, rec.Body.String())
							}
						}
					})
				})
			}
		})
	}
}
