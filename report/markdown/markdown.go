// Package markdown writes the full report as CommonMark with GitHub tables,
// in the order a reader signs it off: the conclusion (verdict, reasons,
// first steps), the identity of the item under test (every artefact with
// its digest, tool and catalogue versions, the report's own digest), scope
// and limits, the AI Act classification, the risk analysis (each threat
// with the assets it concerns, why it applies, its attack-potential factors
// and reasoning), coverage, every finding with its provisions, clauses,
// profile location and any risk acceptance, every test result, the
// annexes (threats that do not apply, standardisation gaps of the ENISA
// report, references as links) and a sign-off block. Text from the report
// is escaped so that it cannot break a table or inject markup; only http
// and https URLs become links.
package markdown

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/report"
	reportjson "github.com/aiassure/aiassure/report/json"
	"github.com/aiassure/aiassure/report/text"
)

// MediaType of the Markdown report.
const MediaType = "text/markdown; charset=utf-8"

// Write writes r as Markdown.
func Write(w io.Writer, r *report.Report) error {
	if r == nil {
		return errors.New("markdown report: nil report")
	}
	digest, err := reportjson.Digest(r)
	if err != nil {
		return fmt.Errorf("markdown report: %w", err)
	}
	r = safetext.Clean(r) // after the digest, which is of the report as it is
	bw := bufio.NewWriter(w)
	m := &md{w: bw}
	m.header(r)
	m.conclusion(r)
	m.identity(r, digest)
	m.scope(r)
	m.classification(r)
	m.risk(r)
	m.coverage(r)
	m.findings(r)
	m.results(r)
	m.annexes(r)
	m.signoff(r, digest)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("markdown report: %w", err)
	}
	return nil
}

type md struct{ w *bufio.Writer }

func (m *md) p(format string, args ...any) { fmt.Fprintf(m.w, format+"\n", args...) }

var escaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "#", `\#`,
)

// esc escapes text for a table cell or a line: markup characters are
// backslashed, line breaks become spaces.
func esc(s string) string {
	return escaper.Replace(strings.Join(strings.Fields(s), " "))
}

// code writes an identifier as inline code: it may hold any character but
// a backtick, which is replaced; pipes are escaped for tables.
func code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "`", "'"), "|", `\|`) + "`"
}

// link writes a link to an http or https URL, or the escaped text when the
// URL is anything else.
func link(label, raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		if raw == "" || raw == label {
			return orDash(label)
		}
		return esc(label) + " (" + esc(raw) + ")"
	}
	dest := strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "|", "%7C").Replace(u.String())
	return "[" + esc(label) + "](" + dest + ")"
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

func (m *md) bullets(items []string) {
	for _, s := range items {
		m.p("- %s", esc(s))
	}
	m.p("")
}

var verdictText = map[string]string{
	report.NotReady:           "Not ready",
	report.ReadyWithFindings:  "Ready with findings",
	report.Ready:              "Ready",
	report.NotAssessedVerdict: "Not assessed",
}

func (m *md) header(r *report.Report) {
	s := r.System
	m.p("# aiassure assessment: %s", esc(strings.TrimSpace(s.Name+" "+s.Version)))
	m.p("")
	if s.Purpose != "" {
		m.p("%s", esc(s.Purpose))
		m.p("")
	}
}

func (m *md) conclusion(r *report.Report) {
	c := r.Conclusion
	m.p("## Conclusion")
	m.p("")
	v, ok := verdictText[c.Verdict]
	if !ok {
		v = "No conclusion"
		if c.Verdict != "" {
			v = c.Verdict
		}
	}
	m.p("Verdict: **%s**. Highest finding severity: **%s**. AI Act tier: **%s**.", esc(v), orDash(string(r.Summary.Highest)), orDash(r.Classification.Tier))
	m.p("")
	if len(c.Reasons) > 0 {
		m.p("Why:")
		m.p("")
		m.bullets(c.Reasons)
	}
	if len(c.FirstSteps) > 0 {
		m.p("What to do first:")
		m.p("")
		for i, s := range c.FirstSteps {
			m.p("%d. %s", i+1, esc(s))
		}
		m.p("")
	}
}

func (m *md) identity(r *report.Report, digest string) {
	s := r.System
	m.p("## Identity of the item under test")
	m.p("")
	gen := "-"
	if !r.Generated.IsZero() {
		gen = r.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	m.table([]string{"Field", "Value"}, [][]string{
		{"System", orDash(s.Name)}, {"Version", orDash(s.Version)}, {"Provider", orDash(s.Provider)},
		{"Sector", orDash(s.Sector)}, {"Role", orDash(s.Role)}, {"Target assurance level", orDash(s.Assurance)},
		{"Generated", gen}, {"Tool", orDash(r.Tool.Name + " " + r.Tool.Version)},
		{"Catalogue version", orDash(r.CatalogVersion)}, {"Report schema", orDash(r.SchemaVersion)},
		{"Report digest", code(digest) + " (SHA-256 of the canonical JSON report)"},
	})
	arts := r.Artefacts
	if len(arts) == 0 && s.Profile != "" {
		arts = []report.Artefact{{Role: "profile", Path: s.Profile, Digest: s.Digest}}
	}
	var rows [][]string
	for _, a := range arts {
		rows = append(rows, []string{esc(a.Role), code(a.Path), code(a.Digest), orDash(a.Note)})
	}
	m.p("Artefacts the report rests on:")
	m.p("")
	m.table([]string{"Role", "Path", "Digest", "Note"}, rows)
}

func (m *md) scope(r *report.Report) {
	s := r.Scope
	m.p("## Scope and limits")
	m.p("")
	m.p("Assessed:")
	m.p("")
	if len(s.Assessed) == 0 {
		m.p("- the report states no scope")
		m.p("")
	}
	m.bullets(s.Assessed)
	if len(s.NotAssessed) > 0 {
		m.p("Not assessed:")
		m.p("")
		var rows [][]string
		for _, it := range s.NotAssessed {
			rows = append(rows, []string{esc(it.What), esc(it.Why)})
		}
		m.table([]string{"What", "Why"}, rows)
	}
	if len(s.Limits) > 0 {
		m.p("Limits of the method:")
		m.p("")
		m.bullets(s.Limits)
	}
}

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
	if c.Provisional {
		m.p("The tier is **provisional**: the open questions below could change it.")
		m.p("")
	}
	var rows [][]string
	if len(c.Conclusions) > 0 {
		m.p("### Legal conclusions")
		m.p("")
		for _, x := range c.Conclusions {
			src := list(x.Facts)
			if x.Claim != "" {
				src = strings.TrimPrefix(src+", `"+esc(x.Claim)+"`", "-, ")
			}
			rows = append(rows, []string{"`" + esc(x.Sets) + "`", esc(x.Provision), esc(x.By), src})
		}
		m.table([]string{"Conclusion", "Provision", "Established by", "Facts and claim"}, rows)
		rows = nil
	}
	if len(c.Open) > 0 {
		m.p("### Open questions")
		m.p("")
		for _, o := range c.Open {
			m.p("- %s", esc(o.Reason))
		}
		m.p("")
	}
	if len(c.Claims) > 0 {
		m.p("### Claims to resolve")
		m.p("")
		for _, x := range c.Claims {
			m.p("- **%s**: %s", esc(x.Kind), esc(x.Reason))
		}
		m.p("")
	}
	m.p("### Verdicts")
	m.p("")
	for _, v := range c.Verdicts {
		rows = append(rows, []string{esc(v.Rule), esc(v.Outcome), esc(v.Article), list(v.Fields), esc(v.Reason)})
	}
	m.table([]string{"Rule", "Outcome", "Article", "Profile fields", "Reason"}, rows)
	m.p("### Conformity assessment")
	m.p("")
	cf := c.Conformity
	m.table([]string{"Procedure", "Status", "Article", "Legislation", "Reason"},
		[][]string{{orDash(cf.Procedure), orDash(cf.Status), orDash(cf.Article), orDash(cf.Legislation), orDash(cf.Reason)}})
	for _, n := range cf.Notes {
		m.p("- %s", esc(n))
	}
	if len(cf.Notes) > 0 {
		m.p("")
	}
	m.p("### Obligations")
	m.p("")
	if len(c.Roles) > 0 {
		m.p("Roles: %s.", esc(strings.Join(c.Roles, ", ")))
		m.p("")
	}
	rows = nil
	for _, o := range c.Obligations {
		title := o.Title
		if o.Summary != "" {
			title += ": " + o.Summary
		}
		rows = append(rows, []string{esc(strings.Join(o.Roles, ", ")), esc(o.Article), esc(title), esc(o.Kind), esc(o.Status), orDash(o.Condition),
			orDash(string(o.Requirement)), esc(o.AppliesFrom), yes(o.Verified), orDash(o.Source)})
	}
	m.table([]string{"Roles", "Article", "Obligation", "Kind", "Status", "Why", "Requirement", "Applies from", "Verified", "Source"}, rows)
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
			esc(string(e.Threat)), esc(e.AssetList()),
			score(e.Risk.Level, e.Risk.Value) + ": " + esc(e.Likelihood.Level) + " x " + esc(e.Impact.Level),
			list(e.Missing),
			score(e.Residual.Level, e.Residual.Value) + ": " + esc(e.ResidualLikelihood.Level) + " x " + esc(e.ResidualImpact.Level),
		})
	}
	m.table([]string{"Threat", "Assets", "Inherent risk (likelihood x impact)", "Missing controls", "Residual risk"}, rows)
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
	m.table([]string{"Risk level", "Entries, inherent", "Entries, residual"}, rows)
	for _, e := range a.Entries {
		name := e.ThreatName
		if name == "" {
			name = string(e.Threat)
		}
		m.p("### %s on %s", esc(name), esc(e.AssetList()))
		m.p("")
		m.p("Threat %s; assets: %s; security goal: %s.", code(string(e.Threat)), list(e.Assets), orDash(e.Goal))
		m.p("")
		if len(e.Applies) > 0 {
			m.p("Why it applies:")
			m.p("")
			for _, why := range e.Applies {
				m.p("- %s", esc(text.Why(why)))
			}
			m.p("")
		}
		var fr [][]string
		for _, f := range e.Factors {
			fr = append(fr, []string{esc(f.Name), esc(f.Level), strconv.Itoa(f.Points), orDash(f.Why)})
		}
		m.p("Attack potential %d (%s): likelihood %s, impact %s, risk %s; residual %s.", e.AttackPotential, orDash(e.Resistance),
			orDash(e.Likelihood.Level), orDash(e.Impact.Level), score(e.Risk.Level, e.Risk.Value), score(e.Residual.Level, e.Residual.Value))
		m.p("")
		m.table([]string{"Factor (ISO/IEC 18045)", "Level", "Points", "Why"}, fr)
		m.p("Reasoning:")
		m.p("")
		for _, why := range e.Reasoning {
			m.p("- %s", esc(why))
		}
		if len(e.Implemented) > 0 {
			m.p("- Implemented controls: %s", list(e.Implemented))
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
	var rows [][]string
	for _, g := range c.Gaps {
		if g.Kind == coverage.Standardisation {
			continue
		}
		rows = append(rows, []string{esc(g.ID), esc(g.Kind), esc(string(g.Severity)), esc(g.Title), list(g.Threats),
			list(g.Requirements), list(g.Controls)})
	}
	if len(rows) > 0 {
		m.p("### Implementation and evidence gaps")
		m.p("")
		m.table([]string{"ID", "Kind", "Severity", "Title", "Threats", "Requirements", "Controls that close it"}, rows)
	}
	m.p("### Requirements")
	m.p("")
	rows = nil
	for _, rc := range c.Requirements {
		rows = append(rows, []string{esc(string(rc.Requirement)), list(rc.Standards), strconv.Itoa(rc.Controls),
			strconv.Itoa(rc.Implemented), strconv.Itoa(rc.Evidenced)})
	}
	m.table([]string{"Requirement", "Standards that address it", "Catalogue controls", "Controls implemented", "Controls with evidence"}, rows)
	m.p("### Threats")
	m.p("")
	rows = nil
	for _, tc := range c.Threats {
		rows = append(rows, []string{esc(string(tc.Threat)), list(tc.Standards), yes(tc.Specific), strconv.Itoa(tc.Controls),
			strconv.Itoa(tc.Implemented)})
	}
	m.table([]string{"Threat", "Standards that address it", "AI-specific standard covers it", "Catalogue controls", "Controls implemented"}, rows)
}

func location(l aiassure.Location) string {
	s := l.File
	if l.Line > 0 {
		s += ":" + strconv.Itoa(l.Line)
	}
	out := code(s)
	if l.Field != "" {
		out += " (" + code(l.Field) + ")"
	}
	return out
}

func (m *md) findings(r *report.Report) {
	m.p("## Findings")
	m.p("")
	var row []string
	for _, sv := range severities {
		row = append(row, strconv.Itoa(r.Summary.Findings[sv]))
	}
	m.table([]string{"Critical", "High", "Medium", "Low", "Info"}, [][]string{row})
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
		if f.Accepted != nil {
			m.p("**Accepted** %s (recorded at %s).", esc(strings.TrimPrefix(text.Accepted(f.Accepted), "accepted ")), location(f.Accepted.Location))
			m.p("")
		}
		var locs []string
		for _, l := range f.Locations {
			locs = append(locs, location(l))
		}
		rows := [][]string{{"ID", code(f.ID)}, {"Fingerprint", code(f.Fingerprint)}, {"Kind", esc(f.Kind)}}
		for _, kv := range [][]string{
			{"Assets", list(f.Assets)}, {"Threats", list(f.Threats)}, {"Remedy (controls)", list(f.Controls)},
			{"Provisions", list(f.Provisions)}, {"Standard clauses", list(f.Clauses)},
			{"Requirements", list(f.Requirements)}, {"Standards", list(f.Standards)},
			{"Profile location", orList(locs)}, {"Sources", list(f.Sources)},
		} {
			if kv[1] != "-" { // rows without a value are left out
				rows = append(rows, kv)
			}
		}
		m.table([]string{"Field", "Value"}, rows)
	}
}

func orList(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, "; ")
}

var severities = []aiassure.Severity{aiassure.Critical, aiassure.High, aiassure.Medium, aiassure.Low, aiassure.Info}

func (m *md) results(r *report.Report) {
	m.p("## Tests")
	m.p("")
	m.table([]string{"Pass", "Fail", "Unknown", "Not applicable"}, [][]string{{
		strconv.Itoa(r.Summary.Results[aiassure.Pass]), strconv.Itoa(r.Summary.Results[aiassure.Fail]),
		strconv.Itoa(r.Summary.Results[aiassure.Unknown]), strconv.Itoa(r.Summary.Results[aiassure.NotApplicable]),
	}})
	var rows [][]string
	for _, res := range r.Results {
		when := "-"
		if !res.Time.IsZero() {
			when = res.Time.UTC().Format("2006-01-02 15:04:05Z")
		}
		rows = append(rows, []string{code(res.ID), esc(string(res.Status)), esc(res.Summary), orDash(res.Reason),
			list(res.Threats), orDash(string(res.Category)), orDash(text.Metrics(res.Metrics)), list(res.Evidence), when})
	}
	m.table([]string{"ID", "Status", "Summary", "Reason", "Threats", "Art. 15(5) category", "Metrics (rounded, with intervals)", "Evidence", "Time"}, rows)
}

func (m *md) annexes(r *report.Report) {
	m.p("## Annex A: threats that do not apply")
	m.p("")
	if len(r.Risk.NotApplicable) == 0 {
		m.p("None listed.")
		m.p("")
	} else {
		var rows [][]string
		for _, x := range r.Risk.NotApplicable {
			rows = append(rows, []string{code(string(x.Threat)), orDash(x.Name), esc("not applicable: " + text.Why(x.Reason))})
		}
		m.table([]string{"Threat", "Name", "Why it does not apply"}, rows)
	}
	m.p("## Annex B: standardisation gaps of the ENISA report")
	m.p("")
	m.p("Informational: gaps in published standards that bear on this system's threats. They are not findings; the provider cannot close them.")
	m.p("")
	var rows [][]string
	for _, g := range r.Coverage.Gaps {
		if g.Kind != coverage.Standardisation {
			continue
		}
		rows = append(rows, []string{code(g.ID), esc(g.Title) + ": " + esc(g.Detail), list(g.Threats), list(g.Standards), list(g.Sources)})
	}
	if len(rows) == 0 {
		m.p("None.")
		m.p("")
	} else {
		m.table([]string{"ID", "Gap", "Threats", "Standards", "Sources"}, rows)
	}
	m.p("## Annex C: references")
	m.p("")
	if len(r.References) == 0 {
		m.p("The report cites no reference.")
		m.p("")
	} else {
		rows = nil
		for _, ref := range r.References {
			rows = append(rows, []string{esc(ref.Label), orDash(ref.Title), link(orURL(ref), ref.URL)})
		}
		m.table([]string{"Cited as", "Document", "Where to read it"}, rows)
	}
}

func orURL(ref report.Reference) string {
	if ref.URL == "" {
		return "-"
	}
	return ref.URL
}

func (m *md) signoff(r *report.Report, digest string) {
	m.p("## Sign-off")
	m.p("")
	m.p("This report (digest %s) was reviewed and the decision below taken.", code(digest))
	m.p("")
	m.p("Decision: ☐ accepted ☐ accepted with conditions ☐ not accepted")
	m.p("")
	m.p("Conditions or remarks:")
	m.p("")
	m.table([]string{"Role", "Name", "Organisation", "Date", "Signature"}, [][]string{
		{"Assessor", " ", " ", " ", " "},
		{"Reviewer", " ", " ", " ", " "},
	})
}
