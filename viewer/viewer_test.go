package viewer_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/viewer"
)

func TestMayChange(t *testing.T) {
	t.Parallel()
	creator, colleague := uuid.New(), uuid.New()
	tests := []struct {
		name   string
		viewer *viewer.Viewer
		want   bool
	}{
		{"Creator", &viewer.Viewer{UserID: creator, Roles: []viewer.Role{viewer.Member}}, true},
		{"CreatorWithoutRoles", &viewer.Viewer{UserID: creator}, true},
		{"OtherMember", &viewer.Viewer{UserID: colleague, Roles: []viewer.Role{viewer.Member}}, false},
		{"OrgAdmin", &viewer.Viewer{UserID: colleague, Roles: []viewer.Role{viewer.OrgAdmin}}, true},
		{"SystemAdmin", &viewer.Viewer{UserID: colleague, Roles: []viewer.Role{viewer.SystemAdmin}}, true},
		{"NoViewer", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.viewer.MayChange(creator))
		})
	}
}
