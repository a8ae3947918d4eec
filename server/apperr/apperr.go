// Package apperr is simgraph's one error type: a machine-readable code that
// clients see as extensions.code, and a message safe to show a user.
// Anything else that reaches a transport is INTERNAL with a generic message;
// its details go to the log only.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the value of a GraphQL error's extensions.code.
type Code string

// The codes clients can rely on.
const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	BadUserInput    Code = "BAD_USER_INPUT"
	QuotaExceeded   Code = "QUOTA_EXCEEDED"
	RateLimited     Code = "RATE_LIMITED"
	Unavailable     Code = "UNAVAILABLE" // retryable: e.g. a tenant being moved
	Internal        Code = "INTERNAL"
)

// Error is an error a user may see.
type Error struct {
	Code    Code
	Message string
	// Extensions are extra fields for extensions (e.g. the quota limit).
	Extensions map[string]any
	// Err is the cause, logged but never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a formatted user-facing message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an Error whose cause is kept for the log.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// CodeOf returns the code of the first *Error in err's chain; otherwise
// Unavailable for a cause that clears by itself (IsUnavailable), else
// Internal.
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok && e.Code != Internal {
		return e.Code
	}
	if IsUnavailable(err) {
		return Unavailable
	}
	return Internal
}

// MessageOf returns the user-facing message of err: the *Error's message, or
// a generic one for anything else, so internals never reach a client.
func MessageOf(err error) string {
	if e, ok := errors.AsType[*Error](err); ok && (e.Code != Internal || !IsUnavailable(err)) {
		return e.Message
	}
	if IsUnavailable(err) {
		return unavailableMessage
	}
	return "internal error"
}

// ExtensionsOf returns the extra extensions of err's *Error, if any.
func ExtensionsOf(err error) map[string]any {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Extensions
	}
	return nil
}
