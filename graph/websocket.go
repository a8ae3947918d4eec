package graph

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/simgraph/simgraph/graph/internal/wsframe"
	"github.com/simgraph/simgraph/server/apperr"
)

// Websocket close codes, as graphql-ws (the graphql-transport-ws
// reference implementation) uses them: its client stops retrying on 4401,
// 4400, 4409, 4429 and 4500.
const (
	CloseBadRequest      = 4400
	CloseUnauthorized    = 4401
	CloseForbidden       = 4403
	CloseInitTimeout     = 4408
	CloseDuplicateID     = 4409
	CloseTooManyInitReqs = 4429
	CloseInternal        = 4500
)

// CloseCodeFor is the close code a connection_init refused with code gets.
func CloseCodeFor(code apperr.Code) (int, string) {
	switch code {
	case apperr.Unauthenticated:
		return CloseUnauthorized, "Unauthorized"
	case apperr.Forbidden:
		return CloseForbidden, "Forbidden"
	}
	return CloseInternal, "Internal server error"
}

const (
	protocolTransportWS = "graphql-transport-ws"
	protocolLegacyWS    = "graphql-ws"
)

// websocketTransport serves GraphQL over websockets (graphql-transport-ws
// and the legacy graphql-ws) on its own RFC 6455 implementation, built for
// thousands of mostly idle subscribers: a connection costs one goroutine
// (its reader) and a small read buffer. Writes go through a few shared
// writers (see writerPool), a shared subscription's responses are pushed
// to it already serialised (see SharedSubscriptions), and a slow client's
// subscription keeps only its newest response, never a backlog.
type websocketTransport struct {
	log           *slog.Logger
	init          func(ctx context.Context, payload transport.InitPayload) (context.Context, error)
	maxSubs       int
	origins       []string
	initTimeout   time.Duration
	keepAlive     time.Duration // legacy "ka" messages
	pingInterval  time.Duration // graphql-transport-ws ping; no pong in twice this closes
	readLimit     int64
	writeDeadline time.Duration
}

func newWebsocketTransport(o HandlerOpts) *websocketTransport {
	return &websocketTransport{
		log: o.Log, init: o.WebsocketInit, maxSubs: o.MaxSubscriptionsPerConnection, origins: o.Origins,
		initTimeout: 10 * time.Second, keepAlive: 15 * time.Second, pingInterval: 20 * time.Second,
		readLimit: 1 << 20, writeDeadline: 10 * time.Second,
	}
}

var _ graphql.Transport = (*websocketTransport)(nil)

func (t *websocketTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

func (t *websocketTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	protocol, status, msg := t.handshake(r)
	if status != 0 {
		refuseUpgrade(w, status, msg)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		refuseUpgrade(w, http.StatusInternalServerError, "websocket: connection cannot be taken over")
		return
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		t.log.ErrorContext(r.Context(), "websocket hijack", "err", err)
		return
	}
	defer nc.Close()
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		wsframe.AcceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n"
	if protocol != "" {
		resp += "Sec-WebSocket-Protocol: " + protocol + "\r\n"
	}
	if _, err := nc.Write([]byte(resp + "\r\n")); err != nil {
		return
	}
	// The server's own 4 KiB reader is kept only if the client already
	// sent something after its request.
	br := brw.Reader
	if br.Buffered() == 0 {
		br = bufio.NewReaderSize(nc, 512)
	}
	c := newWSConn(t, nc, protocol != protocolTransportWS, exec, r)
	c.serve(br)
}

// handshake checks an upgrade request (RFC 6455 section 4.2.1) and picks
// the subprotocol; a non-zero status refuses it.
func (t *websocketTransport) handshake(r *http.Request) (protocol string, status int, msg string) {
	if r.Method != http.MethodGet {
		return "", http.StatusMethodNotAllowed, "websocket: the upgrade request must be a GET"
	}
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		return "", http.StatusUpgradeRequired, "websocket: Connection: Upgrade and Upgrade: websocket are required"
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		return "", http.StatusBadRequest, "websocket: only version 13 is supported"
	}
	if r.Header.Get("Sec-WebSocket-Key") == "" {
		return "", http.StatusBadRequest, "websocket: Sec-WebSocket-Key is missing"
	}
	if !originAllowed(r, t.origins) {
		return "", http.StatusForbidden, "websocket: origin not allowed"
	}
	for _, p := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(p, ",") {
			switch p = strings.TrimSpace(p); p {
			case protocolTransportWS, protocolLegacyWS:
				return p, 0, ""
			}
		}
	}
	return "", 0, "" // no subprotocol: the legacy protocol, as gqlgen serves it
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// originAllowed admits requests without an Origin (not from a browser),
// from the server's own host, or from a host matching one of patterns.
func originAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range patterns {
		if p == "*" {
			return true
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(u.Host)); ok {
			return true
		}
	}
	return false
}

func refuseUpgrade(w http.ResponseWriter, status int, msg string) {
	code := apperr.BadUserInput
	if status == http.StatusForbidden {
		code = apperr.Forbidden
	} else if status >= 500 {
		code = apperr.Internal
	}
	if status == http.StatusUpgradeRequired || status == http.StatusBadRequest {
		w.Header().Set("Sec-WebSocket-Version", "13")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{
		map[string]any{"message": msg, "extensions": map[string]any{"code": string(code)}},
	}})
}

// wsConn is one websocket. Only its reader goroutine reads; writes are
// queued (out) and written by the connection's writer shard, or, while the
// client does not keep up, by a goroutine of its own (stalled).
type wsConn struct {
	t       *websocketTransport
	nc      net.Conn
	raw     syscall.RawConn // nil: writes may block, so never on a shared writer
	legacy  bool
	exec    graphql.GraphExecutor
	headers http.Header
	shard   *writerShard

	ctx    context.Context // the connection's; after init, the authenticated one
	cancel context.CancelFunc
	inited atomic.Bool
	seq    uint32 // the sweeper's shard

	lastSeen   atomic.Int64 // unix nanoseconds of the client's last frame
	nextBeatAt time.Time    // keepalive sweeper only

	mu      sync.Mutex
	subs    map[string]*wsSub
	out     []outItem
	queued  bool // on its shard's queue
	stalled bool // a goroutine is finishing a write the socket would not take
	closing bool // a close frame is queued: nothing more is sent
	gone    bool // the socket is closed
}

// outItem is a queued frame, or a subscription whose newest response is
// encoded when it is written.
type outItem struct {
	frame []byte
	sub   *wsSub
	close bool // frame is a close frame: the last one
}

func newWSConn(t *websocketTransport, nc net.Conn, legacy bool, exec graphql.GraphExecutor, r *http.Request) *wsConn {
	c := &wsConn{t: t, nc: nc, legacy: legacy, exec: exec, headers: r.Header}
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	c.ctx, c.cancel = context.WithCancel(context.WithValue(r.Context(), socketConnKey{}, c))
	c.lastSeen.Store(time.Now().UnixNano())
	c.shard = writers.pick()
	return c
}

type socketConnKey struct{}

// serve reads until the connection ends; the sweeper keeps it alive, and
// a cancelled request context (server shutdown) closes it normally.
func (c *wsConn) serve(br *bufio.Reader) {
	sweeper.add(c)
	defer sweeper.remove(c)
	defer c.finish()
	stop := context.AfterFunc(c.ctx, func() { c.closeWith(wsframe.CloseNormal, "terminated") })
	defer stop()
	_ = c.nc.SetReadDeadline(time.Now().Add(c.t.initTimeout))
	for {
		m, err := wsframe.ReadMessage(br, c.t.readLimit, c.control)
		if err != nil {
			var pe *wsframe.ProtocolError
			var ne net.Error
			switch {
			case errors.As(err, &pe):
				c.closeWith(pe.Code, pe.Reason)
			case !c.inited.Load() && errors.As(err, &ne) && ne.Timeout() && !c.isClosing():
				c.closeWith(CloseInitTimeout, "Connection initialisation timeout")
			}
			return
		}
		c.lastSeen.Store(time.Now().UnixNano())
		if m.Opcode != wsframe.OpText {
			c.closeWith(wsframe.CloseUnsupportedData, "binary messages are not supported")
			return
		}
		if !c.handle(m.Payload) {
			return
		}
	}
}

// control answers a ping and a close frame met between messages.
func (c *wsConn) control(f wsframe.Frame) error {
	c.lastSeen.Store(time.Now().UnixNano())
	switch f.Opcode {
	case wsframe.OpPing:
		c.send(wsframe.AppendFrame(nil, wsframe.OpPong, f.Payload))
	case wsframe.OpClose:
		code, _, err := wsframe.ParseClose(f.Payload)
		if err != nil {
			return err
		}
		if code == wsframe.CloseNoStatus {
			code = wsframe.CloseNormal
		}
		c.closeWith(code, "")
		return errClosedByPeer
	}
	return nil
}

var errClosedByPeer = errors.New("websocket: closed by the peer")

type wsMessage struct {
	ID      *string         `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// handle acts on one client message; false ends the connection.
func (c *wsConn) handle(b []byte) bool {
	var m wsMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return c.protocolError("invalid json")
	}
	id := ""
	if m.ID != nil {
		id = *m.ID
	}
	switch {
	case m.Type == "connection_init":
		if c.inited.Load() {
			if c.legacy {
				return c.protocolError("unexpected message connection_init")
			}
			c.closeWith(CloseTooManyInitReqs, "Too many initialisation requests")
			return false
		}
		return c.initialise(m.Payload)
	case !c.legacy && m.Type == "ping":
		c.sendMessage("pong", nil, m.Payload)
	case !c.legacy && m.Type == "pong":
	case !c.inited.Load():
		if c.legacy {
			return c.protocolError("unexpected message " + m.Type)
		}
		c.closeWith(CloseUnauthorized, "Unauthorized")
		return false
	case (!c.legacy && m.Type == "subscribe") || (c.legacy && m.Type == "start"):
		if m.ID == nil || id == "" {
			return c.protocolError("subscribe message without an id")
		}
		return c.subscribe(id, m.Payload)
	case (!c.legacy && m.Type == "complete") || (c.legacy && m.Type == "stop"):
		c.stop(id)
	case c.legacy && m.Type == "connection_terminate":
		c.closeWith(wsframe.CloseNormal, "terminated")
		return false
	default:
		return c.protocolError("unexpected message " + m.Type)
	}
	return true
}

// protocolError ends the connection over a malformed or unexpected
// message: graphql-transport-ws closes with 4400, the legacy protocol says
// why in a connection_error first.
func (c *wsConn) protocolError(reason string) bool {
	if c.legacy {
		c.sendConnectionError(&gqlerror.Error{Message: reason, Extensions: map[string]any{"code": string(apperr.BadUserInput)}})
		c.closeWith(wsframe.CloseProtocolError, reason)
		return false
	}
	c.closeWith(CloseBadRequest, reason)
	return false
}

func (c *wsConn) initialise(raw json.RawMessage) bool {
	payload := transport.InitPayload{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &payload); err != nil {
			return c.protocolError("connection_init payload is not an object")
		}
	}
	authed := c.ctx
	if c.t.init != nil {
		var err error
		authed, err = c.t.init(c.ctx, payload)
		if err != nil {
			code := apperr.CodeOf(err)
			closeCode, reason := CloseCodeFor(code)
			if code == apperr.Internal {
				c.t.log.ErrorContext(c.ctx, "websocket connection_init", "err", err)
			} else {
				c.t.log.InfoContext(c.ctx, "websocket connection refused", "code", code, "err", err)
			}
			msg := apperr.MessageOf(err)
			c.sendConnectionError(&gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}})
			// graphql-transport-ws has only the close frame to say why:
			// its reason tells no token from a refused one.
			c.closeWith(closeCode, reason+": "+msg)
			return false
		}
	}
	c.ctx = withSubscriptionCap(authed, c.t.maxSubs)
	c.inited.Store(true)
	// A socket does not outlive its credentials: an expired token closes
	// it as a refused one would, a revoked one too.
	context.AfterFunc(authed, func() {
		cause := context.Cause(authed)
		switch {
		case errors.Is(cause, context.DeadlineExceeded):
			c.closeWith(CloseUnauthorized, "Unauthorized: token expired")
		case apperr.CodeOf(cause) == apperr.Unauthenticated:
			// The credentials were withdrawn (a revoked API key): said
			// as a refused connection_init would say it.
			c.sendConnectionError(&gqlerror.Error{Message: apperr.MessageOf(cause), Extensions: map[string]any{"code": string(apperr.Unauthenticated)}})
			c.closeWith(CloseUnauthorized, "Unauthorized")
		default:
			c.closeWith(wsframe.CloseNormal, "terminated")
		}
	})
	_ = c.nc.SetReadDeadline(time.Time{})
	c.sendMessage("connection_ack", nil, nil)
	if c.legacy {
		c.sendMessage("ka", nil, nil)
	}
	return true
}

func (c *wsConn) sendConnectionError(e *gqlerror.Error) {
	if !c.legacy {
		return // graphql-transport-ws says it with the close code alone
	}
	b, _ := json.Marshal(e)
	c.sendMessage("connection_error", nil, b)
}

// sendMessage queues a protocol message.
func (c *wsConn) sendMessage(typ string, id *string, payload []byte) {
	c.send(wsframe.AppendFrame(nil, wsframe.OpText, envelope(typ, id, payload)))
}

func envelope(typ string, id *string, payload []byte) []byte {
	b := append(make([]byte, 0, 48+len(payload)), `{"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if id != nil {
		b = append(b, `,"id":`...)
		b, _ = appendJSONString(b, *id)
	}
	if len(payload) > 0 {
		b = append(b, `,"payload":`...)
		b = append(b, payload...)
	}
	return append(b, '}')
}

func appendJSONString(b []byte, s string) ([]byte, error) {
	q, err := json.Marshal(s)
	return append(b, q...), err
}

func (c *wsConn) send(frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.out = append(c.out, outItem{frame: frame})
	c.schedule()
}

// schedule puts the connection on its writer's queue. c.mu is held.
func (c *wsConn) schedule() {
	if c.queued || c.stalled || c.gone {
		return
	}
	c.queued = true
	c.shard.push(c)
}

func (c *wsConn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// closeWith queues a close frame, the last frame sent, and ends every
// subscription. The reader ends when the client answers or, at the
// latest, after a few seconds.
func (c *wsConn) closeWith(code int, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.out = append(c.out, outItem{frame: wsframe.AppendFrame(nil, wsframe.OpClose, wsframe.ClosePayload(code, reason)), close: true})
	c.schedule()
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	for _, s := range subs {
		s.cancelOperation()
	}
	c.cancel()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
}

// finish releases the connection once its reader has ended.
func (c *wsConn) finish() {
	c.mu.Lock()
	wasClosing := c.closing
	c.mu.Unlock()
	if !wasClosing {
		c.closeWith(wsframe.CloseGoingAway, "")
	}
	// Give the writer a moment to send the close frame before the socket
	// goes (Do closes it when serve returns).
	for range 50 {
		c.mu.Lock()
		done := c.gone || (len(c.out) == 0 && !c.stalled && !c.queued)
		c.mu.Unlock()
		if done {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.abort()
}

// abort closes the socket without ceremony (write errors, a client gone).
func (c *wsConn) abort() {
	c.mu.Lock()
	if c.gone {
		c.mu.Unlock()
		return
	}
	c.gone = true
	c.closing = true
	c.out = nil
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	for _, s := range subs {
		s.cancelOperation()
	}
	c.cancel()
	_ = c.nc.Close()
}

// flush writes everything queued in one write: the writer shard calls it.
// It never blocks: what the socket does not take is finished by a
// goroutine of the connection's own, while newer responses replace the
// pending ones.
func (c *wsConn) flush(buf []byte) []byte {
	c.mu.Lock()
	c.queued = false
	if c.stalled || c.gone || len(c.out) == 0 {
		c.mu.Unlock()
		return buf
	}
	buf = buf[:0]
	closeAfter := false
	for i, it := range c.out {
		switch {
		case it.sub != nil:
			buf = it.sub.appendPending(buf)
		default:
			buf = append(buf, it.frame...)
			closeAfter = closeAfter || it.close
		}
		c.out[i] = outItem{}
	}
	c.out = c.out[:0]
	if cap(c.out) > 64 {
		c.out = nil
	}
	c.mu.Unlock()

	n, err := c.tryWrite(buf)
	switch {
	case err != nil:
		c.abort()
	case n < len(buf):
		c.mu.Lock()
		c.stalled = true
		c.mu.Unlock()
		go c.writeStalled(append([]byte(nil), buf[n:]...), closeAfter)
	case closeAfter:
		c.closeWrite()
	}
	if cap(buf) > 1<<20 {
		buf = nil
	}
	return buf
}

// tryWrite writes what the socket takes without waiting for it.
func (c *wsConn) tryWrite(b []byte) (int, error) {
	if c.raw == nil {
		return 0, nil
	}
	n := 0
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, err := syscall.Write(int(fd), b[n:])
			if err == syscall.EINTR {
				continue
			}
			if err == syscall.EAGAIN {
				return true
			}
			if err != nil {
				werr = err
				return true
			}
			n += m
		}
		return true
	})
	if err != nil {
		return n, err
	}
	return n, werr
}

func (c *wsConn) writeStalled(rest []byte, closeAfter bool) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.t.writeDeadline))
	_, err := c.nc.Write(rest)
	_ = c.nc.SetWriteDeadline(time.Time{})
	if err != nil {
		c.abort()
		return
	}
	if closeAfter {
		c.closeWrite()
	}
	c.mu.Lock()
	c.stalled = false
	if len(c.out) > 0 {
		c.schedule()
	}
	c.mu.Unlock()
}

// closeWrite follows the close frame: nothing more will be written.
func (c *wsConn) closeWrite() {
	if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
}

// wsSub is one subscription (or query) of a connection.
type wsSub struct {
	c      *wsConn
	id     string
	prefix []byte // the message up to its payload: {"id":…,"type":"next","payload":

	// pushed: a shared execution delivers to it; no goroutine waits on it.
	pushed atomic.Bool

	// Guarded by c.mu.
	pending  []byte // the newest response not yet written
	inQueue  bool
	done     bool
	cancel   context.CancelFunc
	written  chan struct{} // signalled when pending is written (pulled operations)
	released bool
}

func (c *wsConn) newSub(id string) *wsSub {
	s := &wsSub{c: c, id: id}
	typ := "next"
	if c.legacy {
		typ = "data"
	}
	s.prefix, _ = appendJSONString([]byte(`{"id":`), id)
	s.prefix = append(append(append(s.prefix, `,"type":"`...), typ...), `","payload":`...)
	return s
}

// appendPending appends the subscription's newest response as a frame.
// c.mu is held.
func (s *wsSub) appendPending(b []byte) []byte {
	s.inQueue = false
	p := s.pending
	s.pending = nil
	if s.written != nil {
		select {
		case s.written <- struct{}{}:
		default:
		}
	}
	if p == nil {
		return b
	}
	b = wsframe.AppendHeader(b, wsframe.OpText, len(s.prefix)+len(p)+1)
	b = append(b, s.prefix...)
	b = append(b, p...)
	return append(b, '}')
}

func (s *wsSub) attach() { s.pushed.Store(true) }

// deliver hands the subscription a serialised response, replacing one not
// yet written: a slow client gets the newest, not a backlog.
func (s *wsSub) deliver(payload []byte) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.done || c.closing {
		return
	}
	s.pending = payload
	if !s.inQueue {
		s.inQueue = true
		c.out = append(c.out, outItem{sub: s})
		c.schedule()
	}
}

// end completes the subscription after its last response: the shared
// execution, or the operation, has ended.
func (s *wsSub) end() {
	c := s.c
	c.mu.Lock()
	if s.done {
		c.mu.Unlock()
		return
	}
	s.done = true
	if c.subs[s.id] == s {
		delete(c.subs, s.id)
	}
	if !c.closing {
		id := s.id
		c.out = append(c.out, outItem{frame: wsframe.AppendFrame(nil, wsframe.OpText, envelope("complete", &id, nil))})
		c.schedule()
	}
	c.mu.Unlock()
	s.cancelOperation()
}

// fail ends the subscription with an error message.
func (s *wsSub) fail(errs gqlerror.List) {
	c := s.c
	b, _ := json.Marshal(errs)
	b = codedErrors(b)
	c.mu.Lock()
	if s.done {
		c.mu.Unlock()
		return
	}
	s.done = true
	if c.subs[s.id] == s {
		delete(c.subs, s.id)
	}
	if !c.closing {
		id := s.id
		c.out = append(c.out, outItem{frame: wsframe.AppendFrame(nil, wsframe.OpText, envelope("error", &id, b))})
		if c.legacy { // the legacy protocol completes after an error too
			c.out = append(c.out, outItem{frame: wsframe.AppendFrame(nil, wsframe.OpText, envelope("complete", &id, nil))})
		}
		c.schedule()
	}
	c.mu.Unlock()
	s.cancelOperation()
}

func (s *wsSub) cancelOperation() {
	s.c.mu.Lock()
	cancel := s.cancel
	s.released = true
	s.c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// stop is the client's complete (or legacy stop): nothing more is sent.
func (c *wsConn) stop(id string) {
	c.mu.Lock()
	s := c.subs[id]
	if s != nil {
		delete(c.subs, id)
		s.done = true
		s.pending = nil
	}
	c.mu.Unlock()
	if s != nil {
		s.cancelOperation()
	}
}

func (c *wsConn) subscribe(id string, payload json.RawMessage) bool {
	c.mu.Lock()
	if _, dup := c.subs[id]; dup {
		c.mu.Unlock()
		if c.legacy {
			return c.protocolError("subscriber for " + id + " already exists")
		}
		c.closeWith(CloseDuplicateID, "Subscriber for "+id+" already exists")
		return false
	}
	s := c.newSub(id)
	if c.subs == nil {
		c.subs = map[string]*wsSub{}
	}
	c.subs[id] = s
	c.mu.Unlock()

	start := graphql.Now()
	params := &graphql.RawParams{}
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if len(payload) == 0 || dec.Decode(params) != nil {
		s.fail(gqlerror.List{{Message: "invalid json", Extensions: map[string]any{"code": string(apperr.BadUserInput)}}})
		return true
	}
	params.Headers = c.headers
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	go c.run(s, params)
	return true
}

// run executes one operation. A shared subscription only joins its group
// here and returns: the group pushes to it from then on.
func (c *wsConn) run(s *wsSub, params *graphql.RawParams) {
	ctx := graphql.StartOperationTrace(c.ctx)
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			s.fail(resp.Errors)
			return
		}
		b, _ := json.Marshal(resp)
		s.deliver(b)
		s.end()
		return
	}
	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	c.mu.Lock()
	s.cancel = cancel
	released := s.released
	c.mu.Unlock()
	if released {
		cancel()
		return
	}
	ctx = context.WithValue(ctx, responseSinkKey{}, s)
	defer func() {
		if r := recover(); r != nil {
			err := rc.Recover(ctx, r)
			var gqlErr *gqlerror.Error
			if !errors.As(err, &gqlErr) {
				gqlErr = &gqlerror.Error{Message: "internal system error", Extensions: map[string]any{"code": string(apperr.Internal)}}
			}
			s.fail(gqlerror.List{gqlErr})
		}
	}()
	responses, rctx := c.exec.DispatchOperation(ctx, rc)
	if s.pushed.Load() {
		return
	}
	s.written = make(chan struct{}, 1)
	for {
		resp := responses(rctx)
		if resp == nil {
			break
		}
		b, err := json.Marshal(resp)
		if err != nil {
			s.fail(gqlerror.List{{Message: "internal system error", Extensions: map[string]any{"code": string(apperr.Internal)}}})
			return
		}
		// Pulled operations keep gqlgen's back-pressure: the next response
		// waits until this one is written.
		s.deliver(b)
		select {
		case <-s.written:
		case <-ctx.Done():
		}
	}
	if c.ctx.Err() == nil {
		s.end()
	}
	cancel()
}

// codedErrors gives every error of a JSON list without a code
// BAD_USER_INPUT: gqlgen's own, about malformed operations.
func codedErrors(b []byte) []byte {
	var list []map[string]any
	if json.Unmarshal(b, &list) != nil {
		return b
	}
	for _, e := range list {
		ext, _ := e["extensions"].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			e["extensions"] = ext
		}
		if _, ok := ext["code"]; !ok {
			ext["code"] = string(apperr.BadUserInput)
		}
	}
	out, err := json.Marshal(list)
	if err != nil {
		return b
	}
	return out
}
