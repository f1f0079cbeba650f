// Package html writes the report as one self-contained HTML file: inline
// CSS, no script, no fonts, images or anything else fetched from the
// network. It holds the summary, the AI Act classification with its
// verdicts and articles, the risk matrix (likelihood by impact, inherent and
// residual), coverage heat maps and the robustness curves of the evasion
// tests as SVG drawn here, every finding with its sources, and every result. All report text goes through html/template,
// which escapes it.
package html

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
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
	"metrics": func(m map[string]float64) string {
		var out []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, k+"="+strconv.FormatFloat(m[k], 'g', -1, 64))
		}
		return strings.Join(out, ", ")
	},
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
}

// Write writes r as HTML.
func Write(w io.Writer, r *report.Report) error {
	if r == nil {
		return errors.New("html report: nil report")
	}
	p := page{
		R:          r,
		Inherent:   riskMatrix("matrix-inherent", "Inherent risk", r.Risk.Entries, false),
		Residual:   riskMatrix("matrix-residual", "Residual risk", r.Risk.Entries, true),
		ReqHeat:    requirementHeat(r),
		ThreatHeat: threatHeat(r),
		HasReqs:    len(r.Coverage.Requirements) > 0,
		HasThreats: len(r.Coverage.Threats) > 0,
		Severities: []string{"critical", "high", "medium", "low", "info"},
		Statuses:   []string{"pass", "fail", "unknown", "not_applicable"},
		Title:      strings.TrimSpace("aiassure assessment: " + r.System.Name + " " + r.System.Version),
	}
	p.Curves, p.CurveData = robustnessCharts(r.Results)
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}
