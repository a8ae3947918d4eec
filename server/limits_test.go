package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/servertest"
)

func aliases(n int, sel string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, sel)
	}
	b.WriteString(" }")
	return b.String()
}

// TestQueryLimitsWithDefaults runs the limits through the whole server with
// the default configuration: what a costly query is refused for, what the
// web app and GraphiQL send is answered.
func TestQueryLimitsWithDefaults(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.SQLiteConfig(t))
	require.True(t, s.Config.Introspection, "development default")
	tok := s.Token(t, auth.TokenParams{Email: "cost@example.com"})
	wb := s.UploadID(t, tok, "project-dcf.xlsx", dcfWorkbook(t))

	introspection, err := os.ReadFile("../graph/testdata/introspection.graphql")
	require.NoError(t, err)
	var schema struct {
		Schema struct {
			QueryType struct{ Name string }
		} `json:"__schema"`
	}
	s.Query(t, tok, string(introspection), nil).Decode(t, &schema)
	require.Equal(t, "Query", schema.Schema.QueryType.Name, "GraphiQL's introspection query is answered")

	const costly = `workbooks(first: 100) { edges { node { cells(sheet: "Inputs") { cells { ref value formula } } ` +
		`simulations(first: 100) { edges { node { id results { cell mean percentiles { p value } } } } } } } }`
	refused := []struct {
		name, query, reason, message string
	}{
		{"AliasedCostlyPages", aliases(62, costly), "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit of 200000"},
		{"OnePageOfWholeSheets", "{ " + costly + " }", "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit of 200000"},
		{"ManyAliases", aliases(70, "me { email }"), "ALIAS_LIMIT_EXCEEDED", "too many aliases: 70 > 50"},
		{"DeepQuery", `{ workbooks { edges { node { simulations { edges { node { workbook { simulations { edges { node { workbook { simulations { totalCount } } } } } } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED", "levels deep"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Query(t, tok, tt.query, nil)
			require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%+v", resp.Errors)
			require.Equal(t, tt.reason, resp.Errors[0].Extensions["reason"])
			require.Contains(t, resp.Errors[0].Message, tt.message)
		})
	}

	// The web app's CELLS query: a whole sheet, then a range.
	const cells = `query($id: ID!, $sheet: String!, $range: String) { workbook(id: $id) { id cells(sheet: $sheet, range: $range) { sheet range cells { ref row column value number type formula } } } }`
	var sheet struct {
		Workbook struct {
			Cells struct {
				Range string
				Cells []struct{ Ref string }
			}
		}
	}
	s.Query(t, tok, cells, map[string]any{"id": wb, "sheet": "Inputs"}).Decode(t, &sheet)
	require.NotEmpty(t, sheet.Workbook.Cells.Cells)
	s.Query(t, tok, cells, map[string]any{"id": wb, "sheet": "Inputs", "range": "A1:B3"}).Decode(t, &sheet)
	require.Equal(t, "A1:B3", sheet.Workbook.Cells.Range)
	require.NotEmpty(t, sheet.Workbook.Cells.Cells)
	require.LessOrEqual(t, len(sheet.Workbook.Cells.Cells), 6)
}

// TestQueryLimitsConfigured checks the alias and response-size limits take
// their configured values.
func TestQueryLimitsConfigured(t *testing.T) {
	t.Parallel()
	c := servertest.SQLiteConfig(t)
	c.MaxAliases = 3
	c.MaxResponseBytes = 1024
	s := servertest.Start(t, c)
	tok := s.Token(t, auth.TokenParams{Email: "tight@example.com"})
	wb := s.UploadID(t, tok, "project-dcf.xlsx", dcfWorkbook(t))

	resp := s.Query(t, tok, aliases(4, "me { email }"), nil)
	require.Equal(t, "BAD_USER_INPUT", resp.Code())
	require.Equal(t, "too many aliases: 4 > 3", resp.Errors[0].Message)
	var ok map[string]any
	s.Query(t, tok, aliases(3, "me { email }"), nil).Decode(t, &ok)

	big := `query($id: ID!) { workbook(id: $id) { cells(sheet: "Inputs") { cells { ref row column value number type formula } } } }`
	resp = s.Query(t, tok, big, map[string]any{"id": wb})
	require.Equal(t, "BAD_USER_INPUT", resp.Code(), "%+v", resp.Errors)
	require.Equal(t, "RESPONSE_TOO_LARGE", resp.Errors[0].Extensions["reason"])
	require.Contains(t, resp.Errors[0].Message, "> 1024")
	require.True(t, len(resp.Data) == 0 || string(resp.Data) == "null", "no data: %s", resp.Data)

	var small struct {
		Workbook struct {
			Cells struct{ Cells []json.RawMessage }
		}
	}
	s.Query(t, tok, `query($id: ID!) { workbook(id: $id) { cells(sheet: "Inputs", range: "A1:B2") { cells { ref } } } }`, map[string]any{"id": wb}).Decode(t, &small)
	require.NotEmpty(t, small.Workbook.Cells.Cells, "a small page is within the limit")
}
