package wsframe

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// clientFrame encodes a frame as a client sends it: masked.
func clientFrame(fin bool, opcode byte, payload []byte, mask bool) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	b := AppendHeader(nil, 0, len(payload))
	b[0] = b0
	if mask {
		b[1] |= 0x80
		key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
		b = append(b, key[:]...)
		p := bytes.Clone(payload)
		Mask(key, p)
		return append(b, p...)
	}
	return append(b, payload...)
}

func reader(frames ...[]byte) *bufio.Reader {
	return bufio.NewReader(bytes.NewReader(bytes.Join(frames, nil)))
}

func TestAcceptKey(t *testing.T) {
	// The example of RFC 6455 section 1.3.
	require.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
}

func TestHeaderLengths(t *testing.T) {
	tests := []struct {
		n      int
		header []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{65535, []byte{0x81, 126, 0xff, 0xff}},
		{65536, append([]byte{0x81, 127}, binary.BigEndian.AppendUint64(nil, 65536)...)},
	}
	for _, tt := range tests {
		require.Equal(t, tt.header, AppendHeader(nil, OpText, tt.n), "length %d", tt.n)
		// What a server writes, a client-side reading (after masking) reads back.
		payload := bytes.Repeat([]byte("x"), tt.n)
		f, err := ReadFrame(reader(clientFrame(true, OpText, payload, true)), 1<<20)
		require.NoError(t, err)
		require.Equal(t, payload, f.Payload)
	}
}

func TestMaskIsItsOwnInverse(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	p := []byte("hello, websocket")
	q := bytes.Clone(p)
	Mask(key, q)
	require.NotEqual(t, p, q)
	Mask(key, q)
	require.Equal(t, p, q)
}

func TestReadMessage(t *testing.T) {
	ping := clientFrame(true, OpPing, []byte("hb"), true)
	tests := []struct {
		name     string
		frames   [][]byte
		limit    int64
		want     string
		controls int
		code     int // expected ProtocolError code, 0 for none
	}{
		{"Whole", [][]byte{clientFrame(true, OpText, []byte(`{"type":"ping"}`), true)}, 1024, `{"type":"ping"}`, 0, 0},
		{"Fragmented", [][]byte{clientFrame(false, OpText, []byte("hel"), true), clientFrame(false, OpContinuation, []byte("lo "), true), clientFrame(true, OpContinuation, []byte("there"), true)}, 1024, "hello there", 0, 0},
		{"PingBetweenFragments", [][]byte{clientFrame(false, OpText, []byte("a"), true), ping, clientFrame(true, OpContinuation, []byte("b"), true)}, 1024, "ab", 1, 0},
		{"Unmasked", [][]byte{clientFrame(true, OpText, []byte("x"), false)}, 1024, "", 0, CloseProtocolError},
		{"ContinuationFirst", [][]byte{clientFrame(true, OpContinuation, []byte("x"), true)}, 1024, "", 0, CloseProtocolError},
		{"NewMessageInsideFragmented", [][]byte{clientFrame(false, OpText, []byte("a"), true), clientFrame(true, OpText, []byte("b"), true)}, 1024, "", 0, CloseProtocolError},
		{"TooLong", [][]byte{clientFrame(true, OpText, bytes.Repeat([]byte("x"), 200), true)}, 100, "", 0, CloseTooBig},
		{"FragmentsTooLong", [][]byte{clientFrame(false, OpText, bytes.Repeat([]byte("x"), 60), true), clientFrame(true, OpContinuation, bytes.Repeat([]byte("x"), 60), true)}, 100, "", 0, CloseTooBig},
		{"LongControl", [][]byte{clientFrame(true, OpPing, bytes.Repeat([]byte("x"), 126), true)}, 1024, "", 0, CloseProtocolError},
		{"FragmentedControl", [][]byte{clientFrame(false, OpPing, []byte("x"), true)}, 1024, "", 0, CloseProtocolError},
		{"InvalidUTF8", [][]byte{clientFrame(true, OpText, []byte{0xff, 0xfe}, true)}, 1024, "", 0, CloseInvalidPayload},
		{"UnknownOpcode", [][]byte{clientFrame(true, 0x3, []byte("x"), true)}, 1024, "", 0, CloseProtocolError},
		{"ReservedBits", [][]byte{append([]byte{0xC1}, clientFrame(true, OpText, []byte("x"), true)[1:]...)}, 1024, "", 0, CloseProtocolError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			controls := 0
			m, err := ReadMessage(reader(tt.frames...), tt.limit, func(f Frame) error {
				require.Equal(t, byte(OpPing), f.Opcode)
				require.Equal(t, "hb", string(f.Payload))
				controls++
				return nil
			})
			if tt.code != 0 {
				var pe *ProtocolError
				require.True(t, errors.As(err, &pe), "%v", err)
				require.Equal(t, tt.code, pe.Code)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, string(m.Payload))
			require.Equal(t, byte(OpText), m.Opcode)
			require.Equal(t, tt.controls, controls)
		})
	}
}

func TestReadMessageTruncated(t *testing.T) {
	f := clientFrame(true, OpText, []byte("hello"), true)
	_, err := ReadMessage(reader(f[:len(f)-2]), 1024, func(Frame) error { return nil })
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = ReadMessage(reader(), 1024, func(Frame) error { return nil })
	require.ErrorIs(t, err, io.EOF)
}

func TestClosePayload(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		code    int
		reason  string
		errCode int
	}{
		{"Empty", nil, CloseNoStatus, "", 0},
		{"Normal", ClosePayload(CloseNormal, "bye"), CloseNormal, "bye", 0},
		{"Application", ClosePayload(4401, "Unauthorized"), 4401, "Unauthorized", 0},
		{"OneByte", []byte{3}, 0, "", CloseProtocolError},
		{"Reserved", ClosePayload(1005, "x")[:0:0], CloseNoStatus, "", 0},
		{"Invalid", binary.BigEndian.AppendUint16(nil, 1004), 0, "", CloseProtocolError},
		{"OutOfRange", binary.BigEndian.AppendUint16(nil, 5000), 0, "", CloseProtocolError},
		{"BadUTF8", append(binary.BigEndian.AppendUint16(nil, 1000), 0xff), 0, "", CloseInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, reason, err := ParseClose(tt.payload)
			if tt.errCode != 0 {
				var pe *ProtocolError
				require.True(t, errors.As(err, &pe), "%v", err)
				require.Equal(t, tt.errCode, pe.Code)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.code, code)
			require.Equal(t, tt.reason, reason)
		})
	}
}

func TestClosePayloadFitsAControlFrame(t *testing.T) {
	p := ClosePayload(4400, strings.Repeat("é", 100))
	require.LessOrEqual(t, len(p), 125)
	_, reason, err := ParseClose(p)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(strings.Repeat("é", 100), reason))
}
