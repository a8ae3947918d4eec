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
  simgraph help                       this text

Configuration comes from SIMGRAPH_* environment variables (see README.md),
the same for every command. With none set, simgraph runs embedded: SQLite
files under ./data and in-process queues.

Run 'simgraph COMMAND --help' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "simgraph:", err)
		os.Exit(1)
	}
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		cmd = "help"
	}
	// The engine's commands read no configuration: they work on a file.
	switch cmd {
	case "eval":
		return cli.Eval(ctx, args, stdout, stderr)
	case "simulate":
		return cli.Simulate(ctx, args, stdout, stderr)
	}
	cfg, err := config.Load(getenv)
	if err != nil && cmd != "help" {
		return err
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, args, stdout, stderr)
	case "token":
		return token(cfg, args, stdout, stderr)
	case "migrate":
		return migrate(ctx, cfg, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func serve(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (SIMGRAPH_ADDR)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "simgraph serve: run the GraphQL server (embedded SQLite unless SIMGRAPH_POSTGRES_URL is set).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	return server.Run(ctx, cfg, server.RunOpts{Log: newLogger(cfg, stderr), Out: stdout})
}

func token(cfg *config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	p := auth.TokenParams{}
	var roles string
	fs.StringVar(&p.Email, "email", "demo@simgraph.local", "the user's email (also the subject unless --sub is given)")
	fs.StringVar(&p.Subject, "sub", "", "the subject (stable user ID); defaults to the email")
	fs.StringVar(&p.Org, "org", "", "organization key; empty gives the user a personal organization")
	fs.StringVar(&p.OrgName, "org-name", "", "organization display name")
	fs.StringVar(&roles, "role", "MEMBER", "comma-separated roles: MEMBER, ORG_ADMIN, SYSTEM_ADMIN")
	fs.DurationVar(&p.TTL, "ttl", 24*time.Hour, "validity")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "simgraph token: print an HS256 development token that `simgraph serve` accepts.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
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
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "simgraph migrate: create or update the tables of every service database and every dedicated tenant database, idempotently.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
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
