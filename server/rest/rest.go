// Package rest serves the enterprise database API's REST endpoints that
// existing clients use (/enterprise/database/...). Each endpoint calls the
// same domain function as its GraphQL field, with the same permissions;
// bodies are JSON with the GraphQL field names, errors the GraphQL error
// shape with extensions.code and the HTTP status of the code.
package rest

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/server/account"
	"github.com/simgraph/simgraph/server/admin"
	"github.com/simgraph/simgraph/server/apperr"
)

// Prefix is where the endpoints live.
const Prefix = "/enterprise/database/"

// Deps are the domain services the endpoints call.
type Deps struct {
	Log      *slog.Logger
	Accounts *account.Service
	Admin    *admin.Service
}

// New returns the handler of every endpoint under Prefix. It expects the
// viewer in the request context (the server's authentication middleware).
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	get := func(path string, f func(r *http.Request) (any, error)) {
		mux.HandleFunc("GET "+Prefix+path, func(w http.ResponseWriter, r *http.Request) { d.reply(w, r, f) })
	}
	get("tenant-info", func(r *http.Request) (any, error) {
		info, err := d.Accounts.TenantInfo(r.Context())
		if err != nil {
			return nil, err
		}
		return tenantInfo(info), nil
	})
	get("services", func(r *http.Request) (any, error) { return d.Admin.Services(r.Context()) })
	get("metrics", func(r *http.Request) (any, error) { return d.Admin.Metrics(r.Context()) })
	get("user-data-summary", func(r *http.Request) (any, error) {
		s, err := d.Admin.UserDataSummary(r.Context())
		if err != nil {
			return nil, err
		}
		return userDataSummary(s), nil
	})
	get("health", func(r *http.Request) (any, error) { return d.Admin.Health(r.Context()), nil })
	mux.HandleFunc("POST "+Prefix+"migrate", func(w http.ResponseWriter, r *http.Request) {
		d.reply(w, r, func(r *http.Request) (any, error) {
			var in struct {
				DryRun bool `json:"dryRun"`
			}
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
				return nil, apperr.Errorf(apperr.BadUserInput, "the body must be JSON such as {\"dryRun\": true}")
			}
			return d.Admin.Migrate(r.Context(), in.DryRun)
		})
	})
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, apperr.Errorf(apperr.NotFound, "no endpoint %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func (d Deps) reply(w http.ResponseWriter, r *http.Request, f func(r *http.Request) (any, error)) {
	v, err := f(r)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Internal {
			d.Log.ErrorContext(r.Context(), "internal error", "path", r.URL.Path, "err", err)
		}
		WriteError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// Status maps an error code to its HTTP status.
func Status(code apperr.Code) int {
	switch code {
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.BadUserInput:
		return http.StatusBadRequest
	case apperr.QuotaExceeded:
		return http.StatusForbidden
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// WriteError answers err in the GraphQL error shape (message and
// extensions.code), with the HTTP status of its code.
func WriteError(w http.ResponseWriter, err error) {
	code := apperr.CodeOf(err)
	ext := map[string]any{"code": string(code)}
	for k, v := range apperr.ExtensionsOf(err) {
		ext[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(Status(code))
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": apperr.MessageOf(err), "extensions": ext}}})
}

// The JSON shapes of GraphQL types whose Go values are not shaped alike.

type organization struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TenantID string `json:"tenantId"`
	Tier     string `json:"tier"`
	Personal bool   `json:"personal"`
}

type pool struct {
	Size     int `json:"size"`
	Overflow int `json:"overflow"`
	Max      int `json:"max"`
}

func tenantInfo(t *account.TenantInfo) any {
	return struct {
		TenantID     string       `json:"tenantId"`
		Organization organization `json:"organization"`
		Tier         string       `json:"tier"`
		DatabaseTier string       `json:"databaseTier"`
		Dedicated    bool         `json:"dedicated"`
		Pool         pool         `json:"pool"`
	}{
		TenantID: string(t.TenantID),
		Organization: organization{ID: t.Organization.ID.String(), Name: t.Organization.Name, TenantID: t.Organization.TenantID,
			Tier: string(t.Organization.Tier), Personal: t.Organization.Personal},
		Tier: string(t.Tier), DatabaseTier: string(t.DatabaseTier), Dedicated: t.Dedicated(),
		Pool: pool{Size: t.Pool.Size, Overflow: t.Pool.Overflow, Max: t.Pool.Max()},
	}
}

// simulation is the Simulation fields the summary's recent list carries.
type simulation struct {
	ID          string     `json:"id"`
	Name        *string    `json:"name"`
	WorkbookID  string     `json:"workbookId"`
	Iterations  int        `json:"iterations"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"createdAt"`
	StartedAt   *time.Time `json:"startedAt"`
	CompletedAt *time.Time `json:"completedAt"`
	Error       *string    `json:"error"`
}

func simulationOf(s *ent.Simulation) simulation {
	out := simulation{ID: s.ID.String(), WorkbookID: s.WorkbookID.String(), Iterations: s.Iterations, Status: string(s.Status),
		CreatedAt: s.CreatedAt, StartedAt: s.StartedAt, CompletedAt: s.CompletedAt}
	if s.Name != "" {
		out.Name = &s.Name
	}
	if s.Error != "" {
		out.Error = &s.Error
	}
	return out
}

func userDataSummary(s *admin.UserDataSummary) any {
	recent := make([]simulation, len(s.Simulations.Recent))
	for i, sim := range s.Simulations.Recent {
		recent[i] = simulationOf(sim)
	}
	type sims struct {
		Total    int                  `json:"total"`
		ByStatus []*admin.StatusCount `json:"byStatus"`
		Recent   []simulation         `json:"recent"`
	}
	return struct {
		TenantID    string                 `json:"tenantId"`
		Simulations sims                   `json:"simulations"`
		Workbooks   *admin.WorkbookSummary `json:"workbooks"`
		Results     *admin.ResultSummary   `json:"results"`
		Usage       *admin.UsageSummary    `json:"usage"`
		Routing     *admin.RoutingSummary  `json:"routing"`
	}{s.TenantID, sims{s.Simulations.Total, s.Simulations.ByStatus, recent}, s.Workbooks, s.Results, s.Usage, s.Routing}
}
