package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/report"
)

// numberFormatField is the field that reads output cells' formats from the
// workbook: the workbook is opened only when a query selects it.
const numberFormatField = "numberFormat"

// outputFormats are the Excel format codes of cells in a workbook of the
// viewer's tenant, by cell; none when the workbook was deleted since.
func (r *Resolver) outputFormats(ctx context.Context, workbookID uuid.UUID, cells []string) (map[string]string, error) {
	wb, err := r.FileService.Content(ctx, workbookID)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return map[string]string{}, nil
	case err != nil:
		return nil, err
	}
	return report.FormatCodes(wb.Content, cells), nil
}

// selects reports whether the current field's selection set, followed
// down through path (field names), selects numberFormat.
func selects(ctx context.Context, path ...string) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
	for _, name := range path {
		var next []graphql.CollectedField
		for _, f := range fields {
			if f.Name == name {
				next = append(next, graphql.CollectFields(op, f.Selections, nil)...)
			}
		}
		fields = next
	}
	for _, f := range fields {
		if f.Name == numberFormatField {
			return true
		}
	}
	return false
}

// withFormats sets each result's number format from formats.
func withFormats(results []*model.Result, formats map[string]string) {
	for _, res := range results {
		if code, ok := formats[res.Cell]; ok {
			res.NumberFormat = &code
		}
	}
}
