package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"SIMGRAPH_DATA_DIR": dir}[k] }
	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr bool
	}{
		{"Help", []string{"--help"}, "simgraph [serve]", false},
		{"Migrate", []string{"migrate"}, "dedicated tenant database(s) migrated", false},
		{"Token", []string{"token", "--email", "a@b.example", "--org", "acme", "--role", "ORG_ADMIN"}, "eyJ", false},
		{"Unknown", []string{"frobnicate"}, "", true},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tt.args, env, &out, &errOut)
		if tt.wantErr {
			require.Error(t, err, tt.name)
			continue
		}
		require.NoError(t, err, "%s: %s", tt.name, errOut.String())
		require.True(t, strings.Contains(out.String(), tt.want), "%s printed %q", tt.name, out.String())
	}
}
