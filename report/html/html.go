// Package html writes the report as one self-contained HTML file: inline
// CSS, no script, no fonts, images or anything else fetched from the
// network (the only external references are links in the references annex,
// which load nothing). In order it holds the conclusion, the identity of the
// item under test with every artefact's digest and the report's own, scope
// and limits, the AI Act classification, the risk analysis (risk matrices
// coloured by the TVRA risk classes, with a legend and the count in each
// cell, and every entry with why it applies and its reasoning), coverage
// heat maps, every finding with its provisions, clauses, profile location
// and acceptance, the test results with robustness curves, the annexes and
// a sign-off block. An @media print style lays it out for A4 paper. All
// report text goes through html/template, which escapes it.
package html

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/report"
	reportjson "github.com/aiassure/aiassure/report/json"
	"github.com/aiassure/aiassure/report/text"
)

// MediaType of the HTML report.
const MediaType = "text/html; charset=utf-8"

//go:embed report.html.tmpl
var source string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": func(v any) string {
		switch x := v.(type) {
		case []string:
			return strings.Join(x, ", ")
		}
		return fmt.Sprint(v)
	},
	"ids":   ids,
	"upper": strings.ToUpper,
	"when": func(r *report.Report) string {
		if r.Generated.IsZero() {
			return "unknown"
		}
		return r.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"metrics":    text.Metrics,
	"why":        text.Why,
	"acceptedBy": func(a *aiassure.Acceptance) string { return strings.TrimPrefix(text.Accepted(a), "accepted ") },
	"num":        text.Num,
	"loc": func(l aiassure.Location) string {
		s := l.File
		if l.Line > 0 {
			s += ":" + strconv.Itoa(l.Line)
		}
		if l.Field != "" {
			s += " (" + l.Field + ")"
		}
		return s
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02")
	},
	"add": func(a, b int) int { return a + b },
	"yes": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
	"sevclass": func(s aiassure.Severity) string {
		if s.Rank() < 0 {
			return "sev-unknown"
		}
		return "sev-" + string(s)
	},
	"pct":    func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" },
	"count":  func(m map[aiassure.Severity]int, s string) int { return m[aiassure.Severity(s)] },
	"rcount": func(m map[aiassure.Status]int, s string) int { return m[aiassure.Status(s)] },
}).Parse(source))

// ids joins a list of IDs of any named string type, or gives "-".
func ids(v any) string {
	var s []string
	switch x := v.(type) {
	case []string:
		s = x
	case []aiassure.ThreatID:
		s = conv(x)
	case []aiassure.ControlID:
		s = conv(x)
	case []aiassure.RequirementID:
		s = conv(x)
	case []aiassure.StandardID:
		s = conv(x)
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}

func conv[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = string(x)
	}
	return out
}

type page struct {
	R           *report.Report
	Digest      string  // the report's own digest
	Verdict     string  // the verdict in words
	VerdictCSS  string  // its class
	Classes     []Class // risk classes, least severe first
	StdGaps     []coverage.Gap
	Inherent    Chart
	Residual    Chart
	ReqHeat     Chart
	ThreatHeat  Chart
	HasReqs     bool
	HasThreats  bool
	Severities  []string
	Statuses    []string
	Title       string
	Applicable  []int // indexes of verdicts that set something
	FailedTests int
	Curves      []Chart // robustness curves, one per norm
	CurveData   []Curve
	LLM         *llmView // the LLM tests' answers that show a success
	ROCs        []Chart  // membership inference ROC curves, one per model
	ROCData     []ROCCurve
	Poisoning   []PoisoningCheck // the training-data checks
}

var verdictText = map[string]string{
	report.NotReady:           "Not ready",
	report.ReadyWithFindings:  "Ready with findings",
	report.Ready:              "Ready",
	report.NotAssessedVerdict: "Not assessed",
}

// Write writes r as HTML.
func Write(w io.Writer, r *report.Report) error {
	if r == nil {
		return errors.New("html report: nil report")
	}
	digest, err := reportjson.Digest(r)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	// The LLM answers are cut at their evidence offsets, which index the
	// answers as they are, before the escapes change their lengths.
	llm := safetext.Clean(newLLMView(r.LLM))
	r = safetext.Clean(r) // after the digest, which is of the report as it is
	classes := Classes()
	p := page{
		R:          r,
		Digest:     digest,
		Classes:    classes,
		Inherent:   riskMatrix("matrix-inherent", "Inherent risk", r.Risk.Entries, false, classes),
		Residual:   riskMatrix("matrix-residual", "Residual risk", r.Risk.Entries, true, classes),
		ReqHeat:    requirementHeat(r),
		ThreatHeat: threatHeat(r),
		HasReqs:    len(r.Coverage.Requirements) > 0,
		HasThreats: len(r.Coverage.Threats) > 0,
		Severities: []string{"critical", "high", "medium", "low", "info"},
		Statuses:   []string{"pass", "fail", "unknown", "not_applicable"},
		Title:      strings.TrimSpace("aiassure assessment: " + r.System.Name + " " + r.System.Version),
	}
	p.Curves, p.CurveData = robustnessCharts(r.Results)
	p.LLM = llm
	p.ROCs, p.ROCData = rocCharts(r.Results)
	p.Poisoning = poisoningChecks(r.Results)
	p.Verdict, p.VerdictCSS = verdictText[r.Conclusion.Verdict], "verdict-"+r.Conclusion.Verdict
	if p.Verdict == "" {
		p.Verdict, p.VerdictCSS = "No conclusion", "verdict-none"
		if r.Conclusion.Verdict != "" {
			p.Verdict = r.Conclusion.Verdict
		}
	}
	for _, g := range r.Coverage.Gaps {
		if g.Kind == coverage.Standardisation {
			p.StdGaps = append(p.StdGaps, g)
		}
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}
