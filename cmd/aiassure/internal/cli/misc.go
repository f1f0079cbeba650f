package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/formats"
	reportjson "github.com/aiassure/aiassure/report/json"
	"github.com/aiassure/aiassure/report/text"
)

var reportCmd = &command{
	name: "report", summary: "convert a saved JSON report into another format",
	subs: []subcommand{{name: "convert", usage: "[-format FORMAT] [-o FILE] REPORT.json",
		summary: "write a saved JSON report in another format: " + strings.Join(reportFormats.names, ", ")}},
	run: func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || isHelpFlag(args[0]) {
			return helpError{name: "report"}
		}
		if args[0] != "convert" {
			return usagef("unknown sub-command %q (have convert)", args[0])
		}
		fs := flag.NewFlagSet("report convert", flag.ContinueOnError)
		o := addOutput(fs, reportFormats, false)
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("want one JSON report, got %d arguments", len(pos))
		}
		name, err := o.resolve()
		if err != nil {
			return err
		}
		f, ok := formats.Lookup(name)
		if !ok {
			return fmt.Errorf("format %q has no writer", name)
		}
		in, err := os.Open(pos[0])
		if err != nil {
			return usageError{err}
		}
		defer in.Close()
		if _, err := limitio.Check(in, reportjson.MaxSize); err != nil {
			return usageError{err}
		}
		r, err := reportjson.Read(in)
		if err != nil {
			return usageError{fmt.Errorf("%s: %w", pos[0], err)}
		}
		w, closeOut, err := o.open(e)
		if err != nil {
			return err
		}
		if f.Name == "text" {
			f = text.Format(text.Options{Color: isTerminal(w) && os.Getenv("NO_COLOR") == "", Width: width(w)})
		}
		if err := f.Write(w, r); err != nil {
			closeOut()
			return err // the writers name their format
		}
		if err := closeOut(); err != nil {
			return err
		}
		o.wrote(e, f.Name, findingsLine(r))
		return nil
	},
}

var versionCmd = &command{
	name: "version", usage: "[-format text|json]", summary: "print the versions of the tool, report schema and catalogue",
	run: func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet("version", flag.ContinueOnError)
		o := addOutput(fs, textJSON, false)
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 0 {
			return usagef("want no arguments, got %q", pos)
		}
		format, err := o.resolve()
		if err != nil {
			return err
		}
		c, err := catalog.Load()
		if err != nil {
			return err
		}
		var b []byte
		if format == "json" {
			b, err = json.MarshalIndent(map[string]string{
				"tool": assess.Version, "report_schema": report.SchemaVersion, "catalog": c.Version, "go": runtime.Version(),
			}, "", "  ")
			b = append(b, '\n')
		} else {
			b = fmt.Appendf(nil, "aiassure %s (report schema %s, catalogue %s, %s)\n", assess.Version, report.SchemaVersion, c.Version, runtime.Version())
		}
		if err != nil {
			return err
		}
		return o.write(e, format, b, "")
	},
}
