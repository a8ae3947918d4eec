// Package wsframe is the small part of RFC 6455 a GraphQL websocket server
// needs: the opening handshake's accept key, reading client frames (masked,
// possibly fragmented, with control frames in between) into whole
// messages, and encoding unmasked server frames. It has no connection
// state of its own, so a server can keep one reader per connection and
// write from wherever it likes.
package wsframe

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Opcodes (RFC 6455 section 5.2).
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

// Close status codes used by the protocol itself (RFC 6455 section 7.4.1).
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001
	CloseProtocolError   = 1002
	CloseUnsupportedData = 1003
	CloseNoStatus        = 1005
	CloseInvalidPayload  = 1007
	CloseTooBig          = 1009
)

const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptKey is the Sec-WebSocket-Accept value for a client's
// Sec-WebSocket-Key.
func AcceptKey(key string) string {
	h := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// ProtocolError is a violation of RFC 6455 by the peer; Code is the close
// status to answer it with.
type ProtocolError struct {
	Code   int
	Reason string
}

func (e *ProtocolError) Error() string { return fmt.Sprintf("websocket: %s (%d)", e.Reason, e.Code) }

func protocolError(code int, format string, args ...any) error {
	return &ProtocolError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Frame is one frame as read: Payload is unmasked.
type Frame struct {
	Fin     bool
	Opcode  byte
	Payload []byte
}

// ReadFrame reads one frame from a client. Client frames must be masked
// (server frames never are); payloads longer than limit, and control
// frames longer than 125 bytes, are refused.
func ReadFrame(r *bufio.Reader, limit int64) (Frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Frame{}, err
	}
	f := Frame{Fin: h[0]&0x80 != 0, Opcode: h[0] & 0x0F}
	if h[0]&0x70 != 0 {
		return Frame{}, protocolError(CloseProtocolError, "reserved bits set without a negotiated extension")
	}
	if h[1]&0x80 == 0 {
		return Frame{}, protocolError(CloseProtocolError, "client frame not masked")
	}
	n := int64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Frame{}, unexpected(err)
		}
		n = int64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Frame{}, unexpected(err)
		}
		u := binary.BigEndian.Uint64(b[:])
		if u > 1<<62 {
			return Frame{}, protocolError(CloseTooBig, "frame too large")
		}
		n = int64(u)
	}
	switch f.Opcode {
	case OpClose, OpPing, OpPong:
		if n > 125 || !f.Fin {
			return Frame{}, protocolError(CloseProtocolError, "control frame fragmented or longer than 125 bytes")
		}
	case OpContinuation, OpText, OpBinary:
		if n > limit {
			return Frame{}, protocolError(CloseTooBig, "message longer than %d bytes", limit)
		}
	default:
		return Frame{}, protocolError(CloseProtocolError, "unknown opcode %#x", f.Opcode)
	}
	var mask [4]byte
	if _, err := io.ReadFull(r, mask[:]); err != nil {
		return Frame{}, unexpected(err)
	}
	f.Payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		return Frame{}, unexpected(err)
	}
	Mask(mask, f.Payload)
	return f, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Mask applies (or removes: it is its own inverse) a frame's masking key.
func Mask(key [4]byte, b []byte) {
	for i := range b {
		b[i] ^= key[i&3]
	}
}

// Message is a whole data message.
type Message struct {
	Opcode  byte // OpText or OpBinary
	Payload []byte
}

// Control is what a reader met between data frames and must answer: a
// ping (answer with a pong carrying its payload) or a close.
type Control func(f Frame) error

// ReadMessage reads frames until a whole data message has arrived,
// reassembling fragments and handing control frames to control as they
// come. A text message must be valid UTF-8; the message, fragments
// included, may not exceed limit bytes.
func ReadMessage(r *bufio.Reader, limit int64, control Control) (Message, error) {
	var m Message
	started := false
	for {
		f, err := ReadFrame(r, limit)
		if err != nil {
			return Message{}, err
		}
		switch f.Opcode {
		case OpClose, OpPing, OpPong:
			if err := control(f); err != nil {
				return Message{}, err
			}
			continue
		case OpContinuation:
			if !started {
				return Message{}, protocolError(CloseProtocolError, "continuation frame without a message")
			}
			if int64(len(m.Payload)+len(f.Payload)) > limit {
				return Message{}, protocolError(CloseTooBig, "message longer than %d bytes", limit)
			}
			m.Payload = append(m.Payload, f.Payload...)
		default: // text or binary
			if started {
				return Message{}, protocolError(CloseProtocolError, "new message before the previous one ended")
			}
			started = true
			m = Message{Opcode: f.Opcode, Payload: f.Payload}
		}
		if f.Fin {
			if m.Opcode == OpText && !utf8.Valid(m.Payload) {
				return Message{}, protocolError(CloseInvalidPayload, "text message is not UTF-8")
			}
			return m, nil
		}
	}
}

// AppendHeader appends the header of an unmasked, final server frame with
// opcode and a payload of n bytes.
func AppendHeader(b []byte, opcode byte, n int) []byte {
	b = append(b, 0x80|opcode)
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

// AppendFrame appends a whole unmasked server frame.
func AppendFrame(b []byte, opcode byte, payload []byte) []byte {
	return append(AppendHeader(b, opcode, len(payload)), payload...)
}

// ClosePayload is a close frame's payload: the status code and a reason,
// cut to fit the 125 bytes of a control frame without splitting a rune.
func ClosePayload(code int, reason string) []byte {
	if code == CloseNoStatus {
		return nil
	}
	max := 123
	for len(reason) > max {
		reason = reason[:max]
		for len(reason) > 0 && !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// ParseClose reads a close frame's payload. An empty one is CloseNoStatus.
func ParseClose(p []byte) (code int, reason string, err error) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, "", nil
	case len(p) == 1:
		return 0, "", protocolError(CloseProtocolError, "close payload of one byte")
	}
	code = int(binary.BigEndian.Uint16(p))
	if !validCloseCode(code) {
		return 0, "", protocolError(CloseProtocolError, "invalid close code %d", code)
	}
	if !utf8.Valid(p[2:]) {
		return 0, "", protocolError(CloseInvalidPayload, "close reason is not UTF-8")
	}
	return code, string(p[2:]), nil
}

// validCloseCode reports whether a peer may send code (RFC 6455 section
// 7.4): the defined codes, and 3000–4999 for libraries and applications.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
