// Package cli implements aiassure's command-line verbs. Each verb is a value
// in the commands list; main only builds a context and maps the error Main
// returns to an exit code (exit.go).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// env is what a verb sees of the world.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

// command is one verb.
type command struct {
	name    string
	usage   string // arguments, after the verb
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists every verb, in the order help shows them.
func commands() []*command {
	return []*command{
		assessCmd, classifyCmd, riskCmd, gapsCmd, predictCmd, probeCmd, catalogCmd, lineageCmd, keysCmd, schemaCmd, reportCmd, versionCmd,
	}
}

// Main runs the verb named by args[0] and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	level := slog.LevelWarn
	if os.Getenv("AIASSURE_DEBUG") != "" {
		level = slog.LevelDebug
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			for _, c := range commands() {
				if c.name == args[1] {
					fmt.Fprintf(stdout, "usage: aiassure %s %s\n\n%s\n", c.name, c.usage, c.summary)
					return 0
				}
			}
		}
		help(stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			if err != nil && !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(stderr, "aiassure %s: %v\n", c.name, err)
			}
			return exitCode(err)
		}
	}
	fmt.Fprintf(stderr, "aiassure: unknown command %q; run 'aiassure help'\n", args[0])
	return ExitUsage
}

func help(w io.Writer) {
	fmt.Fprintln(w, "aiassure: assess the cybersecurity of an AI system (EU AI Act, ENISA 2023)")
	fmt.Fprintln(w, "\nusage: aiassure <command> [arguments]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'aiassure help <command>' for a command's flags. Exit codes: 0 ok, 1 error,")
	fmt.Fprintln(w, "2 usage or input error, 3 findings at or above --fail-on.")
}

// parse parses flags that may come before, between or after positional
// arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usageError{fmt.Errorf("%s", flagUsage(fs))}
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func flagUsage(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("flags:")
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(&b, "\n  -%s\t%s", f.Name, f.Usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
	})
	return b.String()
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// output opens the -o file, or returns stdout.
func output(e *env, path string) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return e.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}
