package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/simgraph/simgraph/server/apperr"
)

// knownCodes are the extensions.code values clients can rely on.
var knownCodes = map[apperr.Code]bool{
	apperr.Unauthenticated: true, apperr.Forbidden: true, apperr.NotFound: true,
	apperr.BadUserInput: true, apperr.QuotaExceeded: true, apperr.RateLimited: true,
	apperr.Unavailable: true, apperr.Internal: true,
}

// presentError gives every error an extensions.code. Errors of the request
// itself (parse, validation, complexity, depth) are BAD_USER_INPUT with
// gqlgen's own code kept as extensions.reason; an *apperr.Error shows its
// code and message; anything else is logged and shown as INTERNAL.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if apperr.CodeOf(err) == apperr.Unavailable && apperr.IsUnavailable(err) {
			log.WarnContext(ctx, "dependency unavailable", "path", gqlErr.Path.String(), "err", err)
			err = apperr.Wrap(apperr.Unavailable, err, apperr.MessageOf(err))
		}
		if appErr, ok := errors.AsType[*apperr.Error](err); ok {
			gqlErr.Message = appErr.Message
			gqlErr.Extensions = map[string]any{"code": string(appErr.Code)}
			for k, v := range appErr.Extensions {
				gqlErr.Extensions[k] = v
			}
			if appErr.Code == apperr.Internal && appErr.Err != nil {
				log.ErrorContext(ctx, "internal error", "path", gqlErr.Path.String(), "err", appErr.Err)
			}
			return gqlErr
		}
		if code, ok := gqlErr.Extensions["code"].(string); ok {
			if knownCodes[apperr.Code(code)] {
				return gqlErr
			}
			// gqlgen's request errors: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
			// COMPLEXITY_LIMIT_EXCEEDED, ... are the client's mistake.
			gqlErr.Extensions["reason"] = code
			gqlErr.Extensions["code"] = string(apperr.BadUserInput)
			return gqlErr
		}
		var inner *gqlerror.Error
		if errors.As(err, &inner) && inner.Err == nil {
			// Errors gqlgen raised about the request itself (argument
			// coercion, introspection switched off): no cause to hide.
			gqlErr.Extensions = map[string]any{"code": string(apperr.BadUserInput)}
			return gqlErr
		}
		log.ErrorContext(ctx, "internal error", "path", gqlErr.Path.String(), "err", err)
		return &gqlerror.Error{
			Message:    "internal error",
			Path:       gqlErr.Path,
			Locations:  gqlErr.Locations,
			Extensions: map[string]any{"code": string(apperr.Internal)},
		}
	}
}

// recoverPanic turns a resolver panic into an INTERNAL error and logs it:
// bad input must never take the server down.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", p)
		return apperr.Errorf(apperr.Internal, "internal error")
	}
}
