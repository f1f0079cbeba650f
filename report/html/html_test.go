package html

import (
	"bytes"
	"html/template"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/internal/reporttest"
	"github.com/aiassure/aiassure/risk"
)

func fixture(t *testing.T) *report.Report { return reporttest.Fixture(t) }

func render(t *testing.T, r *report.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var refRE = regexp.MustCompile(`(?i)\b(src|href|xlink:href|action|srcset|poster|data)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)

var linkRE = regexp.MustCompile(`<a href="(https?://[^"]*)">`)

// TestSelfContained: no attribute loads anything, no script, no external
// stylesheet or font, no url() in CSS. The only references out of the page
// are links (<a href>) to the public documents of the references annex,
// which load nothing; a reference with another scheme is not a link.
func TestSelfContained(t *testing.T) {
	r := fixture(t)
	// Sources with URLs are text in the report and must stay text.
	r.Findings[0].Sources = append(r.Findings[0].Sources, "https://eur-lex.europa.eu/eli/reg/2024/1689/oj")
	r.References = append(r.References, report.Reference{Label: "bad", URL: "javascript:alert(1)"})
	out := render(t, r)
	links := map[string]bool{}
	for _, m := range linkRE.FindAllStringSubmatch(out, -1) {
		links[m[1]] = true
	}
	if len(links) != 2 {
		t.Errorf("links %v, want the two https references", links)
	}
	for _, m := range refRE.FindAllStringSubmatch(out, -1) {
		v := strings.Trim(m[2], `"'`)
		if !strings.HasPrefix(v, "#") && !(strings.ToLower(m[1]) == "href" && links[v]) {
			t.Errorf("%s=%q is neither a same-page reference nor a link to a reference", m[1], v)
		}
	}
	if strings.Contains(out, `href="javascript`) {
		t.Error("a javascript: reference became a link")
	}
	lower := strings.ToLower(out)
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(", "@font-face"} {
		if strings.Contains(lower, bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	if !strings.Contains(out, "https://eur-lex.europa.eu/eli/reg/2024/1689/oj") {
		t.Error("a source URL was dropped instead of shown as text")
	}
}

var tagRE = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>`)

var void = map[string]bool{"meta": true, "br": true, "hr": true, "img": true, "input": true, "link": true, "wbr": true, "col": true, "source": true}

// balanced checks that every non-void element is closed in order.
func balanced(doc string) error {
	var stack []string
	for _, m := range tagRE.FindAllStringSubmatch(doc, -1) {
		closing, name, self := m[1] == "/", strings.ToLower(m[2]), m[3] == "/"
		switch {
		case void[name] || self:
		case closing:
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return &tagError{name, stack}
			}
			stack = stack[:len(stack)-1]
		default:
			stack = append(stack, name)
		}
	}
	if len(stack) > 0 {
		return &tagError{"end of document", stack}
	}
	return nil
}

type tagError struct {
	at    string
	stack []string
}

func (e *tagError) Error() string {
	return "unbalanced at " + e.at + ", open: " + strings.Join(e.stack, ">")
}

func TestWellFormed(t *testing.T) {
	out := render(t, fixture(t))
	if !strings.HasPrefix(out, "<!DOCTYPE html>") {
		t.Error("no doctype")
	}
	if err := balanced(out); err != nil {
		t.Error(err)
	}
	if err := balanced("<div><p>x</div></p>"); err == nil {
		t.Error("balance check accepted crossed tags")
	}
	// Accessibility: one h1, a caption on every table, a title on every svg.
	if n := strings.Count(out, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	if a, b := strings.Count(out, "<table"), strings.Count(out, "<caption>"); a != b || a == 0 {
		t.Errorf("%d tables, %d captions", a, b)
	}
	if a, b := strings.Count(out, "<svg"), strings.Count(out, `-title">`); a != b || a != 5 {
		t.Errorf("%d svg, %d titled", a, b)
	}
	if !strings.Contains(out, `<html lang="en">`) {
		t.Error("no lang")
	}
}

// TestEscaping puts markup in every kind of text field.
func TestEscaping(t *testing.T) {
	const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	r := fixture(t)
	r.System.Name = evil
	r.System.Purpose = evil
	r.Classification.Verdicts[1].Reason = evil
	r.Risk.Entries[0].ThreatName = evil
	r.Risk.Entries[0].Assets = []string{evil}
	r.Risk.Entries[0].Risk.Level = evil
	r.Coverage.Requirements[0].Requirement = aiassure.RequirementID(evil)
	r.Findings[0].Title = evil
	r.Findings[0].Sources = []string{evil}
	r.Results[0].Summary = evil
	r.Results[0].Metrics = map[string]float64{evil: 1}
	r.Results[0].Evidence = []string{evil}
	r.Risk.Entries[0].Applies[0].Text = evil
	r.Risk.Entries[0].Applies[0].Field = evil
	r.Risk.Entries[0].Reasoning = []string{evil}
	r.Risk.NotApplicable[0].Reason.Text = evil
	r.Risk.NotApplicable[0].Name = evil
	r.Conclusion.Verdict = evil
	r.Conclusion.Reasons = []string{evil}
	r.Conclusion.FirstSteps = []string{evil}
	r.Scope.Assessed = []string{evil}
	r.Scope.NotAssessed = []report.ScopeItem{{What: evil, Why: evil}}
	r.Scope.Limits = []string{evil}
	r.Artefacts[0].Path, r.Artefacts[0].Digest, r.Artefacts[0].Note = evil, evil, evil
	r.References[0] = report.Reference{Label: evil, Title: evil, URL: `javascript:alert(1)"><script>`}
	r.Findings[0].Provisions = []string{evil}
	r.Findings[0].Locations = []aiassure.Location{{File: evil, Field: evil, Line: 3}}
	r.Findings[6].Accepted.By, r.Findings[6].Accepted.Reason = evil, evil
	r.Coverage.Gaps[1].Detail = evil
	out := render(t, r)
	for _, bad := range []string{"<script", "<img"} {
		if strings.Contains(out, bad) {
			t.Errorf("unescaped %q in output", bad)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;") {
		t.Error("the markup is not shown escaped")
	}
	if err := balanced(out); err != nil {
		t.Error(err)
	}
}

func TestRiskMatrix(t *testing.T) {
	r := fixture(t)
	inh := riskMatrix("m", "Inherent", r.Risk.Entries, false, Classes())
	res := riskMatrix("m", "Residual", r.Risk.Entries, true, Classes())
	total := func(c Chart) int {
		n := 0
		for _, cell := range c.Cells {
			if cell.Text != "" {
				var k int
				for _, ch := range cell.Text {
					k = k*10 + int(ch-'0')
				}
				n += k
			}
		}
		return n
	}
	if len(inh.Cells) != 9 || total(inh) != 4 || total(res) != 4 {
		t.Errorf("cells %d, inherent total %d, residual total %d", len(inh.Cells), total(inh), total(res))
	}
	// Inherent: evasion at likely x high (top right); residual moves it to possible x high.
	if c := inh.Cells[8]; !strings.Contains(c.Title, "evasion") || c.Text != "1" {
		t.Errorf("top-right inherent cell = %+v", c)
	}
	if c := res.Cells[5]; !strings.Contains(c.Title, "evasion") || c.Text != "2" {
		t.Errorf("possible x high residual cell = %+v", c)
	}
	// Absurd scores are neither drawn nor allowed to blow up the chart.
	huge := riskMatrix("m", "x", []risk.Entry{{Threat: "t", Likelihood: risk.Score{Value: 1 << 30}, Impact: risk.Score{Value: -4}}}, false, Classes())
	if huge.Width > 2000 || huge.Height > 2000 || !strings.Contains(huge.Desc, "Not drawn") {
		t.Errorf("hostile scores: %dx%d, %q", huge.Width, huge.Height, huge.Desc)
	}
}

func TestEmptyReport(t *testing.T) {
	out := render(t, &report.Report{SchemaVersion: report.SchemaVersion})
	if err := balanced(out); err != nil {
		t.Error(err)
	}
	if !strings.Contains(out, "No findings.") {
		t.Error("empty report does not say there are no findings")
	}
}

// TestRobustnessCurves draws the curves of a real assessment report (the
// golden report of the border-biometrics example, whose model tests run
// attacks in both norms) from the canonical report alone.
func TestRobustnessCurves(t *testing.T) {
	r := reporttest.Read(t, "../../assess/testdata/border-biometrics.json")
	charts, cs := robustnessCharts(r.Results)
	if len(charts) != 2 || charts[0].ID != "curve-linf" || charts[1].ID != "curve-l2" {
		t.Fatalf("charts %v", len(charts))
	}
	perNorm := map[string]int{}
	for _, c := range cs {
		perNorm[c.Norm]++
		if len(c.Points) < 4 {
			t.Errorf("%s: %d points", c.Attack, len(c.Points))
		}
		for i, p := range c.Points {
			if !p.HasCI || p.Lo > p.Robust || p.Hi < p.Robust {
				t.Errorf("%s point %d: %+v", c.Attack, i, p)
			}
			if i > 0 && p.Epsilon <= c.Points[i-1].Epsilon {
				t.Errorf("%s: epsilons not increasing", c.Attack)
			}
		}
	}
	// The attacks and the ensemble of each norm.
	if perNorm["linf"] != 6 || perNorm["l2"] != 5 || !slices.ContainsFunc(cs, func(c Curve) bool { return c.Attack == "ensemble-linf" }) {
		t.Errorf("curves per norm %v, want 5 L∞ and 4 L2 attacks, and an ensemble in each", perNorm)
	}
	for _, ch := range charts {
		if len(ch.Bands) == 0 || len(ch.Lines) < 2 {
			t.Errorf("%s: %d bands, %d lines", ch.ID, len(ch.Bands), len(ch.Lines))
		}
		for _, l := range ch.Lines {
			for _, m := range l.Marks {
				if m.X < 0 || m.Y < 0 || m.X > ch.Width || m.Y > ch.Height {
					t.Errorf("%s: mark %+v outside %dx%d", ch.ID, m, ch.Width, ch.Height)
				}
			}
		}
	}
	out := render(t, r)
	if err := balanced(out); err != nil {
		t.Error(err)
	}
	for _, want := range []string{"Robustness curve (L∞)", "Robustness curve (L2)", "<polyline", "<polygon", "pgd-linf at ε=0.05: robust accuracy"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if a, b := strings.Count(out, "<svg"), strings.Count(out, `-title">`); a != b || a != 6 {
		t.Errorf("%d svg, %d titled; want 6", a, b)
	}
	if a, b := strings.Count(out, "<table"), strings.Count(out, "<caption>"); a != b {
		t.Errorf("%d tables, %d captions", a, b)
	}
}

// TestCurvesHostile: bad keys and values are dropped, and many curves or
// points do not make a huge chart.
func TestCurvesHostile(t *testing.T) {
	m := map[string]float64{
		"robust_accuracy@x": 0.5, "robust_accuracy@-1": 0.5, "robust_accuracy@0": 0.5,
		"robust_accuracy@0.1": 2, "robust_accuracy@0.2": 0.4,
		"robust_accuracy_lo@0.2": 0.5, "robust_accuracy_hi@0.2": 0.6, // interval that misses the value
	}
	for i := range 100 {
		m["robust_accuracy@"+strconv.Itoa(i+1)] = 0.5
	}
	var rs []aiassure.Result
	for i := range 30 {
		rs = append(rs, aiassure.Result{ID: "evasion/a" + strconv.Itoa(i), Metrics: m})
	}
	rs = append(rs, aiassure.Result{ID: "metrics/accuracy", Metrics: map[string]float64{"accuracy": 0.9}})
	cs := curves(rs)
	if len(cs) != 30 {
		t.Fatalf("%d curves", len(cs))
	}
	p := cs[0].Points[0]
	if p.Epsilon != 0.2 || p.HasCI || len(cs[0].Points) != maxCurvePoints {
		t.Errorf("first point %+v, %d points", p, len(cs[0].Points))
	}
	charts, _ := robustnessCharts(rs)
	if len(charts) != 1 || charts[0].Width > 2000 || charts[0].Height > 2000 {
		t.Errorf("%d charts", len(charts))
	}
	if n := len(charts[0].Bands); n != 0 {
		t.Errorf("%d bands from points without intervals", n)
	}
	if got, _ := robustnessCharts(nil); got != nil {
		t.Error("charts without curves")
	}
}

// FuzzCurves feeds arbitrary curve keys and values to the chart.
func FuzzCurves(f *testing.F) {
	f.Add("evasion/pgd-l2", "robust_accuracy@0.1", 0.5, "robust_accuracy_lo@0.1", 0.4, 1.0)
	f.Add("evasion/fgsm", "robust_accuracy@1e-300", 1.0, "robust_accuracy_hi@1e-300", 1.0, 0.0)
	f.Add("x", "robust_accuracy@NaN", -1.0, "norm_l2", 1.0, 1.0)
	f.Add("evasion/a", "robust_accuracy@1e308", 0.5, "robust_accuracy@5e-324", 0.5, 0.0)
	f.Fuzz(func(t *testing.T, id, k1 string, v1 float64, k2 string, v2, flag float64) {
		rs := []aiassure.Result{{ID: id, Metrics: map[string]float64{k1: v1, k2: v2, "norm_linf": flag, "robust_accuracy@0.05": 0.5}}}
		charts, _ := robustnessCharts(rs)
		for _, c := range charts {
			if c.Width > 2000 || c.Height > 2000 {
				t.Errorf("chart %dx%d", c.Width, c.Height)
			}
			for _, l := range c.Lines {
				for _, m := range l.Marks {
					if m.X < 0 || m.Y < 0 || m.X > c.Width || m.Y > c.Height {
						t.Errorf("mark %+v outside the chart", m)
					}
				}
			}
		}
	})
}

// TestOrderAndContent: the sections come in the order of a report to sign,
// and the new content is there.
func TestOrderAndContent(t *testing.T) {
	out := render(t, fixture(t))
	at := 0
	for _, want := range []string{
		`id="conclusion"`, `verdict verdict-not-ready">Not ready`, "What to do first", "Implement c-adv-training, c-robustness-testing",
		`id="identity"`, "Report digest", "sha256:4e1a9c0b7d2f5e8a1c3b6d9f0e2a4c7b9d1e3f5a7c9b1d3e5f7a9c1b3d5e7f9a",
		`id="scope"`, "Not assessed, and why", "Limits of the method",
		`id="classification"`, `id="risk"`, `class="legend"`, "<strong>critical</strong> (likelihood x impact 5 to 9)",
		"continuous learning declared (lifecycle.continuous_learning, profile line 68)",
		`id="coverage"`, "AI-specific standard", `id="findings"`, "AI Act Art. 15(5), AI Act Art. 9(2)(a)", "ETSI TS 102 165-1 clause 6.9",
		"examples/credit-scoring/profile.yaml:52 (assets[3].exposure.audience)",
		"<strong>Accepted</strong> by Jane Roe, CISO until 2027-05-01: the bureau&#39;s signed delivery note",
		`id="results"`, "Robustness curve (L∞) of model.onnx, 40 samples per point", "accuracy 0.740 (95% CI 0.688 to 0.786)",
		`id="annex-not-applicable"`, "not applicable: no federated training declared (lifecycle.federated_learning, profile line 67)",
		`id="annex-standardisation"`, "gap/standardisation/g-4-1-f",
		`id="annex-references"`, `<a href="https://eur-lex.europa.eu/eli/reg/2024/1689/oj">`,
		`id="signoff"`, "<td>Assessor</td>", "<td>Reviewer</td>",
	} {
		i := strings.Index(out[at:], want)
		if i < 0 {
			t.Errorf("no %q after position %d", want, at)
			continue
		}
		at += i
	}
}

// TestPrint: an A4 print style, no collapsed <details>, and every risk
// entry's reasoning and factors in the page, for every example.
func TestPrint(t *testing.T) {
	paths, _ := filepath.Glob("../../assess/testdata/*.json")
	for _, path := range append(paths, "../testdata/report.json") {
		r := reporttest.Read(t, path)
		out := render(t, r)
		for _, want := range []string{"@media print{", "@page{size:A4", "thead{display:table-header-group}"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q", path, want)
			}
		}
		if strings.Contains(out, "<details") {
			t.Errorf("%s: collapsed <details> hide content in print", path)
		}
		for _, e := range r.Risk.Entries {
			for _, why := range e.Reasoning {
				if !strings.Contains(out, template.HTMLEscapeString(why)) {
					t.Errorf("%s: reasoning %q of %s not in the page", path, why, e.Threat)
				}
			}
		}
	}
}

func TestPoisoningChecks(t *testing.T) {
	r := reporttest.Read(t, "../../assess/testdata/credit-scoring.json")
	cs := poisoningChecks(r.Results)
	if len(cs) != 5 {
		t.Fatalf("%d poisoning checks, want 5", len(cs))
	}
	byID := map[string]PoisoningCheck{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	// The golden's label-noise Result: 139 of 700 rows, inconclusive for
	// want of skill, its 10 top rows listed, the rest counted.
	ln := byID["poisoning/label-noise"]
	if ln.Status != aiassure.Unknown || !strings.HasPrefix(ln.Reading, "139 of 700 rows (19.9%) look mislabelled") ||
		!strings.Contains(ln.Reading, "too few (the check needs 85.0%)") || len(ln.Rows) != 10 || ln.More != 129 || ln.Limit != "at most 5.0% of the rows" {
		t.Errorf("label noise %+v", ln)
	}
	for i := 1; i < len(ln.Rows); i++ {
		if ln.Rows[i].Score > ln.Rows[i-1].Score {
			t.Errorf("rows not by score: %+v", ln.Rows)
		}
	}
	if ac := byID["poisoning/activation-clustering"]; ac.Status != aiassure.Pass || !strings.HasPrefix(ac.Reading, "0 of 700 rows (0.0%) fall in a separate cluster") ||
		!strings.Contains(ac.Limit, "Fisher p below 0.01") {
		t.Errorf("activation clustering %+v", ac)
	}
	if du := byID["poisoning/duplicates"]; len(du.Rows) != 1 || du.Rows[0].Of < 0 || du.More != 0 {
		t.Errorf("duplicates %+v", du)
	}
	out := render(t, r)
	for _, want := range []string{"Training data: poisoning checks", "139 of 700 rows (19.9%) look mislabelled", "and 129 more", ", of row "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if err := balanced(out); err != nil {
		t.Error(err)
	}
	// Hostile metrics are dropped, text is escaped.
	evil := aiassure.Result{ID: "poisoning/duplicates", Check: "poisoning", Status: `<script>`,
		Metrics: map[string]float64{"rows": 10, "flagged": 2, "suspect@-1": 1, "suspect@x": 1, "suspect@3": math.NaN(), "suspect@4": 0.5, "of@4": 1.5}}
	cs = poisoningChecks([]aiassure.Result{evil, {ID: "poisoning/label-noise", Check: "poisoning", Metrics: map[string]float64{"rows": 5, "flagged": 9}}})
	if len(cs) != 1 || len(cs[0].Rows) != 1 || cs[0].Rows[0].Row != 4 || cs[0].Rows[0].Of != -1 || cs[0].More != 1 {
		t.Errorf("hostile: %+v", cs)
	}
	delete(evil.Metrics, "suspect@3") // a report holds no NaN
	r.Results = append(r.Results, evil)
	if out := render(t, r); strings.Contains(out, "<script") {
		t.Error("unescaped status")
	}
}
