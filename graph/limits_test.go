package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/simgraph/simgraph/graph/generated"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/files"
)

// defaultConfig is the configuration with every variable at its default.
func defaultConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	require.NoError(t, err)
	return cfg
}

func defaultOpts(t *testing.T) HandlerOpts {
	cfg := defaultConfig(t)
	return HandlerOpts{
		Log:              slog.New(slog.DiscardHandler),
		MaxDepth:         cfg.MaxQueryDepth,
		MaxComplexity:    cfg.MaxComplexity,
		MaxAliases:       cfg.MaxAliases,
		MaxResponseBytes: cfg.MaxResponseBytes,
		MaxUploadBytes:   cfg.MaxUploadBytes,
		Introspection:    true,
	}
}

// gqlResponse is a GraphQL response as a client reads it.
type gqlResponse struct {
	Status int
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

// post sends query to a handler built with o. The resolver has no
// services: every request here is answered before or without them.
func post(t *testing.T, o HandlerOpts, query string, vars map[string]any) gqlResponse {
	t.Helper()
	srv := httptest.NewServer(NewHandler(&Resolver{}, o))
	defer srv.Close()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out gqlResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	out.Status = resp.StatusCode
	return out
}

func (r gqlResponse) reason() string {
	if len(r.Errors) == 0 {
		return ""
	}
	s, _ := r.Errors[0].Extensions["reason"].(string)
	return s
}

func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	s, _ := r.Errors[0].Extensions["code"].(string)
	return s
}

var schema = generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}, Complexity: Complexity()})

// cost is the complexity gqlgen computes for query with the handler's cost
// model.
func cost(t *testing.T, query string, vars map[string]any) int {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema.Schema(), query)
	require.Empty(t, errs, "%s", query)
	require.Len(t, doc.Operations, 1)
	return complexity.Calculate(context.Background(), schema, doc.Operations[0], vars)
}

const cellsSelection = `cells(sheet: "Inputs") { cells { ref value formula } }`

// aliased repeats sel n times under the aliases a0, a1, ...
func aliased(n int, sel string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, sel)
	}
	b.WriteString(" }")
	return b.String()
}

const costlyWorkbooks = `workbooks(first: 100) { edges { node { cells(sheet: "Inputs") { cells { ref value formula } } ` +
	`simulations(first: 100) { edges { node { id results { cell mean stdDev percentiles { p value } histogram { bins { lower upper count } } } } } } } } }`

func TestComplexityCountsWhatFieldsReturn(t *testing.T) {
	one := cost(t, `query($id: ID!) { workbook(id: $id) { `+cellsSelection+` } }`, map[string]any{"id": "x"})
	page := cost(t, `{ workbooks(first: 100) { edges { node { `+cellsSelection+` } } } }`, nil)
	require.GreaterOrEqual(t, page, 100*one, "a page of 100 workbooks costs at least 100 single ones")
	require.Greater(t, one, files.MaxCellsPerPage, "a whole sheet counts the most cells a page holds")

	tests := []struct {
		name       string
		query      string
		vars       map[string]any
		equalTo    string // a query of the same cost, if set
		equalVars  map[string]any
		atLeast    int
		atMost     int
		saturating bool
	}{
		{name: "FirstDefaultsToPageSize", query: `{ workbooks { totalCount } }`, equalTo: `{ workbooks(first: 20) { totalCount } }`},
		{name: "FirstCappedAtMaxPage", query: `{ workbooks(first: 100000) { totalCount } }`, equalTo: `{ workbooks(first: 100) { totalCount } }`},
		{name: "FirstFromVariable", query: `query($n: Int) { simulations(first: $n) { totalCount } }`, vars: map[string]any{"n": 7}, equalTo: `{ simulations(first: 7) { totalCount } }`},
		{name: "NegativeFirstReturnsNothing", query: `{ notifications(first: -5) { id } }`, atMost: 1},
		{name: "NotificationsPaged", query: `{ notifications(first: 100) { id title } }`, atLeast: 200},
		{name: "WorkbookSimulationsPaged", query: `{ workbook(id: "x") { simulations(first: 50) { edges { node { id } } } } }`, atLeast: 100},
		{name: "ModelsPaged", query: `{ models(first: 50) { edges { node { id } } } }`, atLeast: 100},
		{name: "ModelsDefaultPageSize", query: `{ models { totalCount } }`, equalTo: `{ models(first: 20) { totalCount } }`},
		{name: "ModelVersionsPaged", query: `{ model(id: "x") { versions(first: 50) { edges { node { id version } } } } }`, atLeast: 150},
		{name: "ModelSimulationsPaged", query: `{ model(id: "x") { simulations(first: 100) { edges { node { id } } } } }`, atLeast: 200},
		{name: "ModelPagesNest", query: `{ models(first: 100) { edges { node { versions(first: 100) { edges { node { id } } } } } } }`, atLeast: 100 * 100},
		{name: "RangeCountsItsCells", query: `{ workbook(id: "x") { cells(sheet: "S", range: "A1:B10") { cells { ref } } } }`, atLeast: 40, atMost: 60},
		{name: "ReversedAbsoluteRange", query: `{ workbook(id: "x") { cells(sheet: "S", range: "$B$10:A1") { cells { ref } } } }`,
			equalTo: `{ workbook(id: "x") { cells(sheet: "S", range: "A1:B10") { cells { ref } } } }`},
		{name: "HugeRangeCappedAtPage", query: `{ workbook(id: "x") { cells(sheet: "S", range: "A1:XFD1048576") { cells { ref } } } }`,
			equalTo: `{ workbook(id: "x") { cells(sheet: "S") { cells { ref } } } }`},
		{name: "SamplesCountLimit", query: `{ simulation(id: "x") { results { samples(limit: 100000) } } }`, atLeast: 100000},
		{name: "SamplesDefaultLimit", query: `{ simulation(id: "x") { results { samples } } }`, atLeast: 10000, atMost: 10010},
		{name: "NestedPagesSaturate", query: `{ workbooks(first: 100) { edges { node { simulations(first: 100) { edges { node { workbook { ` + cellsSelection + ` ` +
			`simulations(first: 100) { edges { node { results { samples(limit: 100000) } } } } } } } } } } } }`, saturating: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cost(t, tt.query, tt.vars)
			if tt.equalTo != "" {
				require.Equal(t, cost(t, tt.equalTo, tt.equalVars), c)
			}
			if tt.atLeast > 0 {
				require.GreaterOrEqual(t, c, tt.atLeast)
			}
			if tt.atMost > 0 {
				require.LessOrEqual(t, c, tt.atMost)
			}
			if tt.saturating {
				require.GreaterOrEqual(t, c, maxCost, "saturates instead of overflowing")
				require.Greater(t, cost(t, aliased(40, strings.TrimPrefix(strings.TrimSuffix(tt.query, " }"), "{ ")), nil), 0, "sums of saturated costs stay positive")
			}
		})
	}
}

func TestPageCostSaturates(t *testing.T) {
	require.Equal(t, 1, pageCost(5, 0))
	require.Equal(t, 1+3*5, pageCost(5, 3))
	require.Equal(t, 1+7, pageCost(0, 7), "a scalar list counts its items")
	require.Equal(t, maxCost, pageCost(math.MaxInt32, 100))
	require.Equal(t, maxCost, pageCost(math.MaxInt, math.MaxInt))
}

// leanWorkbooks is costlyWorkbooks with the fewest fields a client could
// ask for: pages, not fields, are what it costs.
const leanWorkbooks = `workbooks(first: 100) { edges { node { cells(sheet: "Inputs") { cells { ref value formula } } ` +
	`simulations(first: 100) { edges { node { results { mean } } } } } } }`

func TestCostlyAliasesRefused(t *testing.T) {
	o := defaultOpts(t)
	for name, sel := range map[string]string{"Costly": costlyWorkbooks, "Lean": leanWorkbooks} {
		t.Run(name, func(t *testing.T) {
			query := aliased(62, sel)
			c := cost(t, query, nil)
			require.Greater(t, c, o.MaxComplexity)
			require.Greater(t, cost(t, `{ `+sel+` }`, nil), o.MaxComplexity, "even one copy is over the limit")

			resp := post(t, o, query, nil)
			require.Equal(t, "BAD_USER_INPUT", resp.code(), "%+v", resp.Errors)
			require.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", resp.reason(), "refused for its cost before its aliases")
			require.Contains(t, resp.Errors[0].Message, fmt.Sprintf("limit of %d", o.MaxComplexity))
			require.JSONEq(t, "null", string(orNull(resp.Data)))
		})
	}
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

func TestAliasLimit(t *testing.T) {
	o := defaultOpts(t)
	require.Equal(t, 50, o.MaxAliases)
	spread := `fragment F on Query { x: __typename y: __typename } `
	tests := []struct {
		name, query string
		refused     string // message, if refused
	}{
		{"AtTheLimit", aliased(50, "__typename"), ""},
		{"OverTheLimit", aliased(51, "__typename"), "too many aliases: 51 > 50"},
		{"SameNameIsNoAlias", "{ " + strings.Repeat("__typename: __typename ", 60) + "}", ""},
		{"FragmentCountedWhereSpread", spread + "{ " + strings.Repeat("... on Query { ...F } ", 26) + "}", "too many aliases: 52 > 50"},
		{"NestedFragments", `fragment A on Query { a: __typename b: __typename c: __typename d: __typename e: __typename } ` +
			`fragment B on Query { ...A ...A ...A ...A ...A } { ...B ... on Query { ...B } ... on Query { f: __typename } }`, "too many aliases: 51 > 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, o, tt.query, nil)
			if tt.refused == "" {
				require.Empty(t, resp.Errors)
				require.Contains(t, string(resp.Data), "Query")
				return
			}
			require.Equal(t, "BAD_USER_INPUT", resp.code(), "%+v", resp.Errors)
			require.Equal(t, "ALIAS_LIMIT_EXCEEDED", resp.reason())
			require.Equal(t, tt.refused, resp.Errors[0].Message)
		})
	}
	o.MaxAliases = 5
	resp := post(t, o, aliased(6, "__typename"), nil)
	require.Equal(t, "too many aliases: 6 > 5", resp.Errors[0].Message, "the limit is the option's")
}

func TestResponseLimit(t *testing.T) {
	o := defaultOpts(t)
	const query = `{ __schema { types { name description fields { name description } } } }`
	whole := post(t, o, query, nil)
	require.Empty(t, whole.Errors)
	size := len(whole.Data)
	require.Greater(t, size, 1000)

	o.MaxResponseBytes = int64(size / 2)
	resp := post(t, o, query, nil)
	require.Equal(t, "BAD_USER_INPUT", resp.code(), "%+v", resp.Errors)
	require.Equal(t, "RESPONSE_TOO_LARGE", resp.reason())
	require.Contains(t, resp.Errors[0].Message, fmt.Sprintf("> %d", size/2))
	require.JSONEq(t, "null", string(orNull(resp.Data)), "nothing of the oversized response is sent")

	o.MaxResponseBytes = int64(size + 200)
	require.Empty(t, post(t, o, query, nil).Errors, "a response within the limit is sent whole")
}

func TestResponseSizeMeasuresJSON(t *testing.T) {
	resp := &graphql.Response{Data: json.RawMessage(`{"a":"` + strings.Repeat("x", 500) + `"}`)}
	enc, err := json.Marshal(resp)
	require.NoError(t, err)
	got := responseSize(resp)
	require.InDelta(t, len(enc), got, 20)
}

func TestIntrospectionWithDefaultLimits(t *testing.T) {
	o := defaultOpts(t)
	for _, file := range []string{"introspection.graphql", "introspection-full.graphql"} {
		t.Run(file, func(t *testing.T) {
			query, err := os.ReadFile(filepath.Join("testdata", file))
			require.NoError(t, err)
			doc, errs := gqlparser.LoadQuery(schema.Schema(), string(query))
			require.Empty(t, errs)
			require.Greater(t, plainDepth(doc.Operations[0].SelectionSet, doc), o.MaxDepth, "the standard query is deeper than the depth limit")

			resp := post(t, o, string(query), nil)
			require.Empty(t, resp.Errors)
			var data struct {
				Schema struct {
					QueryType struct{ Name string }
					Types     []struct{ Name string }
				} `json:"__schema"`
			}
			require.NoError(t, json.Unmarshal(resp.Data, &data))
			require.Equal(t, "Query", data.Schema.QueryType.Name)
			require.Greater(t, len(data.Schema.Types), 50)
		})
	}
}

// plainDepth is the nesting of a selection set, introspection included.
func plainDepth(set ast.SelectionSet, doc *ast.QueryDocument) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			d = 1 + plainDepth(s.SelectionSet, doc)
		case *ast.InlineFragment:
			d = plainDepth(s.SelectionSet, doc)
		case *ast.FragmentSpread:
			d = plainDepth(doc.Fragments.ForName(s.Name).SelectionSet, doc)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

func TestIntrospectionBounded(t *testing.T) {
	o := defaultOpts(t)
	ofTypes := func(n int) string {
		return strings.Repeat("ofType { ", n) + "name" + strings.Repeat(" }", n)
	}
	tests := []struct {
		name, query string
		refused     string // part of the message, if refused
	}{
		{"TypeByName", `{ __type(name: "Workbook") { name fields { name args { name type { name } } type { kind name ` + ofTypes(3) + ` } } } }`, ""},
		{"DeepOfTypeWithinBound", `{ __type(name: "Workbook") { fields { type { ` + ofTypes(maxIntrospectionOfType) + ` } } } }`, ""},
		{"OfTypeTooDeep", `{ __type(name: "Workbook") { fields { type { ` + ofTypes(maxIntrospectionOfType+1) + ` } } } }`, "ofType more than"},
		{"MembersOfMembers", `{ __schema { types { fields { type { ofType { fields { name } } } } } } }`, "fields of a type reached through another type's members"},
		{"MembersOfInterfaces", `{ __schema { types { interfaces { possibleTypes { name } } } } }`, "possibleTypes"},
		{"MembersThroughFragment", `fragment T on __Type { fields { type { ...U } } } fragment U on __Type { ofType { fields { name } } } { __type(name: "Query") { ...T } }`, "fields of a type reached"},
		{"MembersThroughDirectives", `{ __schema { directives { args { type { name inputFields { name } } } } } }`, ""},
		{"DepthStillCountsTheRest", `{ workbook(id: "x") { simulations { edges { node { workbook { simulations { edges { node { workbook { simulations { edges { node { id } } } } } } } } } } } } }`, "levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, o, tt.query, nil)
			if tt.refused == "" {
				require.Empty(t, resp.Errors)
				return
			}
			require.Equal(t, "BAD_USER_INPUT", resp.code(), "%+v", resp.Errors)
			require.Equal(t, "DEPTH_LIMIT_EXCEEDED", resp.reason())
			require.Contains(t, resp.Errors[0].Message, tt.refused)
		})
	}
}

// gqlTemplate finds the web app's GraphQL documents: gql`...` and
// /* GraphQL */ `...` templates, named by the constant they initialize.
var gqlTemplate = regexp.MustCompile("(?s)(?:const|let)\\s+(\\w+)\\b[^=`]*=\\s*(?:gql|/\\* GraphQL \\*/\\s*)`([^`]*)`")

var interpolation = regexp.MustCompile(`\$\{(\w+)\}`)

// webOperations parses every operation the web app (web/src and the
// playground's default query) sends, each with the fragments it uses.
func webOperations(t *testing.T) map[string]*ast.QueryDocument {
	t.Helper()
	templates := map[string]string{}
	for _, dir := range []string{"../web/src", "../web/playground"} {
		require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".ts") || strings.HasSuffix(path, ".tsx")) {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range gqlTemplate.FindAllStringSubmatch(string(src), -1) {
				templates[m[1]] = m[2]
			}
			if m := regexp.MustCompile("(?s)const DEFAULT_QUERY = `([^`]*)`").FindStringSubmatch(string(src)); m != nil {
				templates["DEFAULT_QUERY"] = m[1]
			}
			return nil
		}))
	}
	var expand func(name string, depth int) string
	expand = func(name string, depth int) string {
		require.Less(t, depth, 10, "interpolation cycle at %s", name)
		text, ok := templates[name]
		require.True(t, ok, "no GraphQL template %s", name)
		return interpolation.ReplaceAllStringFunc(text, func(m string) string {
			return expand(interpolation.FindStringSubmatch(m)[1], depth+1)
		})
	}
	ops := map[string]*ast.QueryDocument{}
	for name := range templates {
		doc, err := parser.ParseQuery(&ast.Source{Name: name, Input: expand(name, 0)})
		require.NoError(t, err, name)
		if len(doc.Operations) == 0 {
			continue // a fragment
		}
		// gql keeps one copy of a fragment interpolated twice.
		var frags ast.FragmentDefinitionList
		for _, f := range doc.Fragments {
			if frags.ForName(f.Name) == nil {
				frags = append(frags, f)
			}
		}
		doc.Fragments = frags
		errs := validator.Validate(schema.Schema(), doc)
		require.Empty(t, errs, "%s is not valid against the schema", name)
		ops[name] = doc
	}
	return ops
}

func TestWebAppOperationsWithinLimits(t *testing.T) {
	o := defaultOpts(t)
	ops := webOperations(t)
	for _, want := range []string{"ME", "WORKBOOKS", "UPLOAD_WORKBOOK", "CELLS", "SIMULATION", "SIMULATIONS", "SIMULATION_PROGRESS", "NOTIFICATIONS", "WORKBOOK_SIMULATIONS", "METRICS", "DEFAULT_QUERY"} {
		require.Contains(t, ops, want, "the web app's operations are all found")
	}
	ctx := context.Background()
	for name, doc := range ops {
		t.Run(name, func(t *testing.T) {
			require.Len(t, doc.Operations, 1)
			op := doc.Operations[0]
			// The worst the app can ask: every page at its largest, every
			// optional argument (a cells range) absent.
			vars := map[string]any{}
			for _, v := range op.VariableDefinitions {
				if v.Variable == "first" || v.Variable == "last" {
					vars[v.Variable] = maxPageSize
				}
			}
			oc := &graphql.OperationContext{Doc: doc, Operation: op, Variables: vars}
			require.Nil(t, DepthLimit{Max: o.MaxDepth}.MutateOperationContext(ctx, oc))
			require.Nil(t, AliasLimit{Max: o.MaxAliases}.MutateOperationContext(ctx, oc))
			c := complexity.Calculate(ctx, schema, op, vars)
			require.LessOrEqual(t, c, o.MaxComplexity, "%s costs %d", name, c)
			t.Logf("%s: cost %d", name, c)
		})
	}
}

// TestEveryPagedFieldPriced keeps the cost model complete: every field of
// the schema that returns a connection or takes a page size (first, last,
// limit) or a cells range has a complexity function that grows with it.
func TestEveryPagedFieldPriced(t *testing.T) {
	ctx := context.Background()
	found := 0
	for _, def := range schema.Schema().Types {
		if def.Kind != ast.Object || strings.HasPrefix(def.Name, "__") {
			continue
		}
		for _, f := range def.Fields {
			var sizeArg string
			for _, a := range f.Arguments {
				switch a.Name {
				case "first", "last", "limit", "range":
					sizeArg = a.Name
				}
			}
			connection := strings.HasSuffix(f.Type.Name(), "Connection")
			if sizeArg == "" && !connection {
				continue
			}
			found++
			require.NotEmpty(t, sizeArg, "%s.%s returns a connection without a page size argument", def.Name, f.Name)
			args := func(size any) map[string]any {
				m := map[string]any{}
				for _, a := range f.Arguments {
					if a.Type.NonNull {
						m[a.Name] = "x"
					}
				}
				m[sizeArg] = size
				return m
			}
			small, big := any(1), any(100)
			if sizeArg == "range" {
				small, big = "A1", "A1:J10"
			}
			lo, ok := schema.Complexity(ctx, def.Name, f.Name, 10, args(small))
			require.True(t, ok, "%s.%s has no complexity function (graph.Complexity)", def.Name, f.Name)
			hi, _ := schema.Complexity(ctx, def.Name, f.Name, 10, args(big))
			require.Greater(t, hi, 50*lo, "%s.%s: the cost grows with %s", def.Name, f.Name, sizeArg)
		}
	}
	require.Equal(t, 11, found, "workbooks, simulations, models, Workbook.simulations, Model.versions, Model.simulations, notifications, cells, samples, auditLog, Webhook.deliveries")
}
