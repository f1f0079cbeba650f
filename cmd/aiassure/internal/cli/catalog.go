package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"gopkg.in/yaml.v3"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/oscal"
)

const catalogUsage = `list KIND | show KIND ID | search WORDS... | matrix [-format table|csv|json] [ID] |
       validate [DIR] | export -format oscal [-what catalog|mapping] [-o FILE]`

var catalogCmd = &command{
	name:    "catalog",
	usage:   catalogUsage,
	summary: "query, validate and export the knowledge base",
	run:     runCatalog,
}

func runCatalog(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand\nusage: aiassure catalog %s", catalogUsage)
	}
	sub, args := args[0], args[1:]
	if sub == "validate" {
		return catalogValidate(e, args)
	}
	c, err := catalog.Load()
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		fs := flag.NewFlagSet("list", flag.ContinueOnError)
		asJSON := fs.Bool("json", false, "print JSON")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("catalog list: want a kind (%s)", strings.Join(catalog.Kinds, ", "))
		}
		ids, titles, rows, ok := c.Rows(pos[0])
		if !ok {
			return usagef("catalog list: unknown kind %q (have %s)", pos[0], strings.Join(catalog.Kinds, ", "))
		}
		if *asJSON {
			return writeJSON(e.stdout, rows)
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		for i := range ids {
			fmt.Fprintf(tw, "%s\t%s\n", ids[i], titles[i])
		}
		fmt.Fprintf(tw, "(%d %s, catalogue %s)\n", len(ids), pos[0], c.Version)
		return tw.Flush()
	case "show":
		fs := flag.NewFlagSet("show", flag.ContinueOnError)
		asJSON := fs.Bool("json", false, "print JSON instead of YAML")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 2 {
			return usagef("catalog show: want KIND ID")
		}
		ids, _, rows, ok := c.Rows(pos[0])
		if !ok {
			return usagef("catalog show: unknown kind %q (have %s)", pos[0], strings.Join(catalog.Kinds, ", "))
		}
		i := slices.Index(ids, pos[1])
		if i < 0 {
			return usagef("catalog show: no %s with id %q%s", pos[0], pos[1], suggest(pos[1], ids))
		}
		if *asJSON {
			return writeJSON(e.stdout, rows[i])
		}
		enc := yaml.NewEncoder(e.stdout)
		enc.SetIndent(2)
		return enc.Encode(rows[i])
	case "search":
		if len(args) == 0 {
			return usagef("catalog search: want words to search for")
		}
		hits := c.Search(strings.Join(args, " "))
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		for _, h := range hits {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", h.Kind, h.ID, h.Title)
		}
		fmt.Fprintf(tw, "(%d hits)\n", len(hits))
		return tw.Flush()
	case "matrix":
		return catalogMatrix(e, c, args)
	case "export":
		fs := flag.NewFlagSet("export", flag.ContinueOnError)
		format := fs.String("format", "oscal", "export format: oscal")
		what := fs.String("what", "catalog", "what to export: catalog (OSCAL catalog) or mapping (OSCAL mapping-collection)")
		out := fs.String("o", "", "write to `FILE`")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		if *format != "oscal" {
			return usagef("catalog export: unknown format %q (have oscal)", *format)
		}
		var b []byte
		switch *what {
		case "catalog":
			b, err = oscal.Catalog(c)
		case "mapping":
			b, err = oscal.MappingCollection(c)
		default:
			return usagef("catalog export: -what %q: want catalog or mapping", *what)
		}
		if err != nil {
			return err
		}
		w, closeOut, err := output(e, *out)
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			closeOut()
			return err
		}
		return closeOut()
	}
	return usagef("catalog: unknown subcommand %q\nusage: aiassure catalog %s", sub, catalogUsage)
}

func catalogValidate(e *env, args []string) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	pos, err := parse(fs, args)
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
		return usagef("catalog validate: want at most one directory")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s: valid (%d standards, %d threats, %d requirements, %d mappings, %d characteristics, %d controls, %d gaps, %d recommendations, %d terms, %d matrices)\n",
		src, c.Version, len(c.Standards), len(c.Threats), len(c.Requirements), len(c.Crosswalk), len(c.Characteristics),
		len(c.Controls), len(c.Gaps), len(c.Recommendations), len(c.Glossary), len(c.Matrices))
	return nil
}

func catalogMatrix(e *env, c *catalog.Catalog, args []string) error {
	fs := flag.NewFlagSet("matrix", flag.ContinueOnError)
	format := fs.String("format", "table", "table, csv or json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	var ms []catalog.Matrix
	for _, m := range c.Matrices {
		if len(pos) == 0 || slices.Contains(pos, m.ID) {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		var ids []string
		for _, m := range c.Matrices {
			ids = append(ids, m.ID)
		}
		return usagef("catalog matrix: no matrix %v (have %s)", pos, strings.Join(ids, ", "))
	}
	switch *format {
	case "json":
		return writeJSON(e.stdout, ms)
	case "csv":
		w := csv.NewWriter(e.stdout)
		for _, m := range ms {
			head := []string{"matrix", "standard", "label"}
			for _, col := range m.Columns {
				head = append(head, string(col))
			}
			w.Write(append(head, "verified"))
			for _, r := range m.Rows {
				rec := []string{m.ID, string(r.Standard), r.Label}
				for _, mk := range r.Marks {
					rec = append(rec, markCell(mk))
				}
				w.Write(append(rec, fmt.Sprint(r.Verified)))
			}
		}
		w.Flush()
		return w.Error()
	case "table":
		for _, m := range ms {
			writeMatrixTable(e.stdout, c, m)
		}
		return nil
	}
	return usagef("catalog matrix: unknown format %q (have table, csv, json)", *format)
}

func markCell(r rune) string {
	if r == '.' {
		return ""
	}
	return string(r)
}

func writeMatrixTable(w io.Writer, c *catalog.Catalog, m catalog.Matrix) {
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
	for i, col := range m.Columns {
		title := ""
		if r, ok := c.Requirement(col); ok {
			title = r.Article + " " + r.Title
		}
		fmt.Fprintf(w, "  %2d %s %s\n", i+1, col, title)
	}
	fmt.Fprintln(w)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
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
