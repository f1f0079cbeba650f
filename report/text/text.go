// Package text writes the report as a terminal summary: the system, its AI
// Act tier and why, the top risks, gap and finding counts, failed tests and
// next steps. Lines fit 100 columns. Colour (ANSI escapes) is off unless
// Options.Color is set, which the CLI does for terminals.
package text

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/report"
)

// MediaType of the summary.
const MediaType = "text/plain; charset=utf-8"

// Options control the summary.
type Options struct {
	Color    bool // ANSI colour for headings and severities
	Width    int  // line width, at least 80; 0 means 100
	MaxRisks int  // risks in the table; 0 means 10
	MaxSteps int  // next steps; 0 means 5
}

// Write writes the summary without colour.
func Write(w io.Writer, r *report.Report) error { return WriteOptions(w, r, Options{}) }

// Format returns the text format with the given options, for a caller (the
// CLI on a terminal) that wants colour.
func Format(o Options) report.Format {
	return report.Format{Name: "text", Ext: ".txt", MediaType: MediaType,
		Write: func(w io.Writer, r *report.Report) error { return WriteOptions(w, r, o) }}
}

// WriteOptions writes the summary.
func WriteOptions(w io.Writer, r *report.Report, o Options) error {
	if r == nil {
		return errors.New("text report: nil report")
	}
	if o.Width == 0 {
		o.Width = 100
	}
	o.Width = max(o.Width, 80) // the risk table needs 80 columns
	if o.MaxRisks <= 0 {
		o.MaxRisks = 10
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = 5
	}
	bw := bufio.NewWriter(w)
	p := &printer{w: bw, o: o}
	p.header(r)
	p.classification(r)
	p.risks(r)
	p.gaps(r)
	p.findings(r)
	p.tests(r)
	p.next(r)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("text report: %w", err)
	}
	return nil
}

type printer struct {
	w *bufio.Writer
	o Options
}

const (
	bold  = "\x1b[1m"
	dim   = "\x1b[2m"
	red   = "\x1b[31m"
	yel   = "\x1b[33m"
	cyan  = "\x1b[36m"
	reset = "\x1b[0m"
)

func (p *printer) paint(code, s string) string {
	if !p.o.Color || s == "" {
		return s
	}
	return code + s + reset
}

func (p *printer) sev(s aiassure.Severity, text string) string {
	switch s {
	case aiassure.Critical:
		return p.paint(bold+red, text)
	case aiassure.High:
		return p.paint(red, text)
	case aiassure.Medium:
		return p.paint(yel, text)
	case aiassure.Low:
		return p.paint(cyan, text)
	}
	return p.paint(dim, text)
}

func (p *printer) line(s string) { p.w.WriteString(strings.TrimRight(s, " ") + "\n") }

func (p *printer) heading(s string) {
	p.line("")
	p.line(p.paint(bold, strings.ToUpper(s)))
}

// wrap writes text after a label, wrapping at the width with a hanging
// indent under the text.
func (p *printer) wrap(label, text string) {
	indent := utf8.RuneCountInString(stripANSI(label))
	if indent > p.o.Width/2 { // a long label gets lines of its own
		lead := len(label) - len(strings.TrimLeft(label, " "))
		for _, l := range wrapText(label, p.o.Width-lead) {
			p.line(label[:lead] + l)
		}
		label, indent = strings.Repeat(" ", lead+4), lead+4
	}
	for i, l := range wrapText(text, p.o.Width-indent) {
		if i == 0 {
			p.line(label + l)
		} else {
			p.line(strings.Repeat(" ", indent) + l)
		}
	}
}

// stripANSI removes colour escapes, which take no columns.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func wrapText(s string, width int) []string {
	width = max(width, 1)
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		wr := []rune(word)
		for len(wr) > width { // a word longer than the line is cut
			if len(cur) > 0 {
				lines = append(lines, string(cur))
				cur = nil
			}
			lines = append(lines, string(wr[:width]))
			wr = wr[width:]
		}
		switch {
		case len(cur) == 0:
			cur = wr
		case len(cur)+1+len(wr) <= width:
			cur = append(append(cur, ' '), wr...)
		default:
			lines = append(lines, string(cur))
			cur = wr
		}
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// cut shortens s to n runes, marking the cut with "~".
func cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "~"
}

func pad(s string, n int) string {
	n = max(n, 1)
	s = cut(s, n)
	return s + strings.Repeat(" ", n-utf8.RuneCountInString(s))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (p *printer) header(r *report.Report) {
	name := strings.TrimSpace(r.System.Name + " " + r.System.Version)
	if r.System.Provider != "" {
		name += " (" + r.System.Provider + ")"
	}
	p.line(p.paint(bold, cut("aiassure assessment: "+name, p.o.Width)))
	digest := r.System.Digest
	if len(digest) > 23 {
		digest = digest[:23] + "~"
	}
	p.wrap("Profile    ", strings.TrimSpace(r.System.Profile+" "+digest))
	gen := "unknown time"
	if !r.Generated.IsZero() {
		gen = r.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	p.wrap("Generated  ", fmt.Sprintf("%s by %s %s; catalogue %s; report schema %s",
		gen, r.Tool.Name, r.Tool.Version, r.CatalogVersion, r.SchemaVersion))
	p.wrap("Purpose    ", r.System.Purpose)
	p.wrap("Context    ", fmt.Sprintf("sector %s, role %s, target assurance %s", r.System.Sector, r.System.Role, r.System.Assurance))
}

func (p *printer) classification(r *report.Report) {
	c := r.Classification
	p.heading("AI Act classification")
	tier := strings.ToUpper(c.Tier)
	if tier == "" {
		tier = "NOT CLASSIFIED"
	}
	if c.Route != "" {
		tier += " via " + c.Route
	}
	p.wrap("  Tier: ", p.paint(bold, tier)+fmt.Sprintf("; general-purpose AI: %s%s; Art. 50 transparency: %s",
		yesNo(c.GeneralPurpose), map[bool]string{true: " (systemic risk)"}[c.SystemicRisk], yesNo(c.Transparency)))
	var why int
	for _, v := range c.Verdicts {
		if v.Outcome == "no" || v.Outcome == "" {
			continue
		}
		if why == 0 {
			p.line("  Why:")
		}
		why++
		text := v.Reason
		if len(v.Fields) > 0 {
			text += " [" + strings.Join(v.Fields, ", ") + "]"
		}
		p.wrap("    - "+v.Article+": ", text)
	}
	if why == 0 {
		p.line("  Why: no rule set a tier or obligation.")
	}
	if len(c.Obligations) > 0 {
		p.line(fmt.Sprintf("  Obligations (%d):", len(c.Obligations)))
		for _, o := range c.Obligations {
			from := o.AppliesFrom
			if !o.Verified {
				from += " (unverified)"
			}
			p.line("    " + pad(o.Article, 12) + " " + pad(o.Title, p.o.Width-50) + " from " + cut(from, 27))
		}
	}
}

func (p *printer) risks(r *report.Report) {
	p.heading("Top risks")
	if r.Risk.Method != "" {
		p.wrap("  ", "Method: "+r.Risk.Method)
	}
	if len(r.Risk.Entries) == 0 {
		p.line("  No threat applies to this system's assets.")
		return
	}
	rest := p.o.Width - 2 - 28 - 1 - 19 - 1 - 13 - 1 - 13 - 1
	p.line("  " + pad("THREAT", 28) + " " + pad("ASSET", 19) + " " + pad("INHERENT", 13) + " " + pad("RESIDUAL", 13) + " " + pad("MISSING CONTROLS", rest))
	for i, e := range r.Risk.Entries {
		if i == p.o.MaxRisks {
			p.line(fmt.Sprintf("  ... and %d more", len(r.Risk.Entries)-i))
			break
		}
		name := e.ThreatName
		if name == "" {
			name = string(e.Threat)
		}
		missing := "-"
		if len(e.Missing) > 0 {
			missing = joinIDs(e.Missing)
		}
		inh := pad(fmt.Sprintf("%s (%d)", e.Risk.Level, e.Risk.Value), 13)
		res := pad(fmt.Sprintf("%s (%d)", e.Residual.Level, e.Residual.Value), 13)
		p.line("  " + pad(name, 28) + " " + pad(e.AssetList(), 19) + " " + p.riskColour(e.Risk.Level, inh) + " " +
			p.riskColour(e.Residual.Level, res) + " " + cut(missing, rest))
	}
}

func (p *printer) riskColour(level, s string) string {
	switch strings.ToLower(level) {
	case "critical":
		return p.sev(aiassure.Critical, s)
	case "major", "high":
		return p.sev(aiassure.High, s)
	case "medium", "moderate":
		return p.sev(aiassure.Medium, s)
	}
	return s
}

func joinIDs[T ~string](ids []T) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}

func (p *printer) gaps(r *report.Report) {
	p.heading("Gaps")
	count := map[string]int{}
	for _, g := range r.Coverage.Gaps {
		count[g.Kind]++
	}
	p.line(fmt.Sprintf("  implementation %d   evidence %d   standardisation %d",
		count[coverage.Implementation], count[coverage.Evidence], count[coverage.Standardisation]))
	var other []string
	for k, n := range count {
		if k != coverage.Implementation && k != coverage.Evidence && k != coverage.Standardisation {
			other = append(other, fmt.Sprintf("%s %d", k, n))
		}
	}
	slices.Sort(other)
	if len(other) > 0 {
		p.line("  " + strings.Join(other, "   "))
	}
	var unmet []string
	for _, rc := range r.Coverage.Requirements {
		if rc.Controls > 0 && rc.Implemented == 0 {
			unmet = append(unmet, string(rc.Requirement))
		}
	}
	if len(unmet) > 0 {
		p.wrap("  No implemented control for: ", strings.Join(unmet, ", "))
	}
}

func (p *printer) findings(r *report.Report) {
	p.heading("Findings")
	var parts []string
	for _, s := range []aiassure.Severity{aiassure.Critical, aiassure.High, aiassure.Medium, aiassure.Low, aiassure.Info} {
		parts = append(parts, p.sev(s, fmt.Sprintf("%s %d", s, r.Summary.Findings[s])))
	}
	line := "  " + strings.Join(parts, "   ")
	if r.Summary.Highest != "" {
		line += "   (highest: " + p.sev(r.Summary.Highest, string(r.Summary.Highest)) + ")"
	}
	p.line(line)
}

func (p *printer) tests(r *report.Report) {
	p.heading("Tests")
	p.line(fmt.Sprintf("  pass %d   fail %d   unknown %d   not applicable %d",
		r.Summary.Results[aiassure.Pass], r.Summary.Results[aiassure.Fail],
		r.Summary.Results[aiassure.Unknown], r.Summary.Results[aiassure.NotApplicable]))
	for _, res := range r.Results {
		var tag string
		switch res.Status {
		case aiassure.Fail:
			tag = p.paint(bold+red, "FAIL")
		case aiassure.Unknown:
			tag = p.paint(yel, "UNKN")
		default:
			continue
		}
		text := res.Summary
		if res.Reason != "" {
			text += ": " + res.Reason
		}
		p.wrap("  "+tag+" "+res.ID+"  ", text)
	}
}

func (p *printer) next(r *report.Report) {
	p.heading("Next steps")
	n := 0
	for _, f := range r.Findings {
		if f.Severity.Rank() < aiassure.Medium.Rank() {
			continue
		}
		if n == p.o.MaxSteps {
			p.line(fmt.Sprintf("  ... %d more findings in the full report (--format html or markdown)", countAtLeast(r.Findings, aiassure.Medium)-n))
			break
		}
		n++
		text := f.Title
		if len(f.Controls) > 0 {
			text += ". Controls: " + joinIDs(f.Controls)
		}
		p.wrap(fmt.Sprintf("  %d. [%s] ", n, p.sev(f.Severity, strings.ToUpper(string(f.Severity)))), text)
	}
	if n == 0 {
		p.line("  No finding of medium or higher severity.")
	}
}

func countAtLeast(fs []aiassure.Finding, s aiassure.Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity.Rank() >= s.Rank() {
			n++
		}
	}
	return n
}
