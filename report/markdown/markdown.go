// Package markdown writes the full report as CommonMark with GitHub tables:
// summary, classification with verdicts and obligations, the risk analysis
// with its factors and reasoning, coverage and gaps, every finding with its
// sources, and every result. Text from the report is escaped so that it
// cannot break a table or inject markup.
package markdown

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
)

// MediaType of the Markdown report.
const MediaType = "text/markdown; charset=utf-8"

// Write writes r as Markdown.
func Write(w io.Writer, r *report.Report) error {
	if r == nil {
		return errors.New("markdown report: nil report")
	}
	bw := bufio.NewWriter(w)
	m := &md{w: bw}
	m.header(r)
	m.classification(r)
	m.risk(r)
	m.coverage(r)
	m.findings(r)
	m.results(r)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("markdown report: %w", err)
	}
	return nil
}

type md struct{ w *bufio.Writer }

func (m *md) p(format string, args ...any) { fmt.Fprintf(m.w, format+"\n", args...) }

var escaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "`", "\\`", "[", `\[`, "]", `\]`, "#", `\#`,
)

// esc escapes text for a table cell or a line: markup characters are
// backslashed, line breaks become spaces.
func esc(s string) string {
	return escaper.Replace(strings.Join(strings.Fields(s), " "))
}

func list[T ~string](ids []T) string {
	if len(ids) == 0 {
		return "-"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = esc(string(id))
	}
	return strings.Join(s, ", ")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return esc(s)
}

func (m *md) table(head []string, rows [][]string) {
	m.p("| %s |", strings.Join(head, " | "))
	seps := make([]string, len(head))
	for i := range seps {
		seps[i] = "---"
	}
	m.p("| %s |", strings.Join(seps, " | "))
	for _, r := range rows {
		m.p("| %s |", strings.Join(r, " | "))
	}
	m.p("")
}

func (m *md) header(r *report.Report) {
	s := r.System
	m.p("# aiassure assessment: %s", esc(strings.TrimSpace(s.Name+" "+s.Version)))
	m.p("")
	gen := "-"
	if !r.Generated.IsZero() {
		gen = r.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	m.table([]string{"Field", "Value"}, [][]string{
		{"System", orDash(s.Name)}, {"Version", orDash(s.Version)}, {"Provider", orDash(s.Provider)},
		{"Intended purpose", orDash(s.Purpose)}, {"Sector", orDash(s.Sector)}, {"Role", orDash(s.Role)},
		{"Target assurance level", orDash(s.Assurance)}, {"Profile", orDash(s.Profile)}, {"Profile digest", orDash(s.Digest)},
		{"Generated", gen}, {"Tool", orDash(r.Tool.Name + " " + r.Tool.Version)},
		{"Catalogue version", orDash(r.CatalogVersion)}, {"Report schema", orDash(r.SchemaVersion)},
	})
	m.p("## Summary")
	m.p("")
	m.p("Highest severity: **%s**. AI Act tier: **%s**.", orDash(string(r.Summary.Highest)), orDash(r.Classification.Tier))
	m.p("")
	var row []string
	for _, sv := range severities {
		row = append(row, strconv.Itoa(r.Summary.Findings[sv]))
	}
	m.table([]string{"Critical", "High", "Medium", "Low", "Info"}, [][]string{row})
	m.table([]string{"Pass", "Fail", "Unknown", "Not applicable"}, [][]string{{
		strconv.Itoa(r.Summary.Results[aiassure.Pass]), strconv.Itoa(r.Summary.Results[aiassure.Fail]),
		strconv.Itoa(r.Summary.Results[aiassure.Unknown]), strconv.Itoa(r.Summary.Results[aiassure.NotApplicable]),
	}})
}

var severities = []aiassure.Severity{aiassure.Critical, aiassure.High, aiassure.Medium, aiassure.Low, aiassure.Info}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (m *md) classification(r *report.Report) {
	c := r.Classification
	m.p("## AI Act classification")
	m.p("")
	m.table([]string{"Tier", "Route", "General-purpose AI", "Systemic risk", "Art. 50 transparency"},
		[][]string{{orDash(c.Tier), orDash(c.Route), yes(c.GeneralPurpose), yes(c.SystemicRisk), yes(c.Transparency)}})
	m.p("### Verdicts")
	m.p("")
	var rows [][]string
	for _, v := range c.Verdicts {
		rows = append(rows, []string{esc(v.Rule), esc(v.Outcome), esc(v.Article), list(v.Fields), esc(v.Reason)})
	}
	m.table([]string{"Rule", "Outcome", "Article", "Profile fields", "Reason"}, rows)
	m.p("### Obligations")
	m.p("")
	rows = nil
	for _, o := range c.Obligations {
		rows = append(rows, []string{esc(string(o.Requirement)), esc(o.Article), esc(o.Title), esc(o.AppliesFrom), yes(o.Verified), orDash(o.Source)})
	}
	m.table([]string{"Requirement", "Article", "Title", "Applies from", "Verified", "Source"}, rows)
}

func score(level string, value int) string {
	return fmt.Sprintf("%s (%d)", esc(level), value)
}

func (m *md) risk(r *report.Report) {
	a := r.Risk
	m.p("## Risk analysis")
	m.p("")
	if a.Method != "" {
		m.p("Method: %s", esc(a.Method))
		m.p("")
	}
	var rows [][]string
	for _, e := range a.Entries {
		rows = append(rows, []string{
			esc(string(e.Threat)), esc(e.AssetList()), esc(e.Goal), strconv.Itoa(e.AttackPotential), esc(e.Resistance),
			score(e.Likelihood.Level, e.Likelihood.Value), score(e.Impact.Level, e.Impact.Value), score(e.Risk.Level, e.Risk.Value),
			list(e.Implemented), list(e.Missing),
			score(e.ResidualLikelihood.Level, e.ResidualLikelihood.Value), score(e.ResidualImpact.Level, e.ResidualImpact.Value),
			score(e.Residual.Level, e.Residual.Value),
		})
	}
	m.table([]string{"Threat", "Asset", "Goal", "Attack potential", "Resistance", "Likelihood", "Impact", "Risk",
		"Implemented", "Missing", "Residual likelihood", "Residual impact", "Residual risk"}, rows)
	levels := slices.Sorted(maps.Keys(a.Counts.Inherent))
	for l := range a.Counts.Residual {
		if !slices.Contains(levels, l) {
			levels = append(levels, l)
		}
	}
	slices.Sort(levels)
	rows = nil
	for _, l := range levels {
		rows = append(rows, []string{esc(l), strconv.Itoa(a.Counts.Inherent[l]), strconv.Itoa(a.Counts.Residual[l])})
	}
	m.table([]string{"Risk level", "Inherent", "Residual"}, rows)
	for _, e := range a.Entries {
		name := e.ThreatName
		if name == "" {
			name = string(e.Threat)
		}
		m.p("### %s on %s", esc(name), esc(e.AssetList()))
		m.p("")
		var fr [][]string
		for _, f := range e.Factors {
			fr = append(fr, []string{esc(f.Name), esc(f.Level), strconv.Itoa(f.Points), orDash(f.Why)})
		}
		m.table([]string{"Factor", "Level", "Points", "Why"}, fr)
		for _, why := range e.Reasoning {
			m.p("- %s", esc(why))
		}
		if len(e.Evidence) > 0 {
			m.p("- Evidence: %s", list(e.Evidence))
		}
		m.p("")
	}
}

func (m *md) coverage(r *report.Report) {
	c := r.Coverage
	m.p("## Coverage and gaps")
	m.p("")
	m.p("### Gaps")
	m.p("")
	var rows [][]string
	for _, g := range c.Gaps {
		rows = append(rows, []string{esc(g.ID), esc(g.Kind), esc(string(g.Severity)), esc(g.Title), list(g.Threats),
			list(g.Requirements), list(g.Standards), list(g.Controls), list(g.Sources)})
	}
	m.table([]string{"ID", "Kind", "Severity", "Title", "Threats", "Requirements", "Standards", "Controls", "Sources"}, rows)
	m.p("### Requirements")
	m.p("")
	rows = nil
	for _, rc := range c.Requirements {
		rows = append(rows, []string{esc(string(rc.Requirement)), list(rc.Standards), strconv.Itoa(rc.Controls),
			strconv.Itoa(rc.Implemented), strconv.Itoa(rc.Evidenced)})
	}
	m.table([]string{"Requirement", "Standards", "Controls", "Implemented", "Evidenced"}, rows)
	m.p("### Threats")
	m.p("")
	rows = nil
	for _, tc := range c.Threats {
		rows = append(rows, []string{esc(string(tc.Threat)), list(tc.Standards), yes(tc.Specific), strconv.Itoa(tc.Controls),
			strconv.Itoa(tc.Implemented)})
	}
	m.table([]string{"Threat", "Standards", "AI-specific standard", "Controls", "Implemented"}, rows)
}

func (m *md) findings(r *report.Report) {
	m.p("## Findings")
	m.p("")
	if len(r.Findings) == 0 {
		m.p("No findings.")
		m.p("")
	}
	for _, f := range r.Findings {
		m.p("### [%s] %s", strings.ToUpper(esc(string(f.Severity))), esc(f.Title))
		m.p("")
		if f.Detail != "" {
			m.p("%s", esc(f.Detail))
			m.p("")
		}
		m.table([]string{"ID", "Kind", "Threats", "Controls", "Requirements", "Standards"}, [][]string{{
			esc(f.ID), esc(f.Kind), list(f.Threats), list(f.Controls), list(f.Requirements), list(f.Standards)}})
		m.p("Sources:")
		m.p("")
		if len(f.Sources) == 0 {
			m.p("- none given")
		}
		for _, s := range f.Sources {
			m.p("- %s", esc(s))
		}
		m.p("")
	}
}

func (m *md) results(r *report.Report) {
	m.p("## Results")
	m.p("")
	var rows [][]string
	for _, res := range r.Results {
		var metrics []string
		for _, k := range slices.Sorted(maps.Keys(res.Metrics)) {
			metrics = append(metrics, k+"="+strconv.FormatFloat(res.Metrics[k], 'g', -1, 64))
		}
		when := "-"
		if !res.Time.IsZero() {
			when = res.Time.UTC().Format("2006-01-02 15:04:05Z")
		}
		rows = append(rows, []string{esc(res.ID), esc(res.Check), esc(string(res.Status)), esc(res.Summary), orDash(res.Reason),
			list(res.Threats), list(res.Controls), list(res.Requirements), orDash(string(res.Category)),
			list(metrics), list(res.Evidence), when})
	}
	m.table([]string{"ID", "Check", "Status", "Summary", "Reason", "Threats", "Controls", "Requirements", "Art. 15(5) category",
		"Metrics", "Evidence", "Time"}, rows)
}
