package model

import (
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/simgraph/simgraph/server/apperr"
)

// MarshalUUID writes an ent UUID as a GraphQL ID.
func MarshalUUID(id uuid.UUID) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(id.String()))
	})
}

// UnmarshalUUID reads a GraphQL ID. An ID that is not one of ours cannot
// name an object, so it is NOT_FOUND, the same answer as another tenant's.
func UnmarshalUUID(v any) (uuid.UUID, error) {
	s, ok := v.(string)
	if !ok {
		return uuid.Nil, apperr.Errorf(apperr.BadUserInput, "an ID must be a string")
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, &apperr.Error{Code: apperr.NotFound, Message: fmt.Sprintf("no object with ID %q", s), Err: err}
	}
	return id, nil
}
