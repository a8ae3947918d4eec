package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/simgraph/simgraph/server/apperr"
)

// AliasLimit refuses operations with more than Max aliased fields: fields
// whose alias differs from the field's name (`a: me`; `me: me` is not an
// alias), counted as they execute, so a fragment spread n times counts its
// aliases n times. Aliases are how one request repeats an expensive field
// under many names; the complexity limit prices that, this cap keeps the
// count itself small whatever each copy costs.
type AliasLimit struct{ Max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = AliasLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (AliasLimit) ExtensionName() string { return "AliasLimit" }

// Validate implements graphql.HandlerExtension.
func (a AliasLimit) Validate(graphql.ExecutableSchema) error {
	if a.Max <= 0 {
		return fmt.Errorf("alias limit must be positive")
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (a AliasLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := aliasCounter{memo: map[string]int{}, visiting: map[string]bool{}}
	if n := w.count(oc.Operation.SelectionSet); n > a.Max {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("too many aliases: %d > %d", n, a.Max),
			Extensions: map[string]any{"code": string(apperr.BadUserInput), "reason": "ALIAS_LIMIT_EXCEEDED", "limit": a.Max},
		}
	}
	return nil
}

// aliasCounter counts aliased fields; a fragment's count is taken once.
type aliasCounter struct {
	memo     map[string]int
	visiting map[string]bool
}

func (w *aliasCounter) count(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				n = satAdd(n, 1)
			}
			n = satAdd(n, w.count(s.SelectionSet))
		case *ast.InlineFragment:
			n = satAdd(n, w.count(s.SelectionSet))
		case *ast.FragmentSpread:
			if s.Definition == nil || w.visiting[s.Name] {
				continue
			}
			m, ok := w.memo[s.Name]
			if !ok {
				w.visiting[s.Name] = true
				m = w.count(s.Definition.SelectionSet)
				delete(w.visiting, s.Name)
				w.memo[s.Name] = m
			}
			n = satAdd(n, m)
		}
	}
	return n
}

func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// ResponseLimit replaces a response whose JSON would exceed Max bytes with
// an error (BAD_USER_INPUT, reason RESPONSE_TOO_LARGE) and no data. gqlgen
// builds a response completely before any byte is written, so nothing of
// the oversized one is sent; the complexity limit is what keeps it from
// being built in the first place. Each payload of a subscription or a
// deferred fragment is measured on its own.
type ResponseLimit struct {
	Max int64
	Log *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = ResponseLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (ResponseLimit) ExtensionName() string { return "ResponseLimit" }

// Validate implements graphql.HandlerExtension.
func (r ResponseLimit) Validate(graphql.ExecutableSchema) error {
	if r.Max <= 0 {
		return fmt.Errorf("response limit must be positive")
	}
	return nil
}

// InterceptResponse implements graphql.ResponseInterceptor.
func (r ResponseLimit) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	size := responseSize(resp)
	if size <= r.Max {
		return resp
	}
	msg := fmt.Sprintf("response too large: %d bytes > %d; ask for fewer fields, smaller pages or ranges", size, r.Max)
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		msg += " (the mutation itself was applied)"
	}
	if r.Log != nil {
		r.Log.WarnContext(ctx, "response too large", "bytes", size, "limit", r.Max)
	}
	return &graphql.Response{
		Errors: gqlerror.List{{
			Message:    msg,
			Extensions: map[string]any{"code": string(apperr.BadUserInput), "reason": "RESPONSE_TOO_LARGE", "limit": r.Max},
		}},
		Extensions: resp.Extensions,
	}
}

// responseSize is the length of resp's JSON encoding, to within the few
// bytes of its keys: the data is already encoded; errors and extensions
// are small and encoded to be measured.
func responseSize(resp *graphql.Response) int64 {
	size := int64(len(resp.Data)) + int64(len(resp.Label))
	for _, part := range []any{resp.Errors, resp.Extensions, resp.Path} {
		if b, err := json.Marshal(part); err == nil {
			size += int64(len(b))
		}
	}
	return size
}
