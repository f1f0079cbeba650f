package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/oscal"
)

var catalogCmd = &command{
	name:    "catalog",
	summary: "query, validate and export the knowledge base",
	subs:    catalogSubs,
	run:     runCatalog,
}

var catalogSubs = []subcommand{
	{"list", "[-format text|json] [-o FILE] KIND", "list the entries of a kind: " + strings.Join(catalog.Kinds, ", ")},
	{"show", "[-format yaml|json] [-o FILE] KIND ID", "show one entry"},
	{"search", "[-format text|json] [-o FILE] WORDS...", "search every kind for words"},
	{"matrix", "[-format text|csv|json] [-o FILE] [ID...]", "the ENISA report's annex matrices of standards against requirements"},
	{"stale", "[-before YYYY-MM-DD] [-format text|json|csv] [-o FILE]", "list the dated checks (status, applies, state) older than -before (default: a year ago), oldest first"},
	{"validate", "[-format text|json] [DIR]", "validate the embedded catalogue, or the catalogue directory DIR"},
	{"export", "[-format oscal] [-what catalog|mapping] [-o FILE]", "export the catalogue as OSCAL catalog or mapping-collection JSON"},
}

func runCatalog(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || isHelpFlag(args[0]) {
		return helpError{name: "catalog"}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("catalog "+sub, flag.ContinueOnError)
	switch sub {
	case "validate":
		return catalogValidate(e, fs, args)
	case "stale":
		return catalogStale(e, fs, args)
	case "list", "show", "search", "matrix", "export":
	default:
		return usagef("unknown sub-command %q (have %s)%s", sub, strings.Join(subNames(catalogSubs), ", "), suggest(sub, subNames(catalogSubs)))
	}
	var o *outputFlags
	switch sub {
	case "list", "search":
		o = addOutput(fs, textJSON, sub == "list")
	case "show":
		o = addOutput(fs, yamlJSON, true)
	case "matrix":
		o = addOutput(fs, matrixFormats, false)
	case "export":
		o = addOutput(fs, oscalOnly, false)
	}
	what := new(string)
	if sub == "export" {
		what = fs.String("what", "catalog", "what to export: catalog (OSCAL catalog) or mapping (OSCAL mapping-collection)")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	c, err := catalog.Load()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	detail := ""
	switch sub {
	case "list":
		if len(pos) != 1 {
			return usagef("want a kind (%s)", strings.Join(catalog.Kinds, ", "))
		}
		ids, titles, rows, ok := c.Rows(pos[0])
		if !ok {
			return usagef("unknown kind %q (have %s)%s", pos[0], strings.Join(catalog.Kinds, ", "), suggest(pos[0], catalog.Kinds))
		}
		if format == "json" {
			err = writeJSON(&buf, rows)
		} else {
			t := &table{}
			for i := range ids {
				t.add(ids[i], titles[i])
			}
			t.write(&buf, o.width(e))
			fmt.Fprintf(&buf, "(%d %s, catalogue %s)\n", len(ids), pos[0], c.Version)
		}
		detail = fmt.Sprintf("%d %s", len(ids), pos[0])
	case "show":
		if len(pos) != 2 {
			return usagef("want KIND ID")
		}
		ids, _, rows, ok := c.Rows(pos[0])
		if !ok {
			return usagef("unknown kind %q (have %s)%s", pos[0], strings.Join(catalog.Kinds, ", "), suggest(pos[0], catalog.Kinds))
		}
		i := slices.Index(ids, pos[1])
		if i < 0 {
			return usagef("no %s with id %q%s", pos[0], pos[1], suggest(pos[1], ids))
		}
		if format == "json" {
			err = writeJSON(&buf, rows[i])
		} else {
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			err = enc.Encode(rows[i])
		}
	case "search":
		if len(pos) == 0 {
			return usagef("want words to search for")
		}
		hits := c.Search(strings.Join(pos, " "))
		if format == "json" {
			if hits == nil {
				hits = []catalog.Hit{}
			}
			err = writeJSON(&buf, hits)
		} else {
			t := &table{}
			for _, h := range hits {
				t.add(h.Kind, h.ID, h.Title)
			}
			t.write(&buf, o.width(e))
			fmt.Fprintf(&buf, "(%d hits)\n", len(hits))
		}
		detail = fmt.Sprintf("%d hits", len(hits))
	case "matrix":
		err = catalogMatrix(&buf, c, pos, format, o.width(e))
	case "export":
		if len(pos) != 0 {
			return usagef("want no arguments, got %q", pos)
		}
		var b []byte
		switch *what {
		case "catalog":
			b, err = oscal.Catalog(c)
		case "mapping":
			b, err = oscal.MappingCollection(c)
		default:
			return usagef("-what %q: want catalog or mapping", *what)
		}
		buf.Write(b)
		format = "oscal " + *what
	}
	if err != nil {
		return err
	}
	return o.write(e, format, buf.Bytes(), detail)
}

func catalogValidate(e *env, fs *flag.FlagSet, args []string) error {
	o := addOutput(fs, textJSON, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	var c *catalog.Catalog
	src := "embedded catalogue"
	switch len(pos) {
	case 0:
		c, err = catalog.Load()
	case 1:
		src = pos[0]
		c, err = catalog.LoadFS(os.DirFS(pos[0]))
	default:
		return usagef("want at most one directory")
	}
	if err != nil {
		return err
	}
	counts := []struct {
		name string
		n    int
	}{{"standards", len(c.Standards)}, {"threats", len(c.Threats)}, {"requirements", len(c.Requirements)},
		{"mappings", len(c.Crosswalk)}, {"characteristics", len(c.Characteristics)}, {"controls", len(c.Controls)},
		{"gaps", len(c.Gaps)}, {"recommendations", len(c.Recommendations)}, {"terms", len(c.Glossary)}, {"matrices", len(c.Matrices)}}
	var buf bytes.Buffer
	if format == "json" {
		m := map[string]int{}
		for _, x := range counts {
			m[x.name] = x.n
		}
		err = writeJSON(&buf, map[string]any{"source": src, "version": c.Version, "valid": true, "counts": m})
	} else {
		var parts []string
		for _, x := range counts {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.name))
		}
		wrapList(&buf, fmt.Sprintf("%s %s: valid (", src, c.Version), parts, ", ", "  ", o.width(e))
		b := bytes.TrimRight(buf.Bytes(), "\n")
		buf.Truncate(len(b))
		buf.WriteString(")\n")
	}
	if err != nil {
		return err
	}
	return o.write(e, format, buf.Bytes(), "")
}

// staleYears is how old a check may be before catalog stale lists it
// when -before is not given: a year.
const staleYears = 1

func catalogStale(e *env, fs *flag.FlagSet, args []string) error {
	o := addOutput(fs, tableFormats, false)
	def := time.Now().AddDate(-staleYears, 0, 0).Format(catalog.DateLayout)
	before := fs.String("before", def, "list the checks made before `DATE`, YYYY-MM-DD (the default is a year before today)")
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
	rows, err := c.Stale(*before)
	if err != nil {
		return usagef("-before: %v", err)
	}
	var buf bytes.Buffer
	switch format {
	case "json":
		if rows == nil {
			rows = []catalog.StaleRow{}
		}
		err = writeJSON(&buf, rows)
	case "csv":
		cw := csv.NewWriter(&buf)
		cw.Write([]string{"kind", "id", "field", "as_of", "stage", "source"})
		for _, r := range rows {
			cw.Write([]string{r.Kind, r.ID, r.Field, r.AsOf, r.Stage, r.Source})
		}
		cw.Flush()
		err = cw.Error()
	default:
		t := &table{head: []string{"AS OF", "KIND", "ID", "STAGE"}}
		for _, r := range rows {
			id := r.ID
			if r.Field != "status" && r.Field != "state" {
				id += " " + r.Field
			}
			asOf := r.AsOf
			if asOf == "" {
				asOf = "(none)"
			}
			t.add(asOf, r.Kind, id, r.Stage)
			if r.Source != "" {
				t.note("source: " + r.Source)
			}
		}
		t.write(&buf, o.width(e))
		fmt.Fprintf(&buf, "(%d checks before %s, catalogue %s)\n", len(rows), *before, c.Version)
	}
	if err != nil {
		return err
	}
	return o.write(e, format, buf.Bytes(), fmt.Sprintf("%d checks before %s", len(rows), *before))
}

func catalogMatrix(w io.Writer, c *catalog.Catalog, ids []string, format string, width int) error {
	var ms []catalog.Matrix
	for _, m := range c.Matrices {
		if len(ids) == 0 || slices.Contains(ids, m.ID) {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		var have []string
		for _, m := range c.Matrices {
			have = append(have, m.ID)
		}
		return usagef("no matrix %v (have %s)", ids, strings.Join(have, ", "))
	}
	switch format {
	case "json":
		return writeJSON(w, ms)
	case "csv":
		cw := csv.NewWriter(w)
		for _, m := range ms {
			head := []string{"matrix", "standard", "label"}
			for _, col := range m.Columns {
				head = append(head, string(col))
			}
			cw.Write(append(head, "verified"))
			for _, r := range m.Rows {
				rec := []string{m.ID, string(r.Standard), r.Label}
				for _, mk := range r.Marks {
					rec = append(rec, markCell(mk))
				}
				cw.Write(append(rec, fmt.Sprint(r.Verified)))
			}
		}
		cw.Flush()
		return cw.Error()
	}
	for _, m := range ms {
		writeMatrixTable(w, c, m, width)
	}
	return nil
}

func markCell(r rune) string {
	if r == '.' {
		return ""
	}
	return string(r)
}

func writeMatrixTable(w io.Writer, c *catalog.Catalog, m catalog.Matrix, width int) {
	fmt.Fprintf(w, "%s: %s", m.ID, m.Title)
	if m.Reconstructed {
		fmt.Fprint(w, " (reconstructed)")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 1, 4, 1, ' ', 0)
	fmt.Fprint(tw, "STANDARD\t")
	for i := range m.Columns {
		fmt.Fprintf(tw, "%d\t", i+1)
	}
	fmt.Fprintln(tw, "")
	for _, r := range m.Rows {
		fmt.Fprintf(tw, "%s\t", r.Standard)
		for _, mk := range r.Marks {
			fmt.Fprintf(tw, "%s\t", strings.ReplaceAll(string(mk), ".", " "))
		}
		if !r.Verified {
			fmt.Fprint(tw, "(unverified)")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(w, "columns:")
	legend := &table{indent: "  ", gap: 1}
	for i, col := range m.Columns {
		title := ""
		if r, ok := c.Requirement(col); ok {
			title = r.Article + " " + r.Title
		}
		legend.add(fmt.Sprintf("%2d", i+1), string(col), title)
	}
	legend.write(w, width)
	fmt.Fprintln(w)
}

// suggest returns ", did you mean X?" for the closest of ids, if close.
func suggest(s string, ids []string) string {
	best, bd := "", 4
	for _, id := range ids {
		if d := distance(s, id); d < bd {
			best, bd = id, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
