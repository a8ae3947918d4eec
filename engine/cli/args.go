package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// listFlag is a flag that may be repeated.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// UsageError is a command line that cannot be run as typed: an unknown
// command or flag, a flag without its value, the wrong number of
// arguments. The command prints nothing for it, so that the caller reports
// it once, with Hint, and exits with status 2 (as the flag package does);
// other errors are bad input and exit with status 1.
type UsageError struct {
	Command string // "simulate"; empty for the command itself
	Err     error
}

func (e *UsageError) Error() string {
	if e.Command == "" {
		return e.Err.Error()
	}
	return e.Command + ": " + e.Err.Error()
}

func (e *UsageError) Unwrap() error { return e.Err }

// Hint tells the user where the usage is.
func (e *UsageError) Hint() string {
	if e.Command == "" {
		return "Run 'simgraph help' for the commands."
	}
	return fmt.Sprintf("Run 'simgraph %s --help' for its usage and flags.", e.Command)
}

// ParseFlags parses a command's args with fs, allowing flags after
// positional arguments (`simgraph eval book.xlsx --json`), and returns the
// positional ones. -h, -help and --help print usage to stdout and return
// flag.ErrHelp (success: the user asked); a flag the FlagSet refuses
// returns a *UsageError and prints nothing. usage writes the command's
// help; PrintFlags lists fs's flags in it.
func ParseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, usage func(w io.Writer)) ([]string, error) {
	// The flag package would print its error and the usage to one writer;
	// help belongs on stdout and errors to the caller.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	pos, err := parse(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(stdout)
		return nil, flag.ErrHelp
	case err != nil:
		return nil, &UsageError{Command: fs.Name(), Err: err}
	}
	return pos, nil
}

// PrintFlags writes fs's flags and their defaults to w.
func PrintFlags(fs *flag.FlagSet, w io.Writer) {
	fs.SetOutput(w)
	defer fs.SetOutput(io.Discard)
	fs.PrintDefaults()
}

// Usagef is a *UsageError for a command line the flags accepted but the
// command cannot take (a missing or extra argument).
func Usagef(command, format string, args ...any) error {
	return &UsageError{Command: command, Err: fmt.Errorf(format, args...)}
}

// parse parses args with fs, allowing flags after positional arguments,
// and returns the positional ones. "--" ends the flags.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}
