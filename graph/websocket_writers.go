package graph

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// writerPool writes every websocket's queued frames with a few goroutines
// instead of one per connection: a connection with something to send
// joins its shard's queue once, however many responses it has pending,
// and each shard's goroutine writes a connection's whole queue in one
// system call.
type writerPool struct {
	once   sync.Once
	next   atomic.Uint32
	shards []*writerShard
}

type writerShard struct {
	mu    sync.Mutex
	queue []*wsConn
	wake  chan struct{}
}

// writers is shared by every handler in the process: its goroutines live
// as long as the process.
var writers writerPool

func (p *writerPool) pick() *writerShard {
	p.once.Do(func() {
		n := max(2, runtime.GOMAXPROCS(0))
		for range n {
			s := &writerShard{wake: make(chan struct{}, 1)}
			p.shards = append(p.shards, s)
			go s.run()
		}
	})
	return p.shards[p.next.Add(1)%uint32(len(p.shards))]
}

func (s *writerShard) push(c *wsConn) {
	s.mu.Lock()
	s.queue = append(s.queue, c)
	first := len(s.queue) == 1
	s.mu.Unlock()
	if first {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (s *writerShard) run() {
	var batch []*wsConn
	var buf []byte
	for range s.wake {
		for {
			s.mu.Lock()
			batch, s.queue = s.queue, batch[:0]
			s.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for i, c := range batch {
				buf = c.flush(buf)
				batch[i] = nil
			}
		}
		if cap(batch) > 1<<16 {
			batch = nil
		}
	}
}

// keepaliveSweeper sends every connection its keepalive (legacy "ka",
// graphql-transport-ws ping) and drops those whose client has said
// nothing, not even a pong, for two ping intervals: one goroutine and one
// ticker for all of them.
type keepaliveSweeper struct {
	once   sync.Once
	shards [64]sweepShard
	next   atomic.Uint32
}

type sweepShard struct {
	mu    sync.Mutex
	conns map[*wsConn]struct{}
}

var sweeper keepaliveSweeper

const sweepEvery = time.Second

func (k *keepaliveSweeper) add(c *wsConn) {
	k.once.Do(func() {
		for i := range k.shards {
			k.shards[i].conns = map[*wsConn]struct{}{}
		}
		go k.run()
	})
	c.seq = k.next.Add(1)
	sh := k.shard(c)
	sh.mu.Lock()
	c.nextBeatAt = time.Now().Add(c.beatInterval())
	sh.conns[c] = struct{}{}
	sh.mu.Unlock()
}

func (k *keepaliveSweeper) shard(c *wsConn) *sweepShard {
	return &k.shards[c.seq%uint32(len(k.shards))]
}

func (k *keepaliveSweeper) remove(c *wsConn) {
	sh := k.shard(c)
	sh.mu.Lock()
	delete(sh.conns, c)
	sh.mu.Unlock()
}

func (c *wsConn) beatInterval() time.Duration {
	if c.legacy {
		return c.t.keepAlive
	}
	return c.t.pingInterval
}

func (k *keepaliveSweeper) run() {
	var due, dead []*wsConn
	for now := range time.Tick(sweepEvery) {
		for i := range k.shards {
			sh := &k.shards[i]
			sh.mu.Lock()
			for c := range sh.conns {
				if !c.inited.Load() {
					continue
				}
				if !c.legacy && now.Sub(time.Unix(0, c.lastSeen.Load())) > 2*c.t.pingInterval {
					dead = append(dead, c)
					continue
				}
				if now.After(c.nextBeatAt) {
					c.nextBeatAt = now.Add(c.beatInterval())
					due = append(due, c)
				}
			}
			sh.mu.Unlock()
		}
		for _, c := range due {
			if c.legacy {
				c.sendMessage("ka", nil, nil)
			} else {
				c.sendMessage("ping", nil, nil)
			}
		}
		for _, c := range dead {
			c.abort()
		}
		clear(due)
		clear(dead)
		due, dead = due[:0], dead[:0]
	}
}
