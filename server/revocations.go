package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// revocationChannel is the Redis channel on which a replica that revokes
// an API key tells the others, which end the key's open websockets and
// SSE streams (apikey.Service.Revoked) and forget it from their caches.
func revocationChannel(prefix string) string { return prefix + "apikey:revoked" }

// watchRevocations wires the API keys' revocations through Redis pub/sub:
// a revocation on any replica ends the key's streams on every replica
// within the message's delivery (milliseconds), not at the key's next
// authentication. The subscription lives as long as ctx.
func (a *App) watchRevocations(ctx context.Context, prefix string) error {
	channel := revocationChannel(prefix)
	ps := a.Redis.Subscribe(ctx, channel)
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return fmt.Errorf("subscribing to API key revocations: %w", err)
	}
	a.APIKeys.Announce = func(id uuid.UUID, lookup string) {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := a.Redis.Publish(pctx, channel, id.String()+" "+lookup).Err(); err != nil {
			// The other replicas still refuse the key within the key
			// cache's second; only their open streams stay.
			a.log.Error("announcing an API key revocation", "key", id, "err", err)
		}
	}
	go func() {
		defer ps.Close()
		ch := ps.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case msg, ok := <-ch:
				if !ok {
					return
				}
				ids, lookup, _ := strings.Cut(msg.Payload, " ")
				id, err := uuid.Parse(ids)
				if err != nil {
					continue
				}
				if n := a.APIKeys.Revoked(id, lookup); n > 0 {
					a.log.Info("ended a revoked API key's streams", "key", id, "streams", n)
				}
			}
		}
	}()
	return nil
}
