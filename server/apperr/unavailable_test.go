package apperr_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/simgraph/simgraph/server/apperr"
)

func TestUnavailableCauses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		code    apperr.Code
		message string
	}{
		{"server shutting down", fmt.Errorf("reading: %w", &pgconn.PgError{Code: "57P01"}), apperr.Unavailable, "a database or queue is briefly unavailable; try again"},
		{"connection exception", &pgconn.PgError{Code: "08006"}, apperr.Unavailable, "a database or queue is briefly unavailable; try again"},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, apperr.Unavailable, "a database or queue is briefly unavailable; try again"},
		{"wrapped as internal", apperr.Wrap(apperr.Internal, &pgconn.PgError{Code: "57P03"}, "storing"), apperr.Unavailable, "a database or queue is briefly unavailable; try again"},
		{"a unique violation is a bug", &pgconn.PgError{Code: "23505"}, apperr.Internal, "internal error"},
		{"a plain error", errors.New("boom"), apperr.Internal, "internal error"},
		{"a cancelled request", context.Canceled, apperr.Internal, "internal error"},
		{"an own code wins", apperr.Wrap(apperr.NotFound, &pgconn.PgError{Code: "57P01"}, "no such simulation"), apperr.NotFound, "no such simulation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := apperr.CodeOf(tc.err); got != tc.code {
				t.Errorf("CodeOf = %s, want %s", got, tc.code)
			}
			if got := apperr.MessageOf(tc.err); got != tc.message {
				t.Errorf("MessageOf = %q, want %q", got, tc.message)
			}
		})
	}
}
