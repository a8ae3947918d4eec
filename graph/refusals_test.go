package graph

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestCodedHTTP(t *testing.T) {
	tests := []struct {
		name        string
		inner       http.HandlerFunc
		status      int
		contentType string
		code        string // first error's extensions.code, "" for a body without errors
		message     string
	}{
		{"SuccessPassesThrough", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"data":{"health":{"status":"OK"}}}`))
		}, http.StatusOK, "application/json", "", ""},
		{"PlainTextError", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "unable to upgrade", http.StatusBadRequest)
		}, http.StatusBadRequest, "application/json", "BAD_USER_INPUT", "unable to upgrade"},
		{"ErrorWithoutCode", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotAcceptable)
			_, _ = w.Write([]byte(`{"errors":[{"message":"GET requests only allow query operations"}],"data":null}`))
		}, http.StatusNotAcceptable, "application/json", "BAD_USER_INPUT", "GET requests only allow query operations"},
		{"CodeKept", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"errors":[{"message":"bad","extensions":{"code":"BAD_USER_INPUT","reason":"GRAPHQL_VALIDATION_FAILED"}}]}`))
		}, http.StatusUnprocessableEntity, "application/json", "BAD_USER_INPUT", "bad"},
		{"ServerError", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}, http.StatusInternalServerError, "application/json", "INTERNAL", "Internal Server Error"},
		{"RefusalReplacesEventStream", func(w http.ResponseWriter, r *http.Request) {
			ref := r.Context().Value(refusalKey{}).(*refusal)
			ref.status = http.StatusUnauthorized
			ref.err = &gqlerror.Error{Message: SignInMessage, Extensions: map[string]any{"code": "UNAUTHENTICATED"}}
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte(":\n\n"))
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte("event: next\ndata: {}\n\n"))
		}, http.StatusUnauthorized, "application/json", "UNAUTHENTICATED", SignInMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(codedHTTP(tt.inner))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.StatusCode, "%s", body)
			require.Contains(t, resp.Header.Get("Content-Type"), tt.contentType)
			var out struct {
				Errors []struct {
					Message    string
					Extensions map[string]any
				}
			}
			require.NoError(t, json.Unmarshal(body, &out), "%s", body)
			if tt.code == "" {
				require.Empty(t, out.Errors)
				return
			}
			require.Len(t, out.Errors, 1, "%s", body)
			require.Equal(t, tt.code, out.Errors[0].Extensions["code"])
			require.Equal(t, tt.message, out.Errors[0].Message)
		})
	}
}
