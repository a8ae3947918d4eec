package graph

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/dist"
	"github.com/simgraph/simgraph/graph/model"
)

// TestDistributionTypesMatchEngine: the GraphQL enum and the engine list
// the same families in the same order.
func TestDistributionTypesMatchEngine(t *testing.T) {
	t.Parallel()
	require.Len(t, model.AllDistributionType, len(dist.Types))
	for i, typ := range model.AllDistributionType {
		require.Equal(t, string(dist.Types[i]), string(typ))
	}
}

// TestDistributionMappingKeepsEveryParameter sets every parameter of a
// DistributionInput to a distinct value and reads it back through storage
// and the output type, so a parameter added to the schema but not to the
// mapping fails here.
func TestDistributionMappingKeepsEveryParameter(t *testing.T) {
	t.Parallel()
	in := &model.DistributionInput{Type: model.DistributionTypeTrigen}
	v := reflect.ValueOf(in).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			p := reflect.New(f.Type().Elem())
			switch p.Elem().Kind() {
			case reflect.Float64:
				p.Elem().SetFloat(float64(i) + 0.5)
			case reflect.Int:
				p.Elem().SetInt(int64(i))
			}
			f.Set(p)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]float64{float64(i), float64(i) + 0.25}))
		}
	}
	out := mapDistribution(distributionOf(in))
	ov := reflect.ValueOf(out).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		got := ov.FieldByName(name)
		require.True(t, got.IsValid(), "Distribution has no field %s", name)
		require.Equal(t, v.Field(i).Interface(), got.Interface(), "field %s", name)
	}
}
