// Package text writes the report as a terminal summary, in the order of the
// full report: the conclusion (verdict, reasons, first steps), the identity
// of what was assessed (artefacts and their digests, tool and catalogue
// versions, the report's own digest), scope and limits, the AI Act tier and
// why, the top risks with the facts they apply for, findings, tests, and
// the annexes (threats that do not apply, standardisation gaps of the ENISA
// report, references).
//
// Lines fit Options.Width columns (default 100): text wraps at spaces,
// tables wrap each cell within its column, and an identifier is never cut
// (one wider than the line is broken after a '-', '/' or '.', never
// shortened). Colour (ANSI escapes) is off unless Options.Color is set,
// which the CLI does for terminals.
package text

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/report"
	reportjson "github.com/aiassure/aiassure/report/json"
	"github.com/aiassure/aiassure/risk"
)

// MediaType of the summary.
const MediaType = "text/plain; charset=utf-8"

// Width limits.
const (
	DefaultWidth = 100 // when Options.Width is 0, and what the CLI uses when stdout is not a terminal
	MinWidth     = 40  // narrower widths are raised to this
)

// Options control the summary.
type Options struct {
	Color       bool // ANSI colour for headings and severities
	Width       int  // line width in columns; 0 means DefaultWidth, less than MinWidth means MinWidth
	MaxRisks    int  // risks listed; 0 means 10
	MaxSteps    int  // findings listed; 0 means 10
	MaxExcluded int  // threats that do not apply listed in the annex; 0 means all
}

// Write writes the summary without colour at the default width.
func Write(w io.Writer, r *report.Report) error { return WriteOptions(w, r, Options{}) }

// Format returns the text format with the given options, for a caller (the
// CLI on a terminal) that wants colour or the terminal's width.
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
		o.Width = DefaultWidth
	}
	o.Width = max(o.Width, MinWidth)
	if o.MaxRisks <= 0 {
		o.MaxRisks = 10
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = 10
	}
	digest, err := reportjson.Digest(r)
	if err != nil {
		return fmt.Errorf("text report: %w", err)
	}
	r = safetext.Clean(r) // after the digest, which is of the report as it is
	bw := bufio.NewWriter(w)
	p := &printer{w: bw, o: o}
	p.header(r)
	p.conclusion(r)
	p.identity(r, digest)
	p.scope(r)
	p.classification(r)
	p.risks(r)
	p.findings(r)
	p.tests(r)
	p.annexes(r)
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
	green = "\x1b[32m"
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
	for _, l := range wrapText(strings.ToUpper(s), p.o.Width) {
		p.line(p.paint(bold, l))
	}
}

// counts writes items separated by three spaces, as many to a line as fit.
func (p *printer) counts(indent int, items ...string) {
	pad := strings.Repeat(" ", indent)
	cur, w := "", 0
	for _, it := range items {
		iw := width(it)
		if w > 0 && indent+w+3+iw > p.o.Width {
			p.line(pad + cur)
			cur, w = "", 0
		}
		if w > 0 {
			cur += "   "
			w += 3
		}
		cur += it
		w += iw
	}
	if w > 0 {
		p.line(pad + cur)
	}
}

// wrap writes text after a label, wrapping at the width with a hanging
// indent under the text. The label may hold colour escapes.
func (p *printer) wrap(label, text string) {
	indent := width(label)
	if indent > p.o.Width/2 { // a long label gets lines of its own
		plain := stripANSI(label)
		lead := len(plain) - len(strings.TrimLeft(plain, " "))
		for _, l := range wrapText(plain, p.o.Width-lead) {
			p.line(plain[:lead] + l)
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

// item writes a list item: a bullet or number at indent, the text wrapped
// under itself.
func (p *printer) item(indent int, bullet, text string) {
	p.wrap(strings.Repeat(" ", indent)+bullet+" ", text)
}

func (p *printer) table(indent int, t table) {
	for _, l := range t.lines(indent, p.o.Width) {
		p.line(l)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
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

// Why is a reason of a threat's applicability with where it comes from:
// "continuous learning declared (lifecycle.continuous_learning, profile
// line 68)".
func Why(rs risk.Reason) string {
	var at []string
	if rs.Field != "" {
		at = append(at, rs.Field)
	}
	if rs.Line > 0 {
		at = append(at, fmt.Sprintf("profile line %d", rs.Line))
	}
	if len(at) == 0 {
		return rs.Text
	}
	return rs.Text + " (" + strings.Join(at, ", ") + ")"
}

// Accepted says who accepted a finding, until when and why.
func Accepted(a *aiassure.Acceptance) string {
	s := "accepted by " + a.By
	if !a.Expires.IsZero() {
		s += " until " + a.Expires.UTC().Format("2006-01-02")
	} else {
		s += " (no expiry)"
	}
	if a.Reason != "" {
		s += ": " + a.Reason
	}
	return s
}

var verdictText = map[string]string{
	report.NotReady:           "NOT READY",
	report.ReadyWithFindings:  "READY WITH FINDINGS",
	report.Ready:              "READY",
	report.NotAssessedVerdict: "NOT ASSESSED",
}

func (p *printer) header(r *report.Report) {
	name := strings.TrimSpace(r.System.Name + " " + r.System.Version)
	if r.System.Provider != "" {
		name += " (" + r.System.Provider + ")"
	}
	for _, l := range wrapText("aiassure assessment: "+name, p.o.Width) {
		p.line(p.paint(bold, l))
	}
	p.wrap("Purpose  ", orDash(r.System.Purpose))
	role := "role"
	if strings.Contains(r.System.Role, ",") {
		role = "roles"
	}
	p.wrap("Context  ", fmt.Sprintf("sector %s, %s %s, target assurance %s", orDash(r.System.Sector), role, orDash(r.System.Role), orDash(r.System.Assurance)))
}

func (p *printer) conclusion(r *report.Report) {
	c := r.Conclusion
	v, ok := verdictText[c.Verdict]
	if !ok {
		v = "NO CONCLUSION"
		if c.Verdict != "" {
			v = strings.ToUpper(c.Verdict)
		}
	}
	code := bold + yel
	switch c.Verdict {
	case report.NotReady:
		code = bold + red
	case report.Ready:
		code = bold + green
	}
	p.line("")
	p.line(p.paint(bold, "CONCLUSION: ") + p.paint(code, v))
	if len(c.Reasons) > 0 {
		p.line("  Why:")
		for _, s := range c.Reasons {
			p.item(4, "-", s)
		}
	}
	if len(c.FirstSteps) > 0 {
		p.line("  First steps:")
		for i, s := range c.FirstSteps {
			p.item(4, fmt.Sprintf("%d.", i+1), s)
		}
	}
}

func (p *printer) identity(r *report.Report, digest string) {
	p.heading("Identity of the item under test")
	gen := "unknown time"
	if !r.Generated.IsZero() {
		gen = r.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	p.wrap("  Generated  ", fmt.Sprintf("%s by %s %s; catalogue %s; report schema %s",
		gen, orDash(r.Tool.Name), orDash(r.Tool.Version), orDash(r.CatalogVersion), orDash(r.SchemaVersion)))
	p.wrap("  Report     ", digest+" (SHA-256 of the canonical JSON report)")
	arts := r.Artefacts
	if len(arts) == 0 && r.System.Profile != "" {
		arts = []report.Artefact{{Role: "profile", Path: r.System.Profile, Digest: r.System.Digest}}
	}
	if len(arts) == 0 {
		p.line("  No artefact is recorded.")
		return
	}
	// One artefact per entry: its role, then its path and, under the path,
	// its digest, each wrapped in the room left by the role column.
	rw := 0
	for _, a := range arts {
		rw = max(rw, width(a.Role))
	}
	rw = min(rw, p.o.Width/4)
	for _, a := range arts {
		d := a.Digest
		if d == "" {
			d = "no digest"
		}
		if a.Note != "" {
			d += " (" + a.Note + ")"
		}
		label := "  " + a.Role + strings.Repeat(" ", max(0, rw-width(a.Role))) + "  "
		p.wrap(label, a.Path)
		under := width(label)
		if first, _, _ := strings.Cut(d, " "); under+width(first) > p.o.Width && 4+width(first) <= p.o.Width {
			under = 4 // a digest that fits the line on its own is not broken
		}
		p.wrap(strings.Repeat(" ", under), d)
	}
}

func (p *printer) scope(r *report.Report) {
	s := r.Scope
	p.heading("Scope and limits")
	if len(s.Assessed)+len(s.NotAssessed)+len(s.Limits) == 0 {
		p.line("  The report states no scope.")
		return
	}
	if len(s.Assessed) > 0 {
		p.line("  Assessed:")
		for _, a := range s.Assessed {
			p.item(4, "-", a)
		}
	}
	if len(s.NotAssessed) > 0 {
		p.line("  Not assessed:")
		for _, a := range s.NotAssessed {
			p.item(4, "-", a.What+": "+a.Why)
		}
	}
	if len(s.Limits) > 0 {
		p.line("  Limits of the method:")
		for _, a := range s.Limits {
			p.item(4, "-", a)
		}
	}
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
	if c.Provisional {
		p.wrap("  ", p.paint(bold, "Provisional:")+" the open questions below could change the tier.")
	}
	if len(c.Conclusions) > 0 {
		p.line("  Conclusions:")
		for _, x := range c.Conclusions {
			src := slices.Clone(x.Facts)
			if x.Claim != "" {
				src = append(src, x.Claim)
			}
			p.item(4, "-", fmt.Sprintf("%s (%s), by %s [%s]", x.Sets, x.Provision, x.By, strings.Join(src, ", ")))
		}
	}
	if len(c.Open) > 0 {
		p.line("  Open questions:")
		for _, o := range c.Open {
			p.item(4, "-", o.Reason)
		}
	}
	if len(c.Claims) > 0 {
		p.line("  Claims to resolve:")
		for _, x := range c.Claims {
			p.item(4, "-", x.Kind+": "+x.Reason)
		}
	}
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
		p.item(4, "-", v.Article+": "+text)
	}
	if why == 0 {
		p.line("  Why: no rule set a tier or obligation.")
	}
	if len(c.Roles) > 0 {
		p.wrap("  Roles: ", strings.Join(c.Roles, ", "))
	}
	if cf := c.Conformity; cf.Procedure != "" {
		text := cf.Procedure + " (" + cf.Article + ")"
		if cf.Legislation != "" {
			text += ", " + cf.Legislation
		}
		if cf.Status == "conditional" {
			text += ", conditional"
		}
		p.wrap("  Conformity assessment: ", text+". "+cf.Reason)
		for _, n := range cf.Notes {
			p.item(4, "-", n)
		}
	}
	if len(c.Obligations) > 0 {
		p.line(fmt.Sprintf("  Obligations (%d):", len(c.Obligations)))
		t := table{head: []string{"ROLE", "ARTICLE", "TITLE", "APPLIES FROM"}}
		var conditional []string
		for _, o := range c.Obligations {
			from := o.AppliesFrom
			if !o.Verified {
				from += " (unverified)"
			}
			title := o.Title
			if o.Kind != "" && o.Kind != "obligation" {
				title += " [" + o.Kind + "]"
			}
			if o.Status == "conditional" {
				title += " [conditional]"
				conditional = append(conditional, o.Article+": "+o.Condition)
			}
			t.rows = append(t.rows, []string{strings.Join(o.Roles, ", "), o.Article, title, from})
		}
		p.table(4, t)
		if len(conditional) > 0 {
			p.line("  Conditional obligations:")
			for _, x := range conditional {
				p.item(4, "-", x)
			}
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
	for i, e := range r.Risk.Entries {
		if i == p.o.MaxRisks {
			p.line(fmt.Sprintf("  ... and %d more in the full report (-format html or markdown)", len(r.Risk.Entries)-i))
			break
		}
		name := e.ThreatName
		if name == "" {
			name = string(e.Threat)
		}
		res := p.riskColour(e.Residual.Level, fmt.Sprintf("%s (%d)", e.Residual.Level, e.Residual.Value))
		p.wrap(fmt.Sprintf("  %2d. ", i+1), fmt.Sprintf("%s [%s]: inherent %s (%d), residual %s", name, e.Threat, e.Risk.Level, e.Risk.Value, res))
		const sub = "      "
		if len(e.Assets) > 0 {
			p.wrap(sub+"assets: ", e.AssetList())
		}
		if len(e.Applies) > 0 {
			var why []string
			for _, a := range e.Applies {
				why = append(why, Why(a))
			}
			p.wrap(sub+"why it applies: ", strings.Join(why, "; "))
		}
		if len(e.Missing) > 0 {
			p.wrap(sub+"missing controls: ", joinIDs(e.Missing))
		}
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

func (p *printer) findings(r *report.Report) {
	p.heading("Findings")
	var parts []string
	for _, s := range []aiassure.Severity{aiassure.Critical, aiassure.High, aiassure.Medium, aiassure.Low, aiassure.Info} {
		parts = append(parts, p.sev(s, fmt.Sprintf("%s %d", s, r.Summary.Findings[s])))
	}
	if r.Summary.Highest != "" {
		parts = append(parts, "(highest: "+p.sev(r.Summary.Highest, string(r.Summary.Highest))+")")
	}
	p.counts(2, parts...)
	n := 0
	for _, f := range r.Findings {
		if n == p.o.MaxSteps {
			p.line(fmt.Sprintf("  ... and %d more in the full report (-format html or markdown)", len(r.Findings)-n))
			break
		}
		n++
		p.wrap(fmt.Sprintf("  %2d. [%s] ", n, p.sev(f.Severity, strings.ToUpper(string(f.Severity)))), f.Title)
		const sub = "      "
		meta := []string{f.ID}
		if len(f.Provisions) > 0 {
			meta = append(meta, strings.Join(f.Provisions, ", "))
		}
		if len(f.Locations) > 0 {
			meta = append(meta, location(f.Locations[0]))
		}
		p.wrap(sub, strings.Join(meta, "; "))
		if len(f.Controls) > 0 {
			p.wrap(sub+"remedy: ", joinIDs(f.Controls))
		}
		if f.Accepted != nil {
			p.wrap(sub, p.paint(dim, Accepted(f.Accepted)))
		}
	}
}

// location is "file:line (field)".
func location(l aiassure.Location) string {
	s := l.File
	if l.Line > 0 {
		s += fmt.Sprintf(":%d", l.Line)
	}
	if l.Field != "" {
		s += " (" + l.Field + ")"
	}
	return s
}

func (p *printer) tests(r *report.Report) {
	p.heading("Tests")
	p.counts(2, fmt.Sprintf("pass %d", r.Summary.Results[aiassure.Pass]), fmt.Sprintf("fail %d", r.Summary.Results[aiassure.Fail]),
		fmt.Sprintf("unknown %d", r.Summary.Results[aiassure.Unknown]), fmt.Sprintf("not applicable %d", r.Summary.Results[aiassure.NotApplicable]))
	if len(r.Results) == 0 {
		return
	}
	t := table{head: []string{"STATUS", "TEST", "SUMMARY"}}
	for _, res := range r.Results {
		text := res.Summary
		if res.Reason != "" && res.Status != aiassure.Pass {
			text += ": " + res.Reason
		}
		t.rows = append(t.rows, []string{statusText[res.Status], res.ID, text})
	}
	t.paint = func(row, col int, s string) string {
		if col != 0 {
			return s
		}
		switch r.Results[row].Status {
		case aiassure.Fail:
			return p.paint(bold+red, s)
		case aiassure.Unknown:
			return p.paint(yel, s)
		case aiassure.Pass:
			return p.paint(green, s)
		}
		return p.paint(dim, s)
	}
	p.table(2, t)
}

var statusText = map[aiassure.Status]string{
	aiassure.Pass: "pass", aiassure.Fail: "FAIL", aiassure.Unknown: "unknown", aiassure.NotApplicable: "n/a",
}

func (p *printer) annexes(r *report.Report) {
	p.heading("Annex A: threats that do not apply")
	if len(r.Risk.NotApplicable) == 0 {
		p.line("  None: every catalogue threat applies to some asset, or the report lists none.")
	} else {
		t := table{head: []string{"THREAT", "WHY NOT"}}
		for i, x := range r.Risk.NotApplicable {
			if p.o.MaxExcluded > 0 && i == p.o.MaxExcluded {
				t.rows = append(t.rows, []string{"...", fmt.Sprintf("and %d more in the full report", len(r.Risk.NotApplicable)-i)})
				break
			}
			t.rows = append(t.rows, []string{string(x.Threat), "not applicable: " + Why(x.Reason)})
		}
		p.table(2, t)
	}
	p.heading("Annex B: standardisation gaps of the ENISA report (informational)")
	var ids []string
	for _, g := range r.Coverage.Gaps {
		if g.Kind == coverage.Standardisation {
			ids = append(ids, g.ID)
		}
	}
	if len(ids) == 0 {
		p.line("  None bears on this system's threats.")
	} else {
		p.wrap("  ", fmt.Sprintf("%s in published standards %s on this system's threats. Informational, not a finding: "+
			"the provider cannot close a standardisation gap. %s.", plural(len(ids), "gap", "gaps"), map[bool]string{true: "bears", false: "bear"}[len(ids) == 1], strings.Join(ids, ", ")))
	}
	p.heading("Annex C: references")
	if len(r.References) == 0 {
		p.line("  The report cites no reference.")
		return
	}
	for _, ref := range r.References {
		doc := ref.Label
		if ref.Title != "" && ref.Title != ref.Label {
			doc += ": " + ref.Title
		}
		if ref.URL != "" {
			doc += " <" + ref.URL + ">"
		}
		p.item(2, "-", doc)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Metrics formats a result's metrics for people: each value rounded (three
// decimals below 1, four significant digits above, integers as such), with
// its confidence interval when the result gives one (keys NAME_lower and
// NAME_upper, or NAME_lo and NAME_hi, with "confidence"). Robustness-curve
// points (keys with "@") are counted, not listed; norm flags are left out.
// The Markdown and HTML writers use it too.
func Metrics(m map[string]float64) string {
	keys := slices.Sorted(maps.Keys(m))
	bound := func(base string, names ...string) (float64, bool) {
		for _, n := range names {
			if v, ok := m[base+n]; ok {
				return v, true
			}
		}
		return 0, false
	}
	isBound := map[string]bool{}
	for _, k := range keys {
		for _, pair := range [][2]string{{"_lower", "_upper"}, {"_lo", "_hi"}} {
			if _, lo := m[k+pair[0]]; lo {
				if _, hi := m[k+pair[1]]; hi {
					isBound[k+pair[0]], isBound[k+pair[1]] = true, true
				}
			}
		}
	}
	conf := 0.95
	if c, ok := m["confidence"]; ok && c > 0 && c < 1 {
		conf = c
	}
	var out []string
	curve := 0
	for _, k := range keys {
		switch {
		case strings.Contains(k, "@"):
			if strings.HasPrefix(k, "robust_accuracy@") {
				curve++
			}
			continue
		case isBound[k], k == "norm_linf", k == "norm_l2", k == "confidence":
			continue
		}
		s := k + " " + Num(m[k])
		lo, okl := bound(k, "_lower", "_lo")
		hi, okh := bound(k, "_upper", "_hi")
		if okl && okh {
			s += fmt.Sprintf(" (%s%% CI %s to %s)", Num(100*conf), Num(lo), Num(hi))
		}
		out = append(out, s)
	}
	if curve > 0 {
		out = append(out, fmt.Sprintf("robustness curve at %d perturbation sizes", curve))
	}
	return strings.Join(out, "; ")
}

// Num rounds a number for people: integers as such, three decimals below
// 1 in magnitude, four significant digits otherwise.
func Num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) < 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
