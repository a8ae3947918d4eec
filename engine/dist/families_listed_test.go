package dist_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/dist"
)

// TestFamiliesListedEverywhere: every family of the engine (dist.Types)
// has a goodness-of-fit case (TestGoodnessOfFit: Kolmogorov–Smirnov for
// the continuous ones, chi-squared for the discrete ones), is a value of
// the GraphQL enum DistributionType, in the same order, and is offered by
// the web app's distribution form (web/src/lib/distributions.ts: its
// DistributionType union and its DISTRIBUTIONS list), and none of these
// lists names a family the engine lacks.
func TestFamiliesListedEverywhere(t *testing.T) {
	engineTypes := make([]string, len(dist.Types))
	for i, typ := range dist.Types {
		engineTypes[i] = string(typ)
	}

	fitted := map[string]bool{}
	for _, tc := range fitCases {
		fitted[string(tc.spec.Type)] = true
	}
	for _, typ := range engineTypes {
		require.Truef(t, fitted[typ], "%s has no goodness-of-fit case", typ)
	}

	read := func(path string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", path))
		require.NoError(t, err)
		return string(b)
	}
	schema := read("graph/schema/simulation.graphqls")
	enum := regexp.MustCompile(`(?s)enum DistributionType \{(.*?)\}`).FindStringSubmatch(schema)
	require.NotNil(t, enum, "enum DistributionType in the schema")
	require.Equal(t, engineTypes, strings.Fields(enum[1]), "GraphQL DistributionType")

	web := read("web/src/lib/distributions.ts")
	union := regexp.MustCompile(`(?s)export type DistributionType =(.*?);`).FindStringSubmatch(web)
	require.NotNil(t, union, "the DistributionType union in distributions.ts")
	var unionTypes []string
	for _, m := range regexp.MustCompile(`'([A-Z_]+)'`).FindAllStringSubmatch(union[1], -1) {
		unionTypes = append(unionTypes, m[1])
	}
	require.ElementsMatch(t, engineTypes, unionTypes, "the web DistributionType union")

	list := regexp.MustCompile(`(?s)export const DISTRIBUTIONS: TypeSpec\[\] = \[(.*?)\n\];`).FindStringSubmatch(web)
	require.NotNil(t, list, "DISTRIBUTIONS in distributions.ts")
	var offered []string
	for _, m := range regexp.MustCompile(`\btype: '([A-Z_]+)'`).FindAllStringSubmatch(list[1], -1) {
		offered = append(offered, m[1])
	}
	require.ElementsMatch(t, engineTypes, offered, "the web form's DISTRIBUTIONS")
}
