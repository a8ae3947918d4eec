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

// TestHelpAndUsage runs command lines as the process would (run, then
// exitStatus): help goes to stdout with status 0, a command line that
// cannot be run goes to stderr with status 2, bad input with status 1.
func TestHelpAndUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"SIMGRAPH_DATA_DIR": dir}[k] }
	tests := []struct {
		name       string
		args       []string
		status     int
		wantStdout string // empty: stdout must be empty
		wantStderr string // empty: stderr must be empty
	}{
		{"Help", []string{"--help"}, 0, "Run 'simgraph COMMAND --help'", ""},
		{"ShortHelp", []string{"-h"}, 0, "simgraph simulate WORKBOOK", ""},
		{"HelpCommand", []string{"help"}, 0, "simgraph eval WORKBOOK", ""},
		{"HelpSimulate", []string{"help", "simulate"}, 0, "triangular(min,mode,max)", ""},
		{"SimulateHelp", []string{"simulate", "--help"}, 0, "-iterations", ""},
		{"SimulateShortHelp", []string{"simulate", "-h"}, 0, "Distributions", ""},
		{"SimulateHelpAfterWorkbook", []string{"simulate", "book.xlsx", "--help"}, 0, "--input", ""},
		{"EvalHelp", []string{"eval", "--help"}, 0, "simgraph eval WORKBOOK [--json]", ""},
		{"ServeHelp", []string{"serve", "-h"}, 0, "-addr", ""},
		{"TokenHelp", []string{"token", "--help"}, 0, "-email", ""},
		{"MigrateHelp", []string{"migrate", "-help"}, 0, "simgraph migrate:", ""},
		{"UnknownCommand", []string{"frobnicate"}, 2, "", "unknown command \"frobnicate\"\nRun 'simgraph help'"},
		{"HelpUnknownCommand", []string{"help", "frobnicate"}, 2, "", "unknown command"},
		{"SimulateBadFlag", []string{"simulate", "--bogus"}, 2, "", "simulate: flag provided but not defined: -bogus\nRun 'simgraph simulate --help'"},
		{"SimulateBadValue", []string{"simulate", "book.xlsx", "--iterations", "many"}, 2, "", `invalid value "many" for flag -iterations`},
		{"SimulateMissingValue", []string{"simulate", "book.xlsx", "--output"}, 2, "", "flag needs an argument: -output"},
		{"SimulateNoWorkbook", []string{"simulate", "--output", "Summary!B2"}, 2, "", "simulate: want one workbook, got 0 arguments"},
		{"EvalBadFlag", []string{"eval", "-x"}, 2, "", "eval: flag provided but not defined: -x"},
		{"TokenBadFlag", []string{"token", "--ttl", "soon"}, 2, "", "token: invalid value"},
		{"MigrateArgument", []string{"migrate", "now"}, 2, "", `migrate: unexpected argument "now"`},
		{"TopLevelBadFlag", []string{"--bogus"}, 2, "", "serve: flag provided but not defined: -bogus"},
		{"BadInput", []string{"eval", dir + "/missing.xlsx"}, 1, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			status := exitStatus(run(context.Background(), tt.args, env, &out, &errOut), &errOut)
			require.Equal(t, tt.status, status, "stderr: %s", errOut.String())
			if tt.wantStdout == "" {
				require.Empty(t, out.String())
			} else {
				require.Contains(t, out.String(), tt.wantStdout)
			}
			if tt.wantStderr == "" {
				require.Empty(t, errOut.String())
			} else {
				require.Contains(t, errOut.String(), tt.wantStderr)
			}
		})
	}
}
