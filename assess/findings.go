package assess

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/internal/yamlx"
	"github.com/aiassure/aiassure/llm/suite"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/risk"
)

// RiskSeverity is the finding severity of a TVRA residual risk level: one
// scale from risk to finding (docs/scoring.md). A minor risk is no finding.
func RiskSeverity(level string) (aiassure.Severity, bool) {
	switch level {
	case "critical":
		return aiassure.Critical, true
	case "major":
		return aiassure.High, true
	}
	return "", false
}

// art155 is the provision every cybersecurity risk of a high-risk system
// bears on: resilience against attempts by unauthorised third parties to
// alter the system's use, outputs or performance (first subparagraph), and
// the AI-specific attacks it names (third subparagraph).
const art155 = "ai-act-art-15-5"

// finder builds the findings of one report.
type finder struct {
	p      *profile.Profile
	c      *catalog.Catalog
	cls    classify.Result
	unread yamlx.Errors // declared files that cannot be read (Config.AllowMissing)
}

// binding reports whether requirement id applies to the system as
// classified: it, or the article it is a paragraph of, is an obligation.
func (f *finder) binding(id aiassure.RequirementID) bool {
	for _, o := range f.cls.Obligations {
		if o.Requirement == id || strings.HasPrefix(string(id), string(o.Requirement)+"-") {
			return true
		}
	}
	return false
}

// provisions names the AI Act provisions behind requirement ids, at
// paragraph level; those the classification does not make binding say so.
func (f *finder) provisions(ids ...aiassure.RequirementID) []string {
	var out []string
	for _, id := range ids {
		if !strings.HasPrefix(string(id), "ai-act-") {
			continue
		}
		req, ok := f.c.Requirement(id)
		if !ok {
			continue
		}
		s := "AI Act " + req.Article
		if !f.binding(id) {
			s += " (not binding on this system as classified)"
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// loc is the location of a profile field.
func (f *finder) loc(field string) aiassure.Location {
	line, _ := f.p.Line(field)
	return aiassure.Location{File: f.p.Path, Line: line, Field: field}
}

func (f *finder) assetIndex(id string) int {
	return slices.IndexFunc(f.p.Assets, func(a profile.Asset) bool { return a.ID == id })
}

func (f *finder) controlIndex(id aiassure.ControlID) int {
	return slices.IndexFunc(f.p.Controls, func(c profile.Control) bool { return c.ID == id })
}

// clauses names the standard clauses of controls, "ISO/IEC 27001:2022 A.8.15".
func (f *finder) clauses(ids []aiassure.ControlID) []string {
	var out []string
	for _, id := range ids {
		ct, ok := f.c.Control(id)
		if !ok {
			continue
		}
		for _, cl := range ct.Clauses {
			name := string(cl.Standard)
			if st, ok := f.c.Standard(cl.Standard); ok {
				name = st.Designation
			}
			if cl.Clause != "" {
				name += " " + cl.Clause
			}
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// qualify names the act of a bare article among sources ("Art. 43" of the
// AI Act becomes "AI Act Art. 43"), so that it cites a public text.
func (f *finder) qualify(sources []string, reqs []aiassure.RequirementID) []string {
	out := slices.Clone(sources)
	for _, id := range reqs {
		req, ok := f.c.Requirement(id)
		if !ok {
			continue
		}
		act := ""
		switch {
		case strings.HasPrefix(string(id), "ai-act-"):
			act = "AI Act "
		case strings.HasPrefix(string(id), "cra-"):
			act = "Cyber Resilience Act "
		case strings.HasPrefix(string(id), "csa-"):
			act = "Cybersecurity Act "
		}
		for i, s := range out {
			if s == req.Article && act != "" {
				out[i] = act + s
			}
		}
	}
	return out
}

func (f *finder) requirementsOf(ids []aiassure.ControlID) []aiassure.RequirementID {
	var out []aiassure.RequirementID
	for _, id := range ids {
		if ct, ok := f.c.Control(id); ok {
			for _, r := range ct.Requirements {
				if !slices.Contains(out, r) {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// findings joins what calls for attention: a prohibited use, risks that stay
// major or critical (each with the controls missing against it as its
// remedy: one finding, not a risk and a gap), failed or inconclusive checks,
// and the implementation and evidence gaps of the system. The ENISA report's
// standardisation gaps are not findings about the system: they stay in the
// coverage analysis, which the report shows as an annex.
func (f *finder) findings(r *report.Report) []aiassure.Finding {
	var out []aiassure.Finding
	add := func(x aiassure.Finding) {
		x.Fingerprint = aiassure.Fingerprint(x.ID)
		out = append(out, x)
	}
	if r.Classification.Tier == classify.Prohibited {
		var src []string
		for _, v := range r.Classification.Verdicts {
			if v.Outcome == classify.Prohibited {
				src = append(src, v.Article)
			}
		}
		add(aiassure.Finding{
			ID: "classification/prohibited", Kind: "classification", Severity: aiassure.Critical,
			Title:      "the use described is a prohibited AI practice",
			Detail:     "Art. 5 forbids placing this system on the market, putting it into service or using it as described.",
			Provisions: []string{"AI Act Art. 5(1)"},
			Locations:  []aiassure.Location{f.loc("use.practices")},
			Sources:    src,
		})
	}
	for _, x := range f.classificationFindings(r.Classification) {
		add(x)
	}
	// One finding per threat: the analysis may rate a threat differently on
	// different assets; the finding takes the most severe rating and lists
	// every asset at which the risk stays major or critical.
	var order []aiassure.ThreatID
	byThreat := map[aiassure.ThreatID][]risk.Entry{}
	// A declared file that cannot be read (allowed by Config.AllowMissing)
	// leaves what it should show unassessed.
	for _, e := range f.unread {
		add(aiassure.Finding{
			ID: "input/" + e.Path, Kind: "input", Severity: aiassure.Critical,
			Title:     "not assessed: " + e.Msg,
			Detail:    fmt.Sprintf("%s declares a file that cannot be read, so what it should show was not assessed. Restore the file or correct the path.", e.Path),
			Locations: []aiassure.Location{{File: e.File, Line: e.Line, Field: e.Path}},
		})
	}
	for _, e := range r.Risk.Entries {
		if _, ok := RiskSeverity(e.Residual.Level); !ok {
			continue
		}
		if _, ok := byThreat[e.Threat]; !ok {
			order = append(order, e.Threat)
		}
		byThreat[e.Threat] = append(byThreat[e.Threat], e)
	}
	for _, t := range order {
		add(f.riskFinding(r, byThreat[t]))
	}
	for _, g := range r.Coverage.Gaps {
		if g.Kind == coverage.Standardisation {
			continue
		}
		x := aiassure.Finding{
			ID: g.ID, Kind: g.Kind, Severity: g.Severity, Title: g.Title, Detail: g.Detail,
			Threats: g.Threats, Controls: g.Controls, Requirements: g.Requirements, Standards: g.Standards,
			Provisions: f.provisions(g.Requirements...), Clauses: f.clauses(g.Controls),
			Sources: f.qualify(g.Sources, g.Requirements),
		}
		switch {
		case strings.HasPrefix(g.ID, "evid/performance/"):
			x.Locations = []aiassure.Location{f.loc("performance[" + strings.TrimPrefix(g.ID, "evid/performance/") + "]")}
		case g.Kind == coverage.Evidence && len(g.Controls) == 1 && f.controlIndex(g.Controls[0]) >= 0:
			field := fmt.Sprintf("controls[%d]", f.controlIndex(g.Controls[0]))
			if _, j, ok := strings.Cut(strings.TrimPrefix(g.ID, "evid/"), "/"); ok {
				field += ".evidence[" + j + "]"
			}
			x.Locations = []aiassure.Location{f.loc(field)}
		default:
			x.Locations = []aiassure.Location{f.loc("controls")}
		}
		add(x)
	}
	for _, res := range r.Results {
		if x, ok := f.testFinding(r, res); ok {
			add(x)
		}
	}
	sortFindings(out)
	return out
}

// sortFindings orders findings most severe first, then by kind and ID.
func sortFindings(fs []aiassure.Finding) {
	slices.SortStableFunc(fs, func(a, b aiassure.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity.Rank(), a.Severity.Rank()), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
}

// riskFinding is the finding for one threat from its entries, most severe
// first, each rated major or critical.
func (f *finder) riskFinding(r *report.Report, es []risk.Entry) aiassure.Finding {
	e := es[0]
	sev, _ := RiskSeverity(e.Residual.Level)
	var assets, why []string
	var missing []aiassure.ControlID
	var locs []aiassure.Location
	for _, x := range es {
		for _, a := range x.Assets {
			if !slices.Contains(assets, a) {
				assets = append(assets, a)
			}
			if i := f.assetIndex(a); i >= 0 {
				locs = append(locs, f.loc(fmt.Sprintf("assets[%d]", i)))
			}
		}
		for _, m := range x.Missing {
			if !slices.Contains(missing, m) {
				missing = append(missing, m)
			}
		}
	}
	for _, x := range es {
		for _, a := range x.Applies {
			if a.Fact != "asset-kind" && !slices.Contains(why, a.Text) {
				why = append(why, a.Text)
			}
			if a.Field != "" && !slices.ContainsFunc(locs, func(l aiassure.Location) bool { return l.Field == a.Field }) {
				locs = append(locs, aiassure.Location{File: f.p.Path, Line: a.Line, Field: a.Field})
			}
		}
	}
	applies := "it needs no more than assets of the kinds it attacks"
	if len(why) > 0 {
		applies = strings.Join(why, "; ")
	}
	var ratings []string
	for _, x := range es {
		ratings = append(ratings, fmt.Sprintf("%s: inherent %s (likelihood %s x impact %s on %s), residual %s after %d implemented controls",
			x.AssetList(), x.Risk.Level, x.Likelihood.Level, x.Impact.Level, x.Goal, x.Residual.Level, len(x.Implemented)))
	}
	remedy := "no catalogue control is missing: review the implemented ones"
	if len(missing) > 0 {
		remedy = "implement " + joinIDs(missing)
	}
	reqs := append([]aiassure.RequirementID{art155}, f.requirementsOf(missing)...)
	t, _ := f.c.Threat(e.Threat)
	srcs := append([]string{r.Risk.Method}, t.Sources...)
	return aiassure.Finding{
		ID:           "risk/" + string(e.Threat),
		Kind:         "risk",
		Severity:     sev,
		Title:        fmt.Sprintf("%s against %s: residual risk %s", e.ThreatName, strings.Join(assets, ", "), e.Residual.Level),
		Detail:       fmt.Sprintf("Applies because %s. %s. Remedy: %s.", applies, strings.Join(ratings, "; "), remedy),
		Threats:      []aiassure.ThreatID{e.Threat},
		Assets:       assets,
		Controls:     missing,
		Requirements: reqs,
		Provisions:   f.provisions(reqs...),
		Clauses:      f.clauses(missing),
		Locations:    locs,
		Sources:      srcs,
	}
}

// testFinding turns a failed or inconclusive result into a finding. A failed
// integrity check (a digest or signature that does not verify) of a
// high-risk system is critical: what was tested is not what is released.
func (f *finder) testFinding(r *report.Report, res aiassure.Result) (aiassure.Finding, bool) {
	var sev aiassure.Severity
	switch res.Status {
	case aiassure.Fail:
		sev = aiassure.High
		if res.Check == "lineage" && (r.Classification.Tier == classify.HighRisk || r.Classification.Tier == classify.Prohibited) {
			sev = aiassure.Critical
		}
		if res.ID == suite.RateLimitID { // no rate limit seen: an observation, not an attack success (docs/llm.md)
			sev = aiassure.Low
		}
	case aiassure.Unknown:
		sev = aiassure.Low
	default:
		return aiassure.Finding{}, false
	}
	reqs := slices.Clone(res.Requirements)
	switch {
	case res.Check == "lineage":
		reqs = append(reqs, "ai-act-art-15-4", "ai-act-art-10", "ai-act-art-11")
	case strings.HasPrefix(res.ID, "metrics/"):
		reqs = append(reqs, "ai-act-art-15-1", "ai-act-art-15-3", "ai-act-art-13")
	case res.Category != "":
		reqs = append(reqs, art155)
	}
	field := "artefacts"
	switch {
	case res.Check == "lineage":
		field = "lineage"
	case strings.HasPrefix(res.ID, "metrics/"):
		field = "performance"
	case f.p.Artefacts.Model != "":
		field = "artefacts.model"
	}
	return aiassure.Finding{
		ID: "test/" + res.ID, Kind: "test", Severity: sev, Title: res.Summary, Detail: res.Reason,
		Threats: res.Threats, Controls: res.Controls, Requirements: reqs,
		Provisions: f.provisions(reqs...),
		Locations:  []aiassure.Location{f.loc(field)},
		Sources:    res.Evidence,
	}, true
}

func joinIDs[T ~string](ids []T) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}

// classificationFindings reports what the classification leaves to resolve:
// a claim under use: that the facts contradict or lack, and, for a
// provisional tier, each open question that could make it stronger.
func (f *finder) classificationFindings(c classify.Result) []aiassure.Finding {
	var out []aiassure.Finding
	for _, x := range c.Claims {
		field := x.Claim
		if field == "" && len(x.Facts) > 0 {
			field = x.Facts[0]
		}
		title := "the facts contradict a classification claim: " + x.Sets
		if x.Kind == classify.ClaimMissing {
			title = "the facts establish what use: does not claim: " + x.Sets
		}
		out = append(out, aiassure.Finding{
			ID: "classification/" + x.Kind + "/" + x.Conclusion, Kind: "classification", Severity: aiassure.High,
			Title: title, Detail: x.Reason, Provisions: []string{"AI Act " + x.Provision},
			Locations: []aiassure.Location{f.loc(field)},
		})
	}
	if !c.Provisional {
		return out
	}
	for _, o := range c.Open {
		sev := aiassure.Medium
		switch o.Tier {
		case classify.Prohibited, classify.HighRisk:
			sev = aiassure.High
		case classify.OutOfScope, "":
			continue // it would only lighten the obligations
		}
		if !slices.Contains([]string{classify.Prohibited, classify.HighRisk, classify.Transparency}, o.Tier) ||
			!strongerTier(o.Tier, c.Tier) {
			continue
		}
		field := "facts"
		if len(o.Indicators) > 0 {
			field = o.Indicators[0].Field
		}
		out = append(out, aiassure.Finding{
			ID: "classification/open/" + o.Conclusion, Kind: "classification", Severity: sev,
			Title:      "classification open: the system may be " + o.Tier + " under " + o.Provision,
			Detail:     o.Reason + " Until the facts are answered the tier is provisional (aiassure classify -interview asks them).",
			Provisions: []string{"AI Act " + o.Provision}, Locations: []aiassure.Location{f.loc(field)},
		})
	}
	return out
}

// strongerTier reports whether tier a brings more than tier b.
func strongerTier(a, b string) bool {
	order := []string{classify.Prohibited, classify.HighRisk, classify.Transparency, classify.Minimal}
	ia, ib := slices.Index(order, a), slices.Index(order, b)
	return ia >= 0 && (ib < 0 || ia < ib)
}
