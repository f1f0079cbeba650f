package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/formats"
	reportjson "github.com/aiassure/aiassure/report/json"
)

var reportCmd = &command{
	name: "report", usage: "convert -format FORMAT [-o FILE] REPORT.json",
	summary: "convert a saved JSON report into another format",
	run: func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || args[0] != "convert" {
			return usagef("usage: aiassure report %s", "convert -format FORMAT [-o FILE] REPORT.json")
		}
		fs := flag.NewFlagSet("convert", flag.ContinueOnError)
		format := fs.String("format", "text", "output format: "+strings.Join(formatNames(), ", "))
		out := fs.String("o", "", "write to `FILE`")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("report convert: want one JSON report")
		}
		f, ok := formats.Lookup(*format)
		if !ok {
			return usagef("unknown format %q (have %s)", *format, strings.Join(formatNames(), ", "))
		}
		in, err := os.Open(pos[0])
		if err != nil {
			return usageError{err}
		}
		defer in.Close()
		r, err := reportjson.Read(in)
		if err != nil {
			return usageError{fmt.Errorf("%s: %w", pos[0], err)}
		}
		w, closeOut, err := output(e, *out)
		if err != nil {
			return err
		}
		if err := f.Write(w, r); err != nil {
			closeOut()
			return err
		}
		return closeOut()
	},
}

var versionCmd = &command{
	name: "version", summary: "print the versions of the tool, report schema and catalogue",
	run: func(ctx context.Context, e *env, args []string) error {
		c, err := catalog.Load()
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "aiassure %s (report schema %s, catalogue %s)\n", assess.Version, report.SchemaVersion, c.Version)
		return nil
	},
}
