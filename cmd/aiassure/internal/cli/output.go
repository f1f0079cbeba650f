package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/aiassure/aiassure/internal/safetext"
)

// formatSpec is what a verb can print: its format names, the one used
// when neither -format nor the -o file's extension says, and the
// extensions that select a format.
type formatSpec struct {
	names []string          // canonical names, in help order
	def   string            // the default
	alias map[string]string // other accepted names -> canonical
	exts  []extRule         // most specific first: ".sarif.json" before ".json"
}

// extRule maps a file extension to the formats a file of that name may
// hold; the first is the one inferred.
type extRule struct {
	ext     string
	formats []string
}

// The format specs of the verbs. A file ending .json may hold any JSON
// format of the verb (SARIF and OSCAL are JSON), but infers the canonical
// JSON; .sarif.json and .oscal.json infer SARIF and OSCAL.
var (
	reportFormats = &formatSpec{
		names: []string{"text", "json", "markdown", "html", "sarif", "oscal"}, def: "text",
		alias: map[string]string{"md": "markdown", "txt": "text"},
		exts: []extRule{
			{".sarif.json", []string{"sarif"}}, {".oscal.json", []string{"oscal"}},
			{".json", []string{"json", "sarif", "oscal"}}, {".txt", []string{"text"}}, {".text", []string{"text"}},
			{".md", []string{"markdown"}}, {".markdown", []string{"markdown"}},
			{".html", []string{"html"}}, {".htm", []string{"html"}}, {".sarif", []string{"sarif"}},
		},
	}
	textJSON = &formatSpec{
		names: []string{"text", "json"}, def: "text", alias: map[string]string{"txt": "text"},
		exts: []extRule{{".json", []string{"json"}}, {".txt", []string{"text"}}, {".text", []string{"text"}}},
	}
	predictFormats = &formatSpec{
		names: []string{"csv", "json"}, def: "csv", alias: map[string]string{"jsonl": "json", "ndjson": "json"},
		exts: []extRule{{".csv", []string{"csv"}}, {".json", []string{"json"}}, {".jsonl", []string{"json"}}, {".ndjson", []string{"json"}}},
	}
	yamlJSON = &formatSpec{
		names: []string{"yaml", "json"}, def: "yaml", alias: map[string]string{"yml": "yaml"},
		exts: []extRule{{".yaml", []string{"yaml"}}, {".yml", []string{"yaml"}}, {".json", []string{"json"}}},
	}
	matrixFormats = &formatSpec{
		names: []string{"text", "csv", "json"}, def: "text", alias: map[string]string{"table": "text", "txt": "text"},
		exts: []extRule{{".txt", []string{"text"}}, {".csv", []string{"csv"}}, {".json", []string{"json"}}},
	}
	tableFormats = &formatSpec{
		names: []string{"text", "json", "csv"}, def: "text", alias: map[string]string{"txt": "text", "table": "text"},
		exts: []extRule{{".txt", []string{"text"}}, {".text", []string{"text"}}, {".json", []string{"json"}}, {".csv", []string{"csv"}}},
	}
	oscalOnly = &formatSpec{
		names: []string{"oscal"}, def: "oscal",
		exts: []extRule{{".oscal.json", []string{"oscal"}}, {".json", []string{"oscal"}}},
	}
	hashFormats = &formatSpec{
		names: []string{"manifest", "oms"}, def: "manifest",
		exts: []extRule{{".json", []string{"manifest", "oms"}}},
	}
	graphFormats = &formatSpec{
		names: []string{"text", "dot", "svg", "json"}, def: "text", alias: map[string]string{"txt": "text", "gv": "dot"},
		exts: []extRule{{".txt", []string{"text"}}, {".dot", []string{"dot"}}, {".gv", []string{"dot"}}, {".svg", []string{"svg"}}, {".json", []string{"json"}}},
	}
	bomFormats = &formatSpec{
		names: []string{"cyclonedx"}, def: "cyclonedx",
		exts: []extRule{{".cdx.json", []string{"cyclonedx"}}, {".json", []string{"cyclonedx"}}},
	}
)

func (s *formatSpec) canon(name string) (string, bool) {
	if a, ok := s.alias[name]; ok {
		name = a
	}
	return name, slices.Contains(s.names, name)
}

// byExt returns the rule of the extension path ends with, if any.
func (s *formatSpec) byExt(path string) (extRule, bool) {
	lower := strings.ToLower(filepath.Base(path))
	for _, r := range s.exts {
		if strings.HasSuffix(lower, r.ext) && len(lower) > len(r.ext) {
			return r, true
		}
	}
	return extRule{}, false
}

// outputFlags are -format, -o and, for verbs that had it, -json.
type outputFlags struct {
	spec   *formatSpec
	fs     *flag.FlagSet
	format string
	json   bool
	out    string
}

// addOutput registers -format and -o (and -json when jsonAlias) on fs.
func addOutput(fs *flag.FlagSet, spec *formatSpec, jsonAlias bool) *outputFlags {
	o := &outputFlags{spec: spec, fs: fs}
	fs.StringVar(&o.format, "format", "", fmt.Sprintf("output `FORMAT`: %s (default %s, or what the -o file's extension says)", strings.Join(spec.names, ", "), spec.def))
	fs.StringVar(&o.out, "o", "", "write to `FILE` instead of standard output")
	if jsonAlias {
		fs.BoolVar(&o.json, "json", false, "print JSON: the same as -format json")
	}
	return o
}

// resolve returns the format to write: -format (or -json) if given, else
// the one the -o file's extension infers, else the default. A -format that
// an -o extension contradicts, and an -o extension that says no format of
// the verb when -format is absent, are usage errors.
func (o *outputFlags) resolve() (string, error) {
	explicit := false
	o.fs.Visit(func(f *flag.Flag) {
		if f.Name == "format" {
			explicit = true
		}
	})
	name := o.spec.def
	switch {
	case explicit:
		n, ok := o.spec.canon(o.format)
		if !ok {
			return "", usagef("-format: unknown format %q (have %s)", o.format, strings.Join(o.spec.names, ", "))
		}
		if o.json && n != "json" {
			return "", usagef("-json and -format %s contradict each other; give one", n)
		}
		name = n
	case o.json:
		name = "json"
	}
	if o.out == "" || o.out == "-" {
		return name, nil
	}
	rule, known := o.spec.byExt(o.out)
	flagName := "-format " + name
	if !explicit {
		flagName = "-json"
	}
	switch {
	case (explicit || o.json) && known && !slices.Contains(rule.formats, name):
		return "", usagef("%s contradicts -o %s, whose extension %s means %s; drop one or make them agree", flagName, o.out, rule.ext, strings.Join(rule.formats, " or "))
	case explicit || o.json:
		return name, nil
	case known:
		return rule.formats[0], nil
	case filepath.Ext(o.out) != "":
		return "", usagef("-o %s: the extension %s names no format of this command; give -format (%s) or use %s", o.out, filepath.Ext(o.out), strings.Join(o.spec.names, ", "), o.spec.extList())
	}
	return name, nil
}

func (s *formatSpec) extList() string {
	var e []string
	for _, r := range s.exts {
		e = append(e, r.ext)
	}
	return strings.Join(e, ", ")
}

// open opens the -o file, or returns stdout. The close function closes the
// file; a failed write should still call it.
func (o *outputFlags) open(e *env) (io.Writer, func() error, error) {
	return output(e, o.out)
}

// toFile reports whether the output goes to a file (-o FILE, not -).
func (o *outputFlags) toFile() bool { return o.out != "" && o.out != "-" }

// output opens the -o file, or returns stdout.
func output(e *env, path string) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return e.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		// a path that cannot be created is the user's to fix
		return nil, nil, usageError{fmt.Errorf("-o: %w", err)}
	}
	return f, f.Close, nil
}

// write writes b to the output and, when it went to a file, says so on
// stderr.
func (o *outputFlags) write(e *env, format string, b []byte, detail string) error {
	w, done, err := o.open(e)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		done()
		return err
	}
	if err := done(); err != nil {
		return err
	}
	o.wrote(e, format, detail)
	return nil
}

// wrote prints "wrote FILE (FORMAT, SIZE): DETAIL" on stderr when the
// output went to a regular file (not to a device such as /dev/null).
func (o *outputFlags) wrote(e *env, format, detail string) {
	if !o.toFile() {
		return
	}
	wroteLine(e, o.out, format, detail)
}

func wroteLine(e *env, path, format, detail string) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return // a device such as /dev/null: nothing to say
	}
	size := ", " + humanSize(st.Size())
	line := fmt.Sprintf("wrote %s (%s%s)", safetext.Escape(path), format, size)
	if detail != "" {
		line += ": " + detail
	}
	fmt.Fprintln(e.stderr, line)
}

// humanSize writes n bytes as B, KB, MB or GB (powers of 1024).
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1024*1024*1024))
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// DefaultWidth is the width of text output that does not go to a terminal
// and has no $COLUMNS.
const DefaultWidth = 100

// width returns the width text written to w should fit: $COLUMNS when it
// is a positive number, else the terminal's width when w is a terminal,
// else DefaultWidth.
func width(w io.Writer) int {
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if n, _, err := term.GetSize(int(f.Fd())); err == nil && n > 0 {
			return n
		}
	}
	return DefaultWidth
}

// width is the width of text output: that of the -o file (no terminal:
// $COLUMNS or DefaultWidth) or of stdout.
func (o *outputFlags) width(e *env) int {
	if o.toFile() {
		return width(nil)
	}
	return width(e.stdout)
}
