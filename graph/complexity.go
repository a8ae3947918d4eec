package graph

import (
	"math"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/google/uuid"

	"github.com/simgraph/simgraph/ent"
	"github.com/simgraph/simgraph/ent/simulation"
	"github.com/simgraph/simgraph/graph/generated"
	"github.com/simgraph/simgraph/graph/model"
	"github.com/simgraph/simgraph/server/files"
)

// Page sizes of the paginated fields, as the services clamp them
// (files.Service.List, simulation.Service.List, ListModels and
// ModelVersions, events.Inbox.List and the Result.samples resolver).
const (
	defaultPageSize    = 20
	maxPageSize        = 100
	defaultSampleLimit = 10000
	maxSampleLimit     = 100000
)

// maxCost is where a field's cost saturates: far above any sensible limit,
// and low enough that gqlgen's saturating sums of it never overflow.
const maxCost = math.MaxInt32

// Complexity is the cost model of every field that returns a client-sized
// number of items. gqlgen's default, which every other field keeps, costs a
// field 1 plus its selection's cost, and a list as much as one element; here
// a paginated field costs 1 plus its selection's cost times the number of
// items it can return:
//
//   - connections and paged lists (workbooks, simulations, models,
//     Workbook.simulations, Model.versions, Model.simulations,
//     notifications): `first`, defaulted to 20 and
//     capped at 100 as the services do;
//   - Workbook.cells: the cells its A1 range spans, at most
//     files.MaxCellsPerPage (the resolver refuses a page with more). The used
//     range of a sheet is not known before execution (the workbook is not
//     loaded yet), so a whole sheet (no range) counts files.MaxCellsPerPage;
//   - Result.samples: `limit`, defaulted to 10,000 and capped at 100,000;
//   - compareSimulations: one selection per ID, at most 20.
//
// pageInfo and totalCount are multiplied with the edges: a conservative
// bound, and the cost stays a plain function of the arguments.
func Complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Workbooks = func(child int, first *int, _ *entgql.Cursor[uuid.UUID]) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	c.Query.Simulations = func(child int, first *int, _ *entgql.Cursor[uuid.UUID], _ *simulation.Status, _ *ent.SimulationOrder) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	// Every compared run costs its selection (results with histograms and sensitivity).
	c.Query.CompareSimulations = func(child int, ids []string, _ *string) int {
		return pageCost(child, min(len(ids), maxComparedSimulations))
	}
	c.Query.Notifications = func(child int, first *int, _ *bool) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	c.Workbook.Simulations = func(child int, first *int, _ *entgql.Cursor[uuid.UUID]) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	c.Query.Models = func(child int, first *int, _ *entgql.Cursor[uuid.UUID], _ *string) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	c.Query.AuditLog = func(child int, first *int, _ *entgql.Cursor[uuid.UUID], _ *model.AuditLogFilter) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	c.Webhook.Deliveries = func(child int, first *int) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	c.Model.Versions = func(child int, first *int, _ *entgql.Cursor[uuid.UUID]) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	c.Model.Simulations = func(child int, first *int, _ *entgql.Cursor[uuid.UUID]) int {
		return pageCost(child, pageSize(first, defaultPageSize, maxPageSize))
	}
	c.Workbook.Cells = func(child int, _ string, rng *string) int {
		return pageCost(child, cellCount(rng))
	}
	c.Result.Samples = func(child int, _ *int, limit *int) int {
		return pageCost(child, pageSize(limit, defaultSampleLimit, maxSampleLimit))
	}
	return c
}

// pageSize is the number of items a page argument asks for: def when
// absent, clamped to [0, most].
func pageSize(n *int, def, most int) int {
	if n == nil {
		return def
	}
	return min(max(*n, 0), most)
}

// cellCount is how many cells a cells(range:) page can hold.
func cellCount(rng *string) int {
	if rng == nil || strings.TrimSpace(*rng) == "" {
		return files.MaxCellsPerPage
	}
	n, ok := files.RangeCells(*rng)
	if !ok {
		// Refused by the resolver before any cell is read.
		return 1
	}
	return min(n, files.MaxCellsPerPage)
}

// pageCost is 1 + items × child, saturating at maxCost. A scalar list has
// no child cost: each item counts 1.
func pageCost(child, items int) int {
	child = max(child, 1)
	if items <= 0 {
		return 1
	}
	if child > (maxCost-1)/items {
		return maxCost
	}
	return 1 + items*child
}
