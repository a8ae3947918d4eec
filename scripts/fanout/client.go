package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The benchmark's clients share the machine with the server, so they are
// as cheap as a websocket client can be: a plain TCP connection per
// subscriber, set up with blocking reads, then read by a few goroutines
// waiting on epoll instead of one goroutine per connection.

type rawConn struct {
	nc   net.Conn
	fd   int
	rest []byte // bytes read past the end of the last whole frame
	got  int    // snapshots received
	last int    // the newest snapshot's number
	gone bool   // the server closed the connection
}

func dialRaw(url string, timeout time.Duration) (*rawConn, *bufio.Reader, error) {
	host := strings.TrimPrefix(url, "http://")
	nc, err := net.DialTimeout("tcp", host, timeout)
	if err != nil {
		return nil, nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(timeout))
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	req := "GET /graphql HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		nc.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	c := &rawConn{nc: nc}
	rc, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	_ = rc.Control(func(fd uintptr) { c.fd = int(fd) })
	return c, br, nil
}

// send writes one masked text frame, as a client must.
func (c *rawConn) send(v any) error {
	p, _ := json.Marshal(v)
	b := []byte{0x81}
	switch {
	case len(p) < 126:
		b = append(b, 0x80|byte(len(p)))
	case len(p) <= 0xFFFF:
		b = binary.BigEndian.AppendUint16(append(b, 0x80|126), uint16(len(p)))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0x80|127), uint64(len(p)))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	b = append(b, mask[:]...)
	for i, x := range p {
		b = append(b, x^mask[i&3])
	}
	_, err := c.nc.Write(b)
	return err
}

// readMessage reads one whole server frame (unfragmented: the server never
// fragments) during setup.
func readMessage(br *bufio.Reader) (opcode byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return 0, nil, err
		}
		n = int(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return 0, nil, err
		}
		n = int(binary.BigEndian.Uint64(b[:]))
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(br, payload)
	return h[0] & 0x0F, payload, err
}

// nextFrame splits one whole frame off b.
func nextFrame(b []byte) (opcode byte, payload, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, b, false
	}
	n, off := int(b[1]&0x7F), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, nil, b, false
		}
		n, off = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, nil, b, false
		}
		n, off = int(binary.BigEndian.Uint64(b[2:])), 10
	}
	if len(b) < off+n {
		return 0, nil, b, false
	}
	return b[0] & 0x0F, b[off : off+n], b[off+n:], true
}

// pongFrame is {"type":"pong"} as a client frame, masked with a zero key
// (RFC 6455 allows any key) so that it is the same bytes every time.
var pongFrame = append([]byte{0x81, 0x80 | byte(len(`{"type":"pong"}`)), 0, 0, 0, 0}, `{"type":"pong"}`...)

// epollReaders read every connection's frames with a few goroutines.
type epollReaders struct {
	readers []*epollReader
	stop    chan struct{}
	wg      sync.WaitGroup
}

type epollReader struct {
	epfd      int
	mu        sync.Mutex
	conns     map[int]*rawConn
	latencies []time.Duration
}

func newEpollReaders(n int, latency func(seq int, at time.Time) time.Duration) *epollReaders {
	e := &epollReaders{stop: make(chan struct{})}
	for range n {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		check(err)
		r := &epollReader{epfd: fd, conns: map[int]*rawConn{}}
		e.readers = append(e.readers, r)
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			r.run(e.stop, latency)
		}()
	}
	return e
}

func (e *epollReaders) add(c *rawConn) {
	r := e.readers[c.fd%len(e.readers)]
	r.mu.Lock()
	r.conns[c.fd] = c
	r.mu.Unlock()
	check(syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_ADD, c.fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.fd)}))
}

// close stops the readers and returns every latency they measured.
func (e *epollReaders) close() []time.Duration {
	close(e.stop)
	e.wg.Wait()
	var all []time.Duration
	for _, r := range e.readers {
		all = append(all, r.latencies...)
		syscall.Close(r.epfd)
	}
	return all
}

func (r *epollReader) run(stop chan struct{}, latency func(seq int, at time.Time) time.Duration) {
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for {
		select {
		case <-stop:
			return
		default:
		}
		n, err := syscall.EpollWait(r.epfd, events, 100)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			check(err)
		}
		at := time.Now()
		for _, ev := range events[:n] {
			r.mu.Lock()
			c := r.conns[int(ev.Fd)]
			r.mu.Unlock()
			if c == nil {
				continue
			}
			m, err := syscall.Read(c.fd, buf)
			if err == syscall.EAGAIN {
				continue
			}
			if err != nil || m == 0 {
				_ = syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
				c.gone = true
				continue
			}
			b := buf[:m]
			if len(c.rest) > 0 {
				b = append(c.rest, b...)
				c.rest = nil
			}
			for {
				op, payload, rest, ok := nextFrame(b)
				if !ok {
					if len(rest) > 0 {
						c.rest = append([]byte(nil), rest...)
					}
					break
				}
				b = rest
				if op == 0x1 && bytes.Contains(payload, []byte(`"type":"ping"`)) {
					// graphql-transport-ws: a client that does not answer
					// the server's pings is dropped after two of them, as
					// every graphql-ws client answers.
					_, _ = syscall.Write(c.fd, pongFrame)
					continue
				}
				if op != 0x1 || !bytes.Contains(payload, []byte(`"type":"next"`)) {
					continue
				}
				c.got++
				seq := sequence(payload)
				c.last = max(c.last, seq)
				if d := latency(seq, at); d >= 0 {
					r.latencies = append(r.latencies, d)
				}
			}
		}
	}
}

// sequence finds the snapshot's number without decoding the message:
// {"id":"1","type":"next","payload":{"data":{"simulationProgress":{"iterationsDone":N}}}}
func sequence(b []byte) int {
	_, rest, ok := bytes.Cut(b, []byte(`"iterationsDone":`))
	if !ok {
		return -1
	}
	end := bytes.IndexAny(rest, ",}")
	if end <= 0 {
		return -1
	}
	seq, err := strconv.Atoi(string(rest[:end]))
	if err != nil {
		return -1
	}
	return seq
}
