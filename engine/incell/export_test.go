package incell

import "slices"

// FamilyNames are the distribution functions Detect knows, for tests that
// must cover each.
func FamilyNames() []string {
	var out []string
	for name := range families {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// CDFFormula is the formula a live copula cell gets.
var CDFFormula = cdfFormula
