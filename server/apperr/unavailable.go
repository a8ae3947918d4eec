package apperr

import (
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// unavailableMessage is what a client is told when a dependency is briefly
// out of reach: the request may be sent again as it is.
const unavailableMessage = "a database or queue is briefly unavailable; try again"

// IsUnavailable reports a cause that clears by itself: a database
// restarting or refusing connections, a connection cut, a dependency not
// answering. Such a failure is UNAVAILABLE (retryable), not INTERNAL.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down, crashed or is starting (operator intervention).
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || pgconn.SafeToRetry(err)
}
