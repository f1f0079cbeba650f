// Package oscal writes the report as an OSCAL 1.2 assessment-results
// document: one observation per Result, one risk per risk analysis entry
// and one finding per Finding, in results[0]. UUIDs are derived from
// content (UUIDv5), so the same report always gives the same document.
//
// The document imports no external assessment plan: import-ap points to a
// back-matter resource that describes the system profile the assessment was
// run from, with its digest.
package oscal

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/internal/oscal"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/risk"
)

// MediaType of an OSCAL JSON document.
const MediaType = "application/oscal+json"

// Write writes r as OSCAL assessment-results JSON.
func Write(w io.Writer, r *report.Report) error {
	doc, err := Build(r)
	if err != nil {
		return err
	}
	b, err := oscal.Marshal(doc)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("oscal report: %w", err)
	}
	return nil
}

// RiskStatus is "closed" for a risk whose residual level is the lowest
// (minor, low or negligible: no primary need for countermeasures) and
// "open" otherwise.
func RiskStatus(e risk.Entry) string {
	switch strings.ToLower(e.Residual.Level) {
	case "minor", "low", "negligible", "none":
		return "closed"
	}
	return "open"
}

// FindingState is "satisfied" for an informational finding and
// "not-satisfied" for any finding that calls for action (low and above).
func FindingState(f aiassure.Finding) string {
	if f.Severity == aiassure.Info {
		return "satisfied"
	}
	return "not-satisfied"
}

// Build converts the report into the OSCAL document.
func Build(r *report.Report) (*oscal.AssessmentResultsDocument, error) {
	if r == nil {
		return nil, errors.New("oscal report: nil report")
	}
	generated, err := oscal.Time(r.Generated)
	if err != nil {
		return nil, fmt.Errorf("oscal report: generated: %w", err)
	}
	// The identity of this assessment: the system, the profile digest and
	// the time. Every UUID below is derived from it.
	key := []string{r.System.Name, r.System.Digest, generated}
	id := func(parts ...string) string { return oscal.UUID(append(slices.Clone(key), parts...)...) }

	toolUUID := id("component", "aiassure")
	origin := []oscal.Origin{{Actors: []oscal.Actor{{Type: "tool", ActorUUID: toolUUID}}}}
	profileUUID := id("resource", "profile")

	version := r.Tool.Version
	if strings.TrimSpace(version) == "" {
		version = "unknown"
	}
	md := oscal.Metadata{
		Title:        oscal.Clean("aiassure assessment of " + r.System.Name + " " + r.System.Version),
		LastModified: generated, Version: oscal.Clean(version), OSCALVersion: oscal.Version,
	}
	md.Props = append(md.Props, oscal.P("report-schema-version", r.SchemaVersion)...)
	md.Props = append(md.Props, oscal.P("catalog-version", r.CatalogVersion)...)
	md.Props = append(md.Props, oscal.P("tool", strings.TrimSpace(r.Tool.Name+" "+r.Tool.Version))...)
	if p := oscal.Clean(r.System.Provider); p != "" {
		md.Parties = []oscal.Party{{UUID: id("party", "provider"), Type: "organization", Name: p}}
	}

	profile := oscal.Resource{
		UUID:        profileUUID,
		Title:       oscal.Clean("System profile of " + r.System.Name),
		Description: oscal.Clean("The aiassure system profile the assessment was run from: " + r.System.Purpose),
	}
	profile.Props = append(profile.Props, oscal.P("sector", r.System.Sector)...)
	profile.Props = append(profile.Props, oscal.P("role", r.System.Role)...)
	profile.Props = append(profile.Props, oscal.P("assurance-level", r.System.Assurance)...)
	profile.Props = append(profile.Props, oscal.P("system-version", r.System.Version)...)
	if r.System.Profile != "" {
		rl := oscal.Rlink{Href: uriRef(r.System.Profile), MediaType: "application/yaml"}
		if d, ok := strings.CutPrefix(r.System.Digest, "sha256:"); ok && d != "" {
			rl.Hashes = []oscal.Hash{{Algorithm: "SHA-256", Value: d}}
		}
		profile.Rlinks = []oscal.Rlink{rl}
	}

	res := oscal.Result{
		UUID:        id("result"),
		Title:       oscal.Clean("Cybersecurity assessment of " + r.System.Name),
		Description: description(r),
		Start:       generated, End: generated,
		LocalDefinitions: &oscal.LocalDefinitions{Components: []oscal.Component{{
			UUID: toolUUID, Type: "software", Title: "aiassure",
			Description: oscal.Clean("aiassure " + r.Tool.Version + ", the tool that ran the assessment."),
			Status:      oscal.ComponentStatus{State: "operational"},
		}}},
		ReviewedControls: reviewed(r),
	}
	res.Props = append(res.Props, oscal.P("ai-act-tier", r.Classification.Tier)...)
	res.Props = append(res.Props, oscal.P("ai-act-route", r.Classification.Route)...)
	res.Props = append(res.Props, oscal.P("ai-act-conformity-procedure", r.Classification.Conformity.Procedure)...)
	res.Props = append(res.Props, oscal.P("highest-severity", string(r.Summary.Highest))...)
	res.Props = append(res.Props, oscal.P("risk-method", r.Risk.Method)...)

	obs := map[string]string{} // Result ID -> observation UUID
	for _, rs := range r.Results {
		o := observation(rs, id("observation", rs.ID), generated, origin)
		obs[rs.ID] = o.UUID
		res.Observations = append(res.Observations, o)
	}
	riskUUID := map[aiassure.ThreatID][]riskRef{}
	for _, e := range r.Risk.Entries {
		rk := riskOf(e, id, origin, obs)
		riskUUID[e.Threat] = append(riskUUID[e.Threat], riskRef{rk.UUID, e.Assets})
		res.Risks = append(res.Risks, rk)
	}
	for _, f := range r.Findings {
		res.Findings = append(res.Findings, findingOf(f, id("finding", f.ID), origin, obs, riskUUID))
	}
	// A risk that a valid acceptance covers (AI Act Art. 9 record) is an
	// approved deviation, not an open risk.
	accepted := map[string]bool{}
	for i, f := range r.Findings {
		if f.Accepted != nil {
			for _, rr := range res.Findings[i].RelatedRisks {
				accepted[rr.RiskUUID] = true
			}
		}
	}
	for i := range res.Risks {
		if accepted[res.Risks[i].UUID] && res.Risks[i].Status == "open" {
			res.Risks[i].Status = "deviation-approved"
		}
	}

	doc := &oscal.AssessmentResultsDocument{AssessmentResults: oscal.AssessmentResults{
		UUID:       id("assessment-results"),
		Metadata:   md,
		ImportAP:   oscal.ImportAP{Href: "#" + profileUUID, Remarks: "No separate assessment plan: the plan is the system profile described in back-matter."},
		Results:    []oscal.Result{res},
		BackMatter: &oscal.BackMatter{Resources: []oscal.Resource{profile}},
	}}
	return doc, nil
}

// uriRef percent-encodes characters a URI reference cannot hold.
func uriRef(path string) string {
	var b strings.Builder
	for _, c := range []byte(strings.ReplaceAll(path, `\`, "/")) {
		if c > ' ' && c < 0x7f && !strings.ContainsRune(`"<>\^`+"`{|}%", rune(c)) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func description(r *report.Report) string {
	c := r.Classification
	s := fmt.Sprintf("Assessment of %s against ENISA's Cybersecurity of AI and Standardisation and the EU AI Act. "+
		"AI Act tier: %s. %d risks analysed, %d gaps, %d findings, %d results.",
		r.System.Name, orNone(c.Tier), len(r.Risk.Entries), len(r.Coverage.Gaps), len(r.Findings), len(r.Results))
	for _, v := range c.Verdicts {
		if v.Outcome != "no" && v.Outcome != "" {
			s += " " + v.Article + ": " + v.Reason
		}
	}
	return oscal.Clean(s)
}

func orNone(s string) string {
	if s == "" {
		return "not classified"
	}
	return s
}

// reviewed lists every control the report speaks of, or all controls when it
// names none.
func reviewed(r *report.Report) oscal.ReviewedControls {
	set := map[string]bool{}
	add := func(ids []aiassure.ControlID) {
		for _, c := range ids {
			set[oscal.Token(string(c))] = true
		}
	}
	for _, e := range r.Risk.Entries {
		add(e.Implemented)
		add(e.Missing)
	}
	for _, f := range r.Findings {
		add(f.Controls)
	}
	for _, rs := range r.Results {
		add(rs.Controls)
	}
	for _, g := range r.Coverage.Gaps {
		add(g.Controls)
	}
	rc := oscal.ReviewedControls{Description: "Controls of the aiassure catalogue " + r.CatalogVersion + " that the risk analysis, tests and gaps refer to."}
	if len(set) == 0 {
		rc.ControlSelections = []oscal.ControlSelection{{IncludeAll: &struct{}{}}}
		return rc
	}
	sel := oscal.ControlSelection{}
	for _, c := range slices.Sorted(maps.Keys(set)) {
		sel.IncludeControls = append(sel.IncludeControls, oscal.SelectControl{ControlID: c})
	}
	rc.ControlSelections = []oscal.ControlSelection{sel}
	return rc
}

func observation(rs aiassure.Result, uuid, generated string, origin []oscal.Origin) oscal.Observation {
	desc := rs.Summary
	if rs.Reason != "" {
		desc += ". " + rs.Reason
	}
	if strings.TrimSpace(desc) == "" {
		desc = "Result " + rs.ID
	}
	o := oscal.Observation{
		UUID: uuid, Title: oscal.Clean(rs.ID), Description: oscal.Clean(desc),
		Methods: []string{"TEST"}, Origins: origin, Collected: generated,
	}
	if t, err := oscal.Time(rs.Time); err == nil {
		o.Collected = t
	}
	o.Props = append(o.Props, oscal.P("status", string(rs.Status))...)
	o.Props = append(o.Props, oscal.P("check", rs.Check)...)
	o.Props = append(o.Props, oscal.P("art15-category", string(rs.Category))...)
	o.Props = append(o.Props, oscal.PS("threat", rs.Threats)...)
	o.Props = append(o.Props, oscal.PS("control", rs.Controls)...)
	o.Props = append(o.Props, oscal.PS("requirement", rs.Requirements)...)
	for _, k := range slices.Sorted(maps.Keys(rs.Metrics)) {
		p := oscal.P("metric", strconv.FormatFloat(rs.Metrics[k], 'g', -1, 64))
		if len(p) > 0 {
			p[0].Class = oscal.Token(k)
		}
		o.Props = append(o.Props, p...)
	}
	for _, ev := range rs.Evidence {
		if e := oscal.Clean(ev); e != "" {
			o.RelevantEvidence = append(o.RelevantEvidence, oscal.RelevantEvidence{Description: e})
		}
	}
	return o
}

func riskOf(e risk.Entry, id func(...string) string, origin []oscal.Origin, obs map[string]string) oscal.Risk {
	name := e.ThreatName
	if name == "" {
		name = string(e.Threat)
	}
	u := id("risk", string(e.Threat), e.AssetList())
	rk := oscal.Risk{
		UUID:  u,
		Title: oscal.Clean(name + " against " + e.AssetList()),
		Description: oscal.Clean(fmt.Sprintf("Threat %s against asset %s, hitting %s. Attack potential %d (%s resistance).",
			e.Threat, e.AssetList(), orNone(e.Goal), e.AttackPotential, orNone(e.Resistance))),
		Statement: oscal.Clean(strings.Join(e.Reasoning, " ")),
		Status:    RiskStatus(e),
		Origins:   origin,
		ThreatIDs: []oscal.ThreatID{{System: oscal.ThreatSystem, ID: oscal.ThreatURI(string(e.Threat))}},
	}
	if rk.Statement == "" {
		rk.Statement = rk.Description
	}
	rk.Props = append(rk.Props, oscal.P("asset", e.AssetList())...)
	rk.Props = append(rk.Props, oscal.P("security-goal", e.Goal)...)
	facets := func(stage string, l, i, r risk.Score) oscal.Characterization {
		sys := oscal.NS + ":tvra"
		return oscal.Characterization{
			Props:  oscal.P("stage", stage),
			Origin: origin[0],
			Facets: []oscal.Facet{
				{Name: "likelihood", System: sys, Value: orNone(l.Level), Remarks: "ordinal " + strconv.Itoa(l.Value)},
				{Name: "impact", System: sys, Value: orNone(i.Level), Remarks: "ordinal " + strconv.Itoa(i.Value)},
				{Name: "risk", System: sys, Value: orNone(r.Level), Remarks: "likelihood x impact = " + strconv.Itoa(r.Value)},
			},
		}
	}
	rk.Characterizations = []oscal.Characterization{
		facets("inherent", e.Likelihood, e.Impact, e.Risk),
		facets("residual", e.ResidualLikelihood, e.ResidualImpact, e.Residual),
	}
	for _, c := range e.Implemented {
		rk.MitigatingFactors = append(rk.MitigatingFactors, oscal.MitigatingFactor{
			UUID: id("mitigating-factor", string(e.Threat), e.AssetList(), string(c)), Description: "Implemented control " + string(c) + ".",
			Props: oscal.P("control", string(c)),
		})
	}
	for _, c := range e.Missing {
		rk.Remediations = append(rk.Remediations, oscal.Response{
			UUID: id("remediation", string(e.Threat), e.AssetList(), string(c)), Lifecycle: "recommendation",
			Title: "Implement " + string(c), Description: "Implement control " + string(c) + " to lower this risk.",
			Props: oscal.P("control", string(c)),
		})
	}
	for _, ev := range e.Evidence {
		if u, ok := obs[ev]; ok {
			rk.RelatedObservations = append(rk.RelatedObservations, oscal.RelatedObservation{ObservationUUID: u})
		}
	}
	return rk
}

// riskRef is a risk's UUID and the assets its entry covers.
type riskRef struct {
	uuid   string
	assets []string
}

func findingOf(f aiassure.Finding, uuid string, origin []oscal.Origin, obs map[string]string, risks map[aiassure.ThreatID][]riskRef) oscal.Finding {
	desc := f.Detail
	if strings.TrimSpace(desc) == "" {
		desc = f.Title
	}
	title := oscal.Clean(f.Title)
	if title == "" {
		title = oscal.Clean(f.ID)
	}
	if title == "" {
		title = "Finding"
	}
	if strings.TrimSpace(desc) == "" {
		desc = title
	}
	out := oscal.Finding{UUID: uuid, Title: title, Description: oscal.Clean(desc), Origins: origin}
	out.Props = append(out.Props, oscal.P("finding-id", f.ID)...)
	out.Props = append(out.Props, oscal.P("kind", f.Kind)...)
	out.Props = append(out.Props, oscal.P("severity", string(f.Severity))...)
	out.Props = append(out.Props, oscal.PS("threat", f.Threats)...)
	out.Props = append(out.Props, oscal.PS("control", f.Controls)...)
	out.Props = append(out.Props, oscal.PS("standard", f.Standards)...)
	out.Props = append(out.Props, oscal.PS("source", f.Sources)...)
	out.Props = append(out.Props, oscal.P("fingerprint", f.Fingerprint)...)
	out.Props = append(out.Props, oscal.PS("asset", f.Assets)...)
	out.Props = append(out.Props, oscal.PS("provision", f.Provisions)...)
	out.Props = append(out.Props, oscal.PS("clause", f.Clauses)...)
	for _, l := range f.Locations {
		out.Props = append(out.Props, oscal.P("location", locationText(l))...)
	}
	if a := f.Accepted; a != nil {
		out.Props = append(out.Props, oscal.P("accepted-by", a.By)...)
		if t, err := oscal.Time(a.Date); err == nil {
			out.Props = append(out.Props, oscal.P("accepted-on", t)...)
		}
		if t, err := oscal.Time(a.Expires); err == nil {
			out.Props = append(out.Props, oscal.P("accepted-until", t)...)
		}
		out.Props = append(out.Props, oscal.P("acceptance-reason", a.Reason)...)
	}

	// The target is the requirement the finding bears on, else its control,
	// else its threat, else the finding itself.
	var target string
	switch {
	case len(f.Requirements) > 0:
		target = string(f.Requirements[0])
	case len(f.Controls) > 0:
		target = string(f.Controls[0])
	case len(f.Threats) > 0:
		target = string(f.Threats[0])
	default:
		target = f.ID
	}
	out.Target = oscal.FindingTarget{
		Type: "objective-id", TargetID: oscal.Token(target),
		Status: oscal.ObjectiveStatus{State: FindingState(f), Reason: reason(f)},
	}
	out.Target.Props = append(out.Target.Props, oscal.PS("requirement", f.Requirements)...)
	// A finding rests on the results it names: the result with its ID, or
	// one its sources cite as "result <id>".
	seen := map[string]bool{}
	link := func(rid string) {
		if u, ok := obs[rid]; ok && !seen[u] {
			seen[u] = true
			out.RelatedObservations = append(out.RelatedObservations, oscal.RelatedObservation{ObservationUUID: u})
		}
	}
	link(f.ID)
	for _, s := range f.Sources {
		if rid, ok := strings.CutPrefix(s, "result "); ok {
			link(strings.TrimSpace(rid))
		}
	}
	if f.Kind == "risk" {
		// The risks of its threats, on its assets when it names any.
		for _, t := range f.Threats {
			for _, rr := range risks[t] {
				if len(f.Assets) == 0 || slices.ContainsFunc(rr.assets, func(a string) bool { return slices.Contains(f.Assets, a) }) {
					out.RelatedRisks = append(out.RelatedRisks, oscal.RelatedRisk{RiskUUID: rr.uuid})
				}
			}
		}
	}
	var remarks []string
	if f.Accepted != nil {
		remarks = append(remarks, oscal.Clean("Risk accepted by "+f.Accepted.By+": "+f.Accepted.Reason+"."))
	}
	if len(f.Sources) > 0 {
		remarks = append(remarks, "Sources: "+strings.Join(f.Sources, "; "))
	}
	out.Remarks = strings.Join(remarks, "\n\n")
	return out
}

// locationText is "file:line (field)", leaving out what is unknown.
func locationText(l aiassure.Location) string {
	s := l.File
	if l.Line > 0 {
		s += ":" + strconv.Itoa(l.Line)
	}
	if l.Field != "" {
		s += " (" + l.Field + ")"
	}
	return s
}

func reason(f aiassure.Finding) string {
	if f.Severity == aiassure.Info {
		return "other"
	}
	return "fail"
}
