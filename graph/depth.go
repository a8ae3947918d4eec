package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DepthLimit rejects operations whose selections nest deeper than Max,
// fragments included: complexity alone lets a narrow, very deep query
// through.
//
// Introspection (__schema and __type subtrees) is not counted against Max:
// the standard introspection query (graphql-js getIntrospectionQuery, sent
// by GraphiQL and code generators) is 15 levels deep. Its own bound is the
// shape of that query instead (see checkIntrospection): a type's members are
// listed at most once on any path and ofType nests at most
// maxIntrospectionOfType deep, so an introspection subtree returns at most
// about one copy of the schema however it is written.
type DepthLimit struct{ Max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = DepthLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (DepthLimit) ExtensionName() string { return "DepthLimit" }

// Validate implements graphql.HandlerExtension.
func (d DepthLimit) Validate(graphql.ExecutableSchema) error {
	if d.Max <= 0 {
		return fmt.Errorf("depth limit must be positive")
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (d DepthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := depthWalker{memo: map[string]int{}, visiting: map[string]bool{}}
	depth := w.depth(oc.Operation.SelectionSet)
	if w.err != nil {
		return w.err
	}
	if depth > d.Max {
		return depthError(fmt.Sprintf("operation is nested %d levels deep; the limit is %d", depth, d.Max), d.Max)
	}
	return nil
}

func depthError(msg string, limit int) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    msg,
		Extensions: map[string]any{"code": "DEPTH_LIMIT_EXCEEDED", "limit": limit},
	}
}

// depthWalker measures selection depth. A fragment's depth does not depend
// on where it is spread, so it is measured once (a fragment spread many
// times, or fragments spreading each other twice over, stay linear).
type depthWalker struct {
	memo     map[string]int
	visiting map[string]bool
	intro    *introspectionWalker
	err      *gqlerror.Error
}

func (w *depthWalker) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			switch {
			case isIntrospectionRoot(s):
				if w.intro == nil {
					w.intro = &introspectionWalker{checked: map[string]map[introspectionState]bool{}, visiting: map[string]bool{}}
				}
				if err := w.intro.check(s.SelectionSet, introspectionState{}); err != nil && w.err == nil {
					w.err = err
				}
				d = 1
			case len(s.SelectionSet) > 0:
				d = 1 + w.depth(s.SelectionSet)
			default:
				d = 1
			}
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet)
		case *ast.FragmentSpread:
			// Validation rejects fragment cycles; the guard keeps this
			// function safe on its own.
			if s.Definition == nil || w.visiting[s.Name] {
				continue
			}
			if m, ok := w.memo[s.Name]; ok {
				d = m
				break
			}
			w.visiting[s.Name] = true
			d = w.depth(s.Definition.SelectionSet)
			delete(w.visiting, s.Name)
			w.memo[s.Name] = d
		}
		deepest = max(deepest, d)
	}
	return deepest
}

func isIntrospectionRoot(f *ast.Field) bool { return f.Name == "__schema" || f.Name == "__type" }

// maxIntrospectionOfType bounds ofType nesting in introspection: the
// standard query asks for 9 levels (graphql-js typeDepth), the deepest type
// of this schema ([X!]!) has 3.
const maxIntrospectionOfType = 32

// typeMemberLists are the __Type fields that list a type's members: each
// fans out by the size of a type, and reaching a type through another
// type's members and listing its members again is what makes a hostile
// introspection query grow with the schema's size to a power.
var typeMemberLists = map[string]bool{
	"fields": true, "inputFields": true, "enumValues": true, "interfaces": true, "possibleTypes": true,
}

type introspectionState struct {
	listed  bool // a type's members were listed above on this path
	ofTypes int  // ofType nesting above
}

// introspectionWalker checks the shape of introspection subtrees. The check
// depends on the path only through introspectionState, so a fragment is
// walked once per state it is spread in.
type introspectionWalker struct {
	checked  map[string]map[introspectionState]bool
	visiting map[string]bool
}

func (w *introspectionWalker) check(set ast.SelectionSet, st introspectionState) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			next := st
			if s.ObjectDefinition != nil && s.ObjectDefinition.Name == "__Type" {
				switch {
				case typeMemberLists[s.Name]:
					if st.listed {
						return depthError(fmt.Sprintf("introspection lists %s of a type reached through another type's members; "+
							"list each type's members once, as the standard introspection query does (__schema { types { fields { type { name ofType { … } } } } })", s.Name), maxIntrospectionOfType)
					}
					next.listed = true
				case s.Name == "ofType":
					next.ofTypes++
					if next.ofTypes > maxIntrospectionOfType {
						return depthError(fmt.Sprintf("introspection nests ofType more than %d levels deep", maxIntrospectionOfType), maxIntrospectionOfType)
					}
				}
			}
			if err := w.check(s.SelectionSet, next); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := w.check(s.SelectionSet, st); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || w.visiting[s.Name] {
				continue
			}
			seen := w.checked[s.Name]
			if seen == nil {
				seen = map[introspectionState]bool{}
				w.checked[s.Name] = seen
			}
			if seen[st] {
				continue
			}
			w.visiting[s.Name] = true
			err := w.check(s.Definition.SelectionSet, st)
			delete(w.visiting, s.Name)
			if err != nil {
				return err
			}
			seen[st] = true
		}
	}
	return nil
}
