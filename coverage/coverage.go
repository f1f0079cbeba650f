// Package coverage finds where a system's protection is thin, in three kinds
// of gap, each linked to its threat or requirement, the standards that apply
// and the controls that would close it:
//
//   - standardisation gaps: what the ENISA report (and what has happened since) says
//     no published standard covers, where it bears on this system;
//   - implementation gaps: controls the risk analysis calls for that the
//     system does not implement;
//   - evidence gaps: claims in the profile with no test, attestation or log
//     behind them.
//
// It also computes the coverage matrices of the report: for each applicable
// requirement and threat, the standards and controls that address it.
package coverage

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/risk"
)

// Input is what the analysis reads.
type Input struct {
	Profile        *profile.Profile
	Catalog        *catalog.Catalog
	Classification classify.Result
	Risk           risk.Analysis
	Results        []aiassure.Result
}

// Analyze runs the coverage and gap analysis.
func Analyze(in Input) Analysis {
	var a Analysis
	threats := applicableThreats(in)
	reqs := applicableRequirements(in)
	a.Gaps = append(a.Gaps, standardisationGaps(in, threats, reqs)...)
	a.Gaps = append(a.Gaps, implementationGaps(in, reqs)...)
	a.Gaps = append(a.Gaps, evidenceGaps(in)...)
	slices.SortStableFunc(a.Gaps, func(x, y Gap) int {
		return cmp.Or(cmp.Compare(y.Severity.Rank(), x.Severity.Rank()), cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.ID, y.ID))
	})
	a.Requirements = requirementCoverage(in, reqs)
	a.Threats = threatCoverage(in, threats)
	return a
}

// applicableThreats are the threats of the risk analysis, and their ancestors.
func applicableThreats(in Input) []aiassure.ThreatID {
	seen := map[aiassure.ThreatID]bool{}
	var out []aiassure.ThreatID
	for _, e := range in.Risk.Entries {
		for id := e.Threat; id != "" && !seen[id]; {
			seen[id] = true
			out = append(out, id)
			t, ok := in.Catalog.Threat(id)
			if !ok {
				break
			}
			id = t.Parent
		}
	}
	slices.Sort(out)
	return out
}

// applicableRequirements are those of the classification's obligations, with
// their children in the catalogue.
func applicableRequirements(in Input) []aiassure.RequirementID {
	seen := map[aiassure.RequirementID]bool{}
	var out []aiassure.RequirementID
	add := func(id aiassure.RequirementID) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, o := range in.Classification.Obligations {
		if o.Requirement == "" { // an obligation the catalogue has no requirement for (Art. 26, 47, ...)
			continue
		}
		add(o.Requirement)
		for _, r := range in.Catalog.Requirements {
			if r.Parent == o.Requirement {
				add(r.ID)
			}
		}
	}
	return out
}

func standardisationGaps(in Input, threats []aiassure.ThreatID, reqs []aiassure.RequirementID) []Gap {
	var out []Gap
	for _, g := range in.Catalog.Gaps {
		if g.State.Stage == "closed" {
			continue
		}
		var hitT []aiassure.ThreatID
		for _, t := range g.Threats {
			if slices.Contains(threats, t) {
				hitT = append(hitT, t)
			}
		}
		var hitR []aiassure.RequirementID
		for _, r := range g.Requirements {
			if slices.Contains(reqs, r) {
				hitR = append(hitR, r)
			}
		}
		if len(hitT) == 0 && len(hitR) == 0 {
			continue
		}
		sev := aiassure.Medium
		if g.State.Stage == "partly-closed" {
			sev = aiassure.Low
		}
		detail := g.Description
		if len(g.Progress) > 0 {
			detail += fmt.Sprintf(" Since the ENISA report (2023), %s address it in part (status as of %s).", joinIDs(g.Progress), g.State.AsOf)
		}
		var srcs []string
		for _, s := range g.Seed {
			srcs = append(srcs, "enisa:"+s)
		}
		out = append(out, Gap{
			ID: "std/" + string(g.ID), Kind: Standardisation, Severity: sev, Title: g.Title, Detail: detail,
			Threats: hitT, Requirements: hitR, Standards: g.Progress, Controls: g.Controls, CatalogGap: g.ID,
			Sources: append(srcs, g.Sources...),
		})
	}
	return out
}

func implementationGaps(in Input, reqs []aiassure.RequirementID) []Gap {
	var out []Gap
	// A risk and the controls missing against it are one finding, the
	// risk's (its Controls are the remedy): they are not repeated here.
	// Requirements that apply with no control implemented.
	impl := implementedSet(in.Profile)
	for _, r := range reqs {
		var all, done []aiassure.ControlID
		for _, ct := range in.Catalog.Controls {
			if slices.Contains(ct.Requirements, r) {
				all = append(all, ct.ID)
				if impl[ct.ID] {
					done = append(done, ct.ID)
				}
			}
		}
		if len(all) == 0 || len(done) > 0 {
			continue
		}
		req, _ := in.Catalog.Requirement(r)
		out = append(out, Gap{
			ID: "impl/" + string(r), Kind: Implementation, Severity: aiassure.Medium,
			Title:        fmt.Sprintf("%s (%s) applies, and no control that serves it is implemented", req.Article, req.Title),
			Detail:       fmt.Sprintf("The classification makes %s apply. None of the %d catalogue controls that serve it is implemented.", req.Article, len(all)),
			Requirements: []aiassure.RequirementID{r}, Controls: all,
			Sources: append([]string{req.Article}, req.Sources...),
		})
	}
	return out
}

func implementedSet(p *profile.Profile) map[aiassure.ControlID]bool {
	m := map[aiassure.ControlID]bool{}
	for _, c := range p.Controls {
		if c.Status == "implemented" || c.Status == "partial" {
			m[c.ID] = true
		}
	}
	return m
}

func evidenceGaps(in Input) []Gap {
	var out []Gap
	p := in.Profile
	kinds := map[string]bool{} // evidence kinds that results provide, e.g. "test/evasion"
	for _, r := range in.Results {
		if r.Status == aiassure.Pass || r.Status == aiassure.Fail {
			kinds[evidenceKind(r.Check)] = true
		}
	}
	for i, pc := range p.Controls {
		if pc.Status == "planned" {
			continue
		}
		ct, _ := in.Catalog.Control(pc.ID)
		field := fmt.Sprintf("controls[%d]", i)
		if len(pc.Evidence) == 0 {
			covered := false
			for _, k := range ct.Evidence {
				covered = covered || kinds[k]
			}
			if !covered {
				out = append(out, Gap{
					ID: "evid/" + string(pc.ID), Kind: Evidence, Severity: aiassure.Medium,
					Title:    fmt.Sprintf("control %s is claimed with no evidence", pc.ID),
					Detail:   fmt.Sprintf("%s claims %s as %s, but points to no evidence and no test result supports it. Evidence that would: %s.", field, ct.Name, pc.Status, strings.Join(ct.Evidence, ", ")),
					Controls: []aiassure.ControlID{pc.ID}, Requirements: ct.Requirements,
					Sources: []string{"profile " + field},
				})
			}
			continue
		}
		for j, ev := range pc.Evidence {
			if strings.Contains(ev.Ref, "://") || ev.Ref == "" {
				continue
			}
			path, err := p.File(ev.Ref)
			if err == nil {
				_, err = os.Stat(path)
			}
			if err != nil {
				out = append(out, Gap{
					ID: fmt.Sprintf("evid/%s/%d", pc.ID, j), Kind: Evidence, Severity: aiassure.Medium,
					Title:    fmt.Sprintf("evidence for %s is missing: %s", pc.ID, ev.Ref),
					Detail:   fmt.Sprintf("%s.evidence[%d] points to %s (%s), which cannot be read: %v", field, j, ev.Ref, ev.Kind, err),
					Controls: []aiassure.ControlID{pc.ID}, Requirements: ct.Requirements,
					Sources: []string{fmt.Sprintf("profile %s.evidence[%d]", field, j)},
				})
			}
		}
	}
	for i, d := range p.Performance {
		tested := false
		for _, r := range in.Results {
			if _, ok := r.Metrics[d.Metric]; ok && r.Status != aiassure.Unknown {
				tested = true
			}
		}
		if tested {
			continue
		}
		out = append(out, Gap{
			ID: fmt.Sprintf("evid/performance/%d", i), Kind: Evidence, Severity: aiassure.Medium,
			Title:        fmt.Sprintf("declared %s %.3g is not backed by a test", d.Metric, d.Value),
			Detail:       fmt.Sprintf("performance[%d] declares %s = %.3g (Art. 13(3)(b)(ii), Art. 15(3)); no test result in this assessment measures it.", i, d.Metric, d.Value),
			Requirements: []aiassure.RequirementID{"ai-act-art-15-3"},
			Controls:     []aiassure.ControlID{"c-accuracy-testing"},
			Sources:      []string{fmt.Sprintf("profile performance[%d]", i), "Regulation (EU) 2024/1689 Art. 15(3)"},
		})
	}
	return out
}

// evidenceKind maps a check name such as "evasion/pgd" to the evidence kind
// "test/evasion"; lineage checks are already "lineage/...".
func evidenceKind(check string) string {
	head, _, _ := strings.Cut(check, "/")
	switch head {
	case "lineage", "log":
		return check
	}
	return "test/" + head
}

func requirementCoverage(in Input, reqs []aiassure.RequirementID) []ReqCover {
	impl := implementedSet(in.Profile)
	evidenced := map[aiassure.ControlID]bool{}
	for _, pc := range in.Profile.Controls {
		if len(pc.Evidence) > 0 && pc.Status != "planned" {
			evidenced[pc.ID] = true
		}
	}
	var out []ReqCover
	for _, r := range reqs {
		rc := ReqCover{Requirement: r}
		addStd := func(id aiassure.StandardID) {
			if !slices.Contains(rc.Standards, id) {
				rc.Standards = append(rc.Standards, id)
			}
		}
		if req, ok := in.Catalog.Requirement(r); ok {
			for _, s := range req.SeedStandards {
				addStd(s)
			}
		}
		for _, m := range in.Catalog.Matrices {
			col := slices.Index(m.Columns, r)
			if col < 0 {
				continue
			}
			for _, row := range m.Rows {
				if col < len(row.Marks) && row.Marks[col] != '.' {
					addStd(row.Standard)
				}
			}
		}
		for _, ct := range in.Catalog.Controls {
			if !slices.Contains(ct.Requirements, r) {
				continue
			}
			for _, cl := range ct.Clauses {
				addStd(cl.Standard) // a standard that asks for a serving control
			}
			rc.Controls++
			if impl[ct.ID] {
				rc.Implemented++
			}
			if evidenced[ct.ID] {
				rc.Evidenced++
			}
		}
		slices.Sort(rc.Standards)
		out = append(out, rc)
	}
	return out
}

func threatCoverage(in Input, threats []aiassure.ThreatID) []ThreatCover {
	impl := implementedSet(in.Profile)
	var out []ThreatCover
	for _, t := range threats {
		tc := ThreatCover{Threat: t}
		for _, s := range in.Catalog.StandardsFor(t) {
			tc.Standards = append(tc.Standards, s.ID)
			for _, cv := range s.Coverage {
				if cv.Threat == t && cv.Level == "specific" && s.Status.Stage == "published" {
					tc.Specific = true
				}
			}
		}
		for _, ct := range in.Catalog.ControlsFor(t) {
			tc.Controls++
			if impl[ct.ID] {
				tc.Implemented++
			}
		}
		out = append(out, tc)
	}
	return out
}

func joinIDs[T ~string](ids []T) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
