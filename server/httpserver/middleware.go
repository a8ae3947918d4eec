// Package httpserver wires simgraph's HTTP routes and middleware.
package httpserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/simgraph/simgraph/graph"
	"github.com/simgraph/simgraph/server/apperr"
)

// writeError answers with a GraphQL-shaped error body, so that clients
// handle transport-level refusals like any other error; its media type is
// the one r's client prefers (graph.ErrorContentType).
func writeError(w http.ResponseWriter, r *http.Request, status int, code apperr.Code, message string) {
	w.Header().Set("Content-Type", graph.ErrorContentType(r.Header.Get("Accept")))
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": string(code)}}},
	})
}

// recoverPanics keeps one bad request from taking the server down.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", p)
				writeError(w, r, http.StatusInternalServerError, apperr.Internal, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// cors answers preflights and sets the CORS headers for allowed origins.
func cors(origins []string, next http.Handler) http.Handler {
	any := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (any || slices.Contains(origins, origin)) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Apollo-Require-Preflight")
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Max-Age", "600")
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies; multipart uploads have their own, larger
// cap in the GraphQL transport.
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > limit {
			writeError(w, r, http.StatusRequestEntityTooLarge, apperr.BadUserInput, "request body too large")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// Authenticate is how a request's bearer token becomes a viewer.
type Authenticate func(ctx context.Context, token string) (context.Context, context.CancelFunc, error)

// authenticate puts the viewer of the Authorization header into the request
// context. No header: the request goes on anonymously (public fields such
// as health answer; graph.RequireViewer refuses any other operation with
// 401). A bad or expired token is refused outright with 401.
func authenticate(log *slog.Logger, authn Authenticate, bearer func(string) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel, err := authn(r.Context(), bearer(header))
		if err != nil {
			code := apperr.CodeOf(err)
			status := http.StatusUnauthorized
			switch code {
			case apperr.Forbidden:
				// A valid sign-in the platform refuses (an account of
				// another organization): the client is told why.
				status = http.StatusForbidden
				log.InfoContext(r.Context(), "sign-in refused", "path", r.URL.Path, "err", err)
			case apperr.Unauthenticated:
				// The reason (expired, bad signature, wrong audience...) is
				// for the log only: the client is told "invalid or expired
				// token", whatever it was.
				log.InfoContext(r.Context(), "token rejected", "path", r.URL.Path, "err", err)
			default:
				status = http.StatusInternalServerError
				log.ErrorContext(r.Context(), "authenticating request", "err", err)
			}
			writeError(w, r, status, code, apperr.MessageOf(err))
			return
		}
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
