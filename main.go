// Command simgraph is the one binary: the server, its tools and the engine's
// command-line front end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/simgraph/simgraph/engine/cli"
	"github.com/simgraph/simgraph/server"
	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/tenancy"
)

const usage = `simgraph: Monte Carlo simulation of spreadsheet models, served as GraphQL.

Usage:
  simgraph [serve] [--addr :8080]     run the server (the default command)
  simgraph token [flags]              print a development token signed with the configured secret
  simgraph migrate                    create or update the tables of every service and dedicated tenant database
  simgraph eval WORKBOOK [--json]     evaluate a workbook's formulas and compare with Excel's cached values
  simgraph simulate WORKBOOK --input CELL=DIST --output CELL [flags]
                                      run a Monte Carlo simulation of a workbook from the command line
  simgraph help [COMMAND]             this text, or a command's usage

Configuration comes from SIMGRAPH_* environment variables (see README.md),
the same for every command. With none set, simgraph runs embedded: SQLite
files under ./data and in-process queues.

Run 'simgraph COMMAND --help' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	status := exitStatus(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(status)
}

// exitStatus reports err on stderr and returns the process's exit status:
// 0 for success and for help (which went to stdout), 2 for a command line
// that cannot be run as typed, as the flag package does, 1 for anything
// else.
func exitStatus(err error, stderr io.Writer) int {
	var usageErr *cli.UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "simgraph: %v\n%s\n", err, usageErr.Hint())
		return 2
	}
	fmt.Fprintln(stderr, "simgraph:", err)
	return 1
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && isHelpFlag(args[0]) {
		cmd = "help"
	}
	if cmd == "help" && len(args) > 0 && !isHelpFlag(args[0]) {
		// simgraph help COMMAND is simgraph COMMAND --help
		cmd, args = args[0], []string{"--help"}
	}
	// The engine's commands read no configuration: they work on a file.
	switch cmd {
	case "eval":
		return cli.Eval(ctx, args, stdout, stderr)
	case "simulate":
		return cli.Simulate(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve", "token", "migrate":
	default:
		return &cli.UsageError{Err: fmt.Errorf("unknown command %q", cmd)}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, args, stdout, stderr)
	case "token":
		return token(cfg, args, stdout)
	default:
		return migrate(ctx, cfg, args, stdout, stderr)
	}
}

func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// parseFlags parses a server command's flags; it takes no arguments.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, about string) error {
	pos, err := cli.ParseFlags(fs, args, stdout, func(w io.Writer) {
		fmt.Fprintln(w, about)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nFlags:")
			cli.PrintFlags(fs, w)
		}
	})
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cli.Usagef(fs.Name(), "unexpected argument %q", pos[0])
	}
	return nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func serve(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (SIMGRAPH_ADDR)")
	if err := parseFlags(fs, args, stdout, "simgraph serve [--addr :8080]: run the GraphQL server (embedded SQLite unless SIMGRAPH_POSTGRES_URL is set)."); err != nil {
		return err
	}
	return server.Run(ctx, cfg, server.RunOpts{Log: newLogger(cfg, stderr), Out: stdout})
}

func token(cfg *config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	p := auth.TokenParams{}
	var roles string
	fs.StringVar(&p.Email, "email", "demo@simgraph.local", "the user's email (also the subject unless --sub is given)")
	fs.StringVar(&p.Subject, "sub", "", "the subject (stable user ID); defaults to the email")
	fs.StringVar(&p.Org, "org", "", "organization key; empty gives the user a personal organization")
	fs.StringVar(&p.OrgName, "org-name", "", "organization display name")
	fs.StringVar(&roles, "role", "MEMBER", "comma-separated roles: MEMBER, ORG_ADMIN, SYSTEM_ADMIN")
	fs.DurationVar(&p.TTL, "ttl", 24*time.Hour, "validity")
	if err := parseFlags(fs, args, stdout, "simgraph token [flags]: print an HS256 development token that `simgraph serve` accepts."); err != nil {
		return err
	}
	for _, r := range strings.Split(roles, ",") {
		if r = strings.TrimSpace(strings.ToUpper(r)); r != "" {
			p.Roles = append(p.Roles, r)
		}
	}
	secret, err := cfg.Secret()
	if err != nil {
		return err
	}
	if secret == nil {
		return fmt.Errorf("no SIMGRAPH_JWT_SECRET: tokens come from the identity provider (SIMGRAPH_JWKS_URL)")
	}
	tok, err := auth.Mint(secret, cfg.JWTIssuer, cfg.JWTAudience, server.ClaimNames(cfg), p)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func migrate(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	if err := parseFlags(fs, args, stdout, "simgraph migrate: create or update the tables of every service database and every dedicated tenant database, idempotently."); err != nil {
		return err
	}
	store, err := server.OpenDatabases(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	for _, c := range store.All() {
		start := time.Now()
		if err := c.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-10s %-40s migrated in %s\n", c.Spec.Name, c.Name, time.Since(start).Round(time.Millisecond))
	}
	// Then every dedicated tenant database the placement table knows.
	router, err := tenancy.NewRouter(ctx, tenancy.RouterOpts{Store: store, Config: cfg, Log: newLogger(cfg, stderr)})
	if err != nil {
		return err
	}
	defer router.Close()
	start := time.Now()
	n, err := router.MigrateDedicated(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d dedicated tenant database(s) migrated in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
