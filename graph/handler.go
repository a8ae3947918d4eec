package graph

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
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
	// payload; an error closes the socket with the close code of its
	// apperr code (CloseCodeFor).
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
// graphql-ws, negotiated by subprotocol) and server-sent events. Every
// refusal carries extensions.code: see codedHTTP and websocketTransport.
func NewHandler(r *Resolver, o HandlerOpts) http.Handler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: Complexity()}))
	srv.AddTransport(newWebsocketTransport(o))
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
	// After the limits: an operation no credentials would make acceptable
	// is BAD_USER_INPUT whoever sends it; only then is an anonymous one
	// refused for want of a token.
	srv.Use(RequireViewer{})
	srv.Use(ResponseLimit{Max: o.MaxResponseBytes, Log: o.Log})
	// Last: the shared execution runs every other extension once.
	shared := o.Shared
	if shared == nil {
		shared = NewSharedSubscriptions()
	}
	shared.Authorize = r.authorizeSharedSubscription
	srv.Use(shared)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withLoaders(ctx, r.SimulationService))
	})
	srv.SetErrorPresenter(presentError(o.Log))
	srv.SetRecoverFunc(recoverPanic(o.Log))
	return codedHTTP(srv)
}
