package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/viewer"
)

// SignInMessage is what a request without credentials is told.
const SignInMessage = "sign in: send a bearer token in the Authorization header"

// publicRootFields answer without credentials; selecting any other root
// field needs a viewer.
var publicRootFields = map[string]bool{"health": true, "__schema": true, "__type": true, "__typename": true}

// RequireViewer refuses, before anything runs, an operation without a
// viewer that selects more than the public fields. Resolvers check the
// viewer too; refusing the whole operation up front is what lets HTTP
// answer 401 rather than 200 with UNAUTHENTICATED fields. It also refuses a
// mutation from a read-only API key (403, FORBIDDEN).
type RequireViewer struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = RequireViewer{}

func (RequireViewer) ExtensionName() string                          { return "RequireViewer" }
func (RequireViewer) Validate(schema graphql.ExecutableSchema) error { return nil }

func (RequireViewer) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if v := viewer.FromContext(ctx); v != nil && v.ReadOnly && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		// A read-only API key: refused as a whole before any resolver runs.
		err := &gqlerror.Error{Message: "this API key has the read scope only: mutations need the write scope",
			Extensions: map[string]any{"code": string(apperr.Forbidden)}}
		if r, ok := ctx.Value(refusalKey{}).(*refusal); ok {
			r.status = http.StatusForbidden
			r.err = err
		}
		return err
	}
	if viewer.FromContext(ctx) != nil || oc.Operation == nil || onlyPublic(oc.Operation.SelectionSet) {
		return nil
	}
	r, _ := ctx.Value(refusalKey{}).(*refusal)
	if r != nil && r.method == http.MethodGet && oc.Operation.Operation != ast.Query {
		// The GET transport refuses it (406, BAD_USER_INPUT) for anyone:
		// no token would make it acceptable.
		return nil
	}
	err := &gqlerror.Error{Message: SignInMessage, Extensions: map[string]any{"code": string(apperr.Unauthenticated)}}
	if r != nil {
		r.status = http.StatusUnauthorized
		r.err = err
	}
	return err
}

// onlyPublic reports whether every root field of sel, through fragments,
// is public.
func onlyPublic(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if !publicRootFields[s.Name] {
				return false
			}
		case *ast.InlineFragment:
			if !onlyPublic(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || !onlyPublic(s.Definition.SelectionSet) {
				return false
			}
		}
	}
	return true
}

// refusal is an operation refused before it ran, for the HTTP layer to
// answer with a status of its own.
type refusal struct {
	method string // of the HTTP request
	status int
	err    *gqlerror.Error
}

type refusalKey struct{}

// codedHTTP makes every HTTP refusal a GraphQL error body with
// extensions.code and a status that says what went wrong: an operation
// RequireViewer refused is answered with its status whatever the transport
// (SSE included: a JSON body instead of an event stream), and an error
// response gqlgen's transports write themselves (406 for a subscription over
// GET, 400 for an undecodable body or an unknown transport) gets the code
// its status implies. Websocket upgrades pass untouched: their refusals are
// close codes.
func codedHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		ref := &refusal{method: r.Method}
		cw := &codedWriter{ResponseWriter: w, refusal: ref, contentType: ErrorContentType(r.Header.Get("Accept"))}
		next.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), refusalKey{}, ref)))
		cw.finish()
	})
}

// codedWriter passes a successful response through as it is written and
// holds back an error response (status 400 or more) until the handler
// returns, to give its errors their codes.
type codedWriter struct {
	http.ResponseWriter
	refusal     *refusal
	contentType string // of an error body this writer writes itself
	started     bool
	held        *bytes.Buffer // non-nil: an error response being held
	status      int
	refused     bool // the refusal was answered; whatever else comes is dropped
}

func (w *codedWriter) start(status int) {
	if w.started {
		return
	}
	w.started = true
	switch {
	case w.refusal.err != nil:
		w.refused = true
		writeGraphQLErrors(w.ResponseWriter, w.contentType, w.refusal.status, gqlerror.List{w.refusal.err})
	case status >= http.StatusBadRequest:
		w.status = status
		w.held = &bytes.Buffer{}
	default:
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *codedWriter) WriteHeader(status int) { w.start(status) }

func (w *codedWriter) Write(b []byte) (int, error) {
	w.start(http.StatusOK)
	switch {
	case w.refused:
		return len(b), nil
	case w.held != nil:
		return w.held.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets SSE stream; a held or refused response has nothing to flush.
func (w *codedWriter) Flush() {
	if !w.started || w.refused || w.held != nil {
		return
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *codedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes a held error response with codes, or a refusal nothing was
// written for.
func (w *codedWriter) finish() {
	if !w.started {
		if w.refusal.err != nil {
			w.start(0)
		}
		return
	}
	if w.held == nil {
		return
	}
	code := codeForStatus(w.status)
	var body struct {
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(w.held.Bytes(), &body); err != nil || len(body.Errors) == 0 {
		// Plain text (http.Error) or some other shape: the text becomes
		// the message.
		msg := strings.TrimSpace(w.held.String())
		if msg == "" {
			msg = http.StatusText(w.status)
		}
		writeGraphQLErrors(w.ResponseWriter, w.contentType, w.status, gqlerror.List{{Message: msg, Extensions: map[string]any{"code": string(code)}}})
		return
	}
	for _, e := range body.Errors {
		ext, _ := e["extensions"].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			e["extensions"] = ext
		}
		if _, ok := ext["code"]; !ok {
			ext["code"] = string(code)
		}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", w.contentType)
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(b)
}

// codeForStatus is the extensions.code an HTTP error status implies.
func codeForStatus(status int) apperr.Code {
	switch {
	case status == http.StatusUnauthorized:
		return apperr.Unauthenticated
	case status == http.StatusForbidden:
		return apperr.Forbidden
	case status == http.StatusTooManyRequests:
		return apperr.RateLimited
	case status == http.StatusServiceUnavailable:
		return apperr.Unavailable
	case status >= http.StatusInternalServerError:
		return apperr.Internal
	}
	return apperr.BadUserInput
}

// ErrorContentType is the media type of an error body for a request with
// this Accept header, negotiated as gqlgen's transports negotiate their
// responses: application/graphql-response+json when the client lists it
// before application/json (Apollo Client does), with which clients read a
// non-2xx body as a GraphQL response; application/json otherwise.
func ErrorContentType(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "application/graphql-response+json":
			return mediaType
		case "application/json", "application/*", "*/*":
			return "application/json"
		}
	}
	return "application/json"
}

func writeGraphQLErrors(w http.ResponseWriter, contentType string, status int, errs gqlerror.List) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&graphql.Response{Errors: errs})
}
