package graph

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/simgraph/simgraph/graph/generated"
)

// HandlerOpts are the GraphQL server's limits and hooks.
type HandlerOpts struct {
	Log            *slog.Logger
	MaxDepth       int
	MaxComplexity  int
	MaxUploadBytes int64
	Introspection  bool
	// MaxAliases caps aliased fields per operation (AliasLimit),
	// MaxResponseBytes one response's JSON (ResponseLimit).
	MaxAliases       int
	MaxResponseBytes int64
	// WebsocketInit authenticates a websocket from its connection_init
	// payload; an error closes the socket with 4403.
	WebsocketInit func(ctx context.Context, payload transport.InitPayload) (context.Context, error)
	// MaxSubscriptionsPerConnection caps one websocket's concurrent
	// subscriptions.
	MaxSubscriptionsPerConnection int
	// Origins may open websockets from a browser besides the server's own
	// ("*" allows any).
	Origins []string
	// Shared executes progress subscriptions once for all their
	// subscribers (NewSharedSubscriptions when nil).
	Shared *SharedSubscriptions
}

// NewHandler returns the GraphQL HTTP handler with every transport: POST,
// GET, multipart uploads, websockets (graphql-transport-ws and the legacy
// graphql-ws, negotiated by subprotocol) and server-sent events.
func NewHandler(r *Resolver, o HandlerOpts) *handler.Server {
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: Complexity()}))
	srv.AddTransport(transport.Websocket{
		InitFunc: func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			if o.WebsocketInit == nil {
				return ctx, nil, nil
			}
			authed, err := o.WebsocketInit(ctx, payload)
			if err != nil {
				// 4403 Forbidden, as graphql-transport-ws specifies for a
				// rejected connection_init.
				return transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, 4403), "Forbidden"), nil, err
			}
			return withSubscriptionCap(authed, o.MaxSubscriptionsPerConnection), nil, nil
		},
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: 15 * time.Second,
		PingPongInterval:      20 * time.Second,
		Implementation:        websocketImplementation(o.Origins),
	})
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: o.MaxUploadBytes, MaxMemory: 32 << 20})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if o.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(NoIntrospection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	// In this order: an operation both too costly and too aliased is
	// refused for its cost.
	srv.Use(DepthLimit{Max: o.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(o.MaxComplexity))
	srv.Use(AliasLimit{Max: o.MaxAliases})
	srv.Use(ResponseLimit{Max: o.MaxResponseBytes, Log: o.Log})
	// Last: the shared execution runs every other extension once.
	shared := o.Shared
	if shared == nil {
		shared = NewSharedSubscriptions()
	}
	shared.Authorize = r.authorizeSharedSubscription
	srv.Use(shared)
	srv.SetErrorPresenter(presentError(o.Log))
	srv.SetRecoverFunc(recoverPanic(o.Log))
	return srv
}

func websocketImplementation(origins []string) transport.CoderWebsocketImplementation {
	opts := coderws.AcceptOptions{OriginPatterns: origins}
	if slices.Contains(origins, "*") {
		opts.InsecureSkipVerify = true
	}
	return transport.CoderWebsocketImplementation{AcceptOptions: opts}
}
