// Package cli implements aiassure's command-line verbs. Each verb is a value
// in the commands list; main only builds a context and maps the error Main
// returns to an exit code (exit.go).
//
// Every verb that prints has -format and -o (output.go): the format follows
// the -o file's extension when -format is absent, and a contradiction
// between them is a usage error. `aiassure help VERB [SUB]` and
// `aiassure VERB [SUB] -h` print a verb's flags on standard output.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aiassure/aiassure/internal/safetext"
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
	usage   string // arguments, after the verb; for a verb with subs, derived from them
	summary string
	subs    []subcommand // sub-commands, for help; run dispatches on them
	run     func(ctx context.Context, e *env, args []string) error
}

// subcommand is one sub-command of a verb (lineage verify), for help and
// messages; the verb's run dispatches to it.
type subcommand struct {
	name    string
	usage   string // arguments, after the sub-command
	summary string
}

// commands lists every verb, in the order help shows them.
func commands() []*command {
	return []*command{
		assessCmd, classifyCmd, riskCmd, gapsCmd, predictCmd, probeCmd, gateCmd, scanCmd, catalogCmd, lineageCmd, ledgerCmd, keysCmd, schemaCmd, reportCmd, llmDoubleCmd, versionCmd,
	}
}

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (c *command) sub(name string) *subcommand {
	for i := range c.subs {
		if c.subs[i].name == name {
			return &c.subs[i]
		}
	}
	return nil
}

func isHelpFlag(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

// Main runs the verb named by args[0] and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	level := slog.LevelWarn
	if os.Getenv("AIASSURE_DEBUG") != "" {
		level = slog.LevelDebug
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	switch {
	case len(args) == 0:
		help(stderr)
		return ExitUsage
	case args[0] == "help" || isHelpFlag(args[0]):
		return helpCmd(ctx, e, args[1:])
	case args[0] == "--version" || args[0] == "-version":
		args = append([]string{"version"}, args[1:]...)
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "aiassure: unknown command %q%s; run 'aiassure help'\n", args[0], suggest(args[0], commandNames()))
		return ExitUsage
	}
	if len(c.subs) == 0 && len(args) > 1 && isHelpFlag(args[1]) {
		return helpCmd(ctx, e, args[:1]) // also for a verb that parses no flags
	}
	err := c.run(ctx, e, args[1:])
	name := c.name
	if len(c.subs) > 0 && len(args) > 1 && c.sub(args[1]) != nil {
		name += " " + args[1]
	}
	var h helpError
	if errors.As(err, &h) {
		fmt.Fprint(stdout, helpText(h.name, h.fs))
		return ExitOK
	}
	if err != nil {
		// An error may quote the user's input (a path, a profile value, an
		// endpoint's answer): what could act on the terminal is escaped.
		fmt.Fprintf(stderr, "aiassure %s: %s\n", name, safetext.Escape(trimPrefixes(err.Error(), name)))
		if isFlagError(err) {
			fmt.Fprintf(stderr, "run 'aiassure help %s' for its flags\n", name)
		}
	}
	return exitCode(err)
}

func commandNames() []string {
	var n []string
	for _, c := range commands() {
		n = append(n, c.name)
	}
	return n
}

// helpCmd serves `aiassure help [VERB [SUB]]`: the verb's (or
// sub-command's) usage and flags on stdout, exit 0.
func helpCmd(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		help(e.stdout)
		return ExitOK
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(e.stderr, "aiassure help: unknown command %q%s; run 'aiassure help'\n", args[0], suggest(args[0], commandNames()))
		return ExitUsage
	}
	if len(args) > 1 && len(c.subs) > 0 && c.sub(args[1]) == nil {
		fmt.Fprintf(e.stderr, "aiassure help: %s has no sub-command %q (have %s)\n", c.name, args[1], strings.Join(c.subNames(), ", "))
		return ExitUsage
	}
	// A verb asked for -h returns a helpError before it does anything.
	run := append(append([]string{}, args[1:]...), "-h")
	if len(c.subs) == 0 {
		run = []string{"-h"}
	}
	var h helpError
	if err := c.run(ctx, e, run); errors.As(err, &h) {
		fmt.Fprint(e.stdout, helpText(h.name, h.fs))
		return ExitOK
	}
	fmt.Fprint(e.stdout, helpText(c.name, nil))
	return ExitOK
}

func (c *command) subNames() []string { return subNames(c.subs) }

func subNames(subs []subcommand) []string {
	var n []string
	for _, s := range subs {
		n = append(n, s.name)
	}
	return n
}

// helpText is the help of the verb or "verb sub" name: its usage, what it
// does and its flags (fs may be nil for a verb with none or with subs).
func helpText(name string, fs *flag.FlagSet) string {
	var b strings.Builder
	verb, subName, _ := strings.Cut(name, " ")
	c := lookup(verb)
	if c == nil {
		return name + "\n"
	}
	switch s := c.sub(subName); {
	case s != nil:
		fmt.Fprintf(&b, "usage: aiassure %s %s %s\n\n%s\n", c.name, s.name, s.usage, s.summary)
	case len(c.subs) > 0:
		fmt.Fprintf(&b, "usage: aiassure %s <sub-command> [flags] [arguments]\n\n%s\n\nsub-commands:\n", c.name, c.summary)
		for _, s := range c.subs {
			fmt.Fprintf(&b, "  %-9s %s\n            aiassure %s %s %s\n", s.name, s.summary, c.name, s.name, s.usage)
		}
		fmt.Fprintf(&b, "\nRun 'aiassure help %s SUB' for a sub-command's flags.\n", c.name)
	default:
		fmt.Fprintf(&b, "usage: aiassure %s %s\n\n%s\n", c.name, c.usage, c.summary)
	}
	if fs != nil {
		var flags bytes.Buffer
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		if flags.Len() > 0 {
			fmt.Fprintf(&b, "\nflags:\n%s", flags.String())
		}
	}
	return b.String()
}

func help(w io.Writer) {
	fmt.Fprintln(w, "aiassure: assess the cybersecurity of an AI system (EU AI Act, the ENISA report")
	fmt.Fprintln(w, "\"Cybersecurity of AI and Standardisation\", 2023)")
	fmt.Fprintln(w, "\nusage: aiassure <command> [arguments]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'aiassure help <command>' (or 'aiassure <command> -h') for a command's flags;")
	fmt.Fprintln(w, "'aiassure --version' for the versions. Exit codes: 0 ok, 1 the tool failed, 2 usage or")
	fmt.Fprintln(w, "input error, 3 findings at or above -fail-on (or lineage problems), 130 interrupted.")
}

// trimPrefixes drops from msg the "verb: " and "verb sub: " prefixes that
// Main prints itself, however often they are repeated ("assess: assess:
// ..." from an error wrapped at two levels).
func trimPrefixes(msg, name string) string {
	verb, sub, _ := strings.Cut(name, " ")
	cands := []string{name, verb}
	if sub != "" {
		cands = append(cands, sub)
	}
	for changed := true; changed; {
		changed = false
		for _, p := range cands {
			if rest, ok := strings.CutPrefix(msg, p+": "); ok {
				msg, changed = rest, true
			}
		}
	}
	return msg
}

// parse parses flags that may come before, between or after positional
// arguments, and returns the positional ones. -h asks for help: it returns
// a helpError, which Main prints on stdout with exit 0.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpError{name: fs.Name(), fs: fs}
			}
			return nil, flagError{usageError{err}}
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

// noFlags parses the arguments of a verb without flags, so that it answers
// -h like any other.
func noFlags(name string, args []string) ([]string, error) {
	return parse(flag.NewFlagSet(name, flag.ContinueOnError), args)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
