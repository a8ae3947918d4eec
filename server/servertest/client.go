package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// WorkbooksDir returns ../shared/workbooks beside the repository, failing
// the test when it is missing: the reference workbooks are test data.
func WorkbooksDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	wb := filepath.Join(filepath.Dir(dir), "shared", "workbooks")
	if _, err := os.Stat(filepath.Join(wb, "project-dcf.xlsx")); err != nil {
		t.Fatalf("reference workbooks missing at %s: the tests need ../shared/workbooks beside the checkout", wb)
	}
	return wb
}

// Upload posts a file to uploadWorkbook with the GraphQL multipart request
// spec and returns the response.
func (s *Server) Upload(t testing.TB, token, filename string, content []byte) *Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadWorkbook(file: $f) { id name size sha256 formulaCount sheets { name dimension } unsupportedFunctions { name count } } }","variables":{"f":null}}`)
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	part, err := w.CreateFormFile("0", filename)
	require.NoError(t, err)
	_, _ = part.Write(content)
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return Do(t, req)
}

// UploadID uploads a file and returns the new workbook's ID.
func (s *Server) UploadID(t testing.TB, token, filename string, content []byte) string {
	t.Helper()
	var out struct {
		UploadWorkbook struct{ ID string } `json:"uploadWorkbook"`
	}
	s.Upload(t, token, filename, content).Decode(t, &out)
	return out.UploadWorkbook.ID
}

// WS is a GraphQL websocket client speaking graphql-transport-ws or the
// legacy graphql-ws.
type WS struct {
	t        testing.TB
	Conn     *websocket.Conn
	Protocol string
}

// DialWS opens a websocket to the server.
func (s *Server) DialWS(t testing.TB, protocol string) *WS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{protocol}})
	require.NoError(t, err)
	c.SetReadLimit(1 << 22)
	t.Cleanup(func() { c.CloseNow() })
	return &WS{t: t, Conn: c, Protocol: protocol}
}

// Send writes one message.
func (w *WS) Send(msg map[string]any) {
	w.t.Helper()
	b, _ := json.Marshal(msg)
	require.NoError(w.t, w.Conn.Write(context.Background(), websocket.MessageText, b))
}

// Message is a protocol message.
type Message struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// Read returns the next message other than keep-alives, or an error (a
// close, or nothing within timeout).
func (w *WS) Read(timeout time.Duration) (Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		_, b, err := w.Conn.Read(ctx)
		if err != nil {
			return Message{}, err
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			return Message{}, err
		}
		switch m.Type {
		case "ka", "ping", "pong":
			if m.Type == "ping" {
				w.Send(map[string]any{"type": "pong"})
			}
			continue
		}
		return m, nil
	}
}

// Init sends connection_init with payload and waits for the ack.
func (w *WS) Init(payload map[string]any) {
	w.t.Helper()
	w.Send(map[string]any{"type": "connection_init", "payload": payload})
	m, err := w.Read(10 * time.Second)
	require.NoError(w.t, err)
	require.Equal(w.t, "connection_ack", m.Type, "payload: %s", m.Payload)
}

// Subscribe starts an operation with id.
func (w *WS) Subscribe(id, query string, vars map[string]any) {
	start := "subscribe"
	if w.Protocol == "graphql-ws" {
		start = "start"
	}
	w.Send(map[string]any{"id": id, "type": start, "payload": map[string]any{"query": query, "variables": vars}})
}

// DataType is the message type carrying results in w's protocol.
func (w *WS) DataType() string {
	if w.Protocol == "graphql-ws" {
		return "data"
	}
	return "next"
}
