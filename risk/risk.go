// Package risk performs a system-specific threat, vulnerability and risk
// analysis in the style of ETSI TS 102 165-1 (TVRA): for each asset of the
// profile, the catalogue threats that can reach it; the attack potential
// each needs (ISO/IEC 18045 factors, set from the profile's exposure); the
// likelihood that follows; the impact from the intended use and the security
// goal hit; the risk from the matrix; and the residual risk after the
// implemented controls and the test evidence.
//
// The scoring tables are data (scoring.yaml), each with its source.
package risk

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/profile"
)

// Input is what the analysis reads.
type Input struct {
	Profile        *profile.Profile
	Catalog        *catalog.Catalog
	Classification classify.Result
	Results        []aiassure.Result // test and verification evidence; may be empty
}

// Analyze runs the analysis.
func Analyze(in Input) (Analysis, error) {
	s, err := LoadScoring()
	if err != nil {
		return Analysis{}, err
	}
	p, c := in.Profile, in.Catalog
	a := Analysis{
		Method: fmt.Sprintf("%s (scoring tables %s)", s.Method, s.Version),
		Counts: Counts{Inherent: map[string]int{}, Residual: map[string]int{}},
	}
	for _, l := range s.Levels() {
		a.Counts.Inherent[l], a.Counts.Residual[l] = 0, 0
	}
	routes := accessRoutes(p)
	seen := map[aiassure.ThreatID]bool{} // threats that apply to some asset, or are refined by one that does
	var entries []Entry
	for ai, asset := range p.Assets {
		applicable := map[aiassure.ThreatID][]Reason{}
		for _, t := range c.Threats {
			if !slices.Contains(t.Assets, asset.Kind) || !reachable(t, routes) {
				continue
			}
			if ok, why, _ := applies(p, t, ai); ok {
				if len(why) == 0 {
					line, _ := p.Line(fmt.Sprintf("assets[%d]", ai))
					why = []Reason{{Fact: "asset-kind", Holds: true, Field: fmt.Sprintf("assets[%d]", ai), Line: line,
						Text: fmt.Sprintf("%s is a %s asset, which this threat attacks; it needs no further fact", asset.ID, asset.Kind)}}
				}
				applicable[t.ID] = why
			}
		}
		for _, t := range c.Threats {
			why, ok := applicable[t.ID]
			if !ok {
				continue
			}
			for id := t.ID; id != ""; {
				seen[id] = true
				pt, _ := c.Threat(id)
				id = pt.Parent
			}
			if hasApplicableChild(c, t.ID, applicable) {
				continue
			}
			e := analyseOne(s, in, t, asset)
			e.Applies = why
			entries = append(entries, e)
		}
	}
	a.Entries = group(entries)
	for _, e := range a.Entries {
		a.Counts.Inherent[e.Risk.Level]++
		a.Counts.Residual[e.Residual.Level]++
	}
	for _, t := range c.Threats {
		if !seen[t.ID] {
			a.NotApplicable = append(a.NotApplicable, Exclusion{Threat: t.ID, Name: t.Name, Reason: whyNot(p, t, routes)})
		}
	}
	slices.SortStableFunc(a.Entries, func(x, y Entry) int {
		return cmp.Or(
			cmp.Compare(y.Residual.Value, x.Residual.Value),
			cmp.Compare(y.Risk.Value, x.Risk.Value),
			cmp.Compare(x.Threat, y.Threat),
			cmp.Compare(strings.Join(x.Assets, ","), strings.Join(y.Assets, ",")),
		)
	})
	return a, nil
}

// routes records which access paths the profile opens to an attacker, and why.
type routes map[string]string

func accessRoutes(p *profile.Profile) routes {
	r := routes{"artefact": "model and data files are stored somewhere", "insider": "people operate the system"}
	for i, a := range p.Assets {
		if a.Kind == "inference-interface" {
			if a.Exposure == nil || a.Exposure.Outputs != "none" {
				r["query"] = fmt.Sprintf("assets[%d] %s answers queries", i, a.ID)
			}
			r["network"] = fmt.Sprintf("assets[%d] %s is reachable over a network", i, a.ID)
		}
		if a.Kind == "dataset" && (a.Origin == "third-party" || a.Origin == "public" || a.Origin == "open-source") {
			r["training-data"] = fmt.Sprintf("assets[%d] %s comes from outside (%s)", i, a.ID, a.Origin)
		}
		if a.Kind == "model" && (a.Origin == "third-party" || a.Origin == "open-source" || a.Origin == "public") {
			r["model-supply-chain"] = fmt.Sprintf("assets[%d] %s comes from outside (%s)", i, a.ID, a.Origin)
		}
		if a.Kind == "input" && a.Capture == "sensor" {
			r["physical"] = fmt.Sprintf("assets[%d] %s captures inputs from the physical world", i, a.ID)
		}
	}
	if p.Lifecycle.ContinuousLearning {
		r["training-data"] = "lifecycle.continuous_learning: operational data is trained on"
	}
	if p.Lifecycle.FederatedLearning {
		r["training-data"] = "lifecycle.federated_learning: clients send model updates"
	}
	if p.Deployment.Edge {
		r["physical"] = "deployment.edge: the model runs on devices others hold"
	}
	if p.LLM != nil {
		if c := thirdPartyContent(p.LLM); len(c) > 0 {
			r["content"] = "llm.untrusted_content: content others wrote enters the prompt (" + strings.Join(c, ", ") + ")"
		}
		if _, ok := r["model-supply-chain"]; !ok && external(p.LLM.Origin) {
			r["model-supply-chain"] = "llm.origin: the language model comes from outside (" + p.LLM.Origin + ")"
		}
		for i, t := range p.LLM.Tools {
			if _, ok := r["model-supply-chain"]; !ok && external(t.Origin) {
				r["model-supply-chain"] = fmt.Sprintf("llm.tools[%d] %s comes from outside (%s)", i, t.Name, t.Origin)
			}
		}
	}
	for i, cp := range p.Components {
		if cp.OpenSource || cp.Supplier != "" {
			if _, ok := r["model-supply-chain"]; !ok {
				r["model-supply-chain"] = fmt.Sprintf("components[%d] %s is third-party or open-source", i, cp.Name)
			}
		}
	}
	return r
}

func reachable(t catalog.Threat, r routes) bool {
	for _, a := range t.Access {
		if _, ok := r[a]; ok {
			return true
		}
	}
	return false
}

func hasApplicableChild(c *catalog.Catalog, id aiassure.ThreatID, applicable map[aiassure.ThreatID][]Reason) bool {
	for _, t := range c.Threats {
		if _, ok := applicable[t.ID]; ok && t.Parent == id {
			return true
		}
	}
	return false
}

// exposure returns the exposure of the profile's inference interface most
// open to attackers (public beats internal, no authentication beats some).
func exposure(p *profile.Profile) *profile.Exposure {
	var best *profile.Exposure
	rank := func(e *profile.Exposure) int {
		r := 0
		if e.Public {
			r += 2
		}
		if !e.Authentication {
			r++
		}
		return r
	}
	for _, a := range p.Assets {
		if a.Kind == "inference-interface" && a.Exposure != nil && (best == nil || rank(a.Exposure) > rank(best)) {
			best = a.Exposure
		}
	}
	return best
}

func step(levels []string, level string, by int) string {
	i := slices.Index(levels, level)
	if i < 0 {
		return level
	}
	return levels[max(0, min(len(levels)-1, i+by))]
}

func analyseOne(s *Scoring, in Input, t catalog.Threat, asset profile.Asset) Entry {
	p := in.Profile
	e := Entry{Threat: t.ID, ThreatName: t.Name, Assets: []string{asset.ID}, AssetKinds: []string{asset.Kind}}
	ap := t.AttackPotential
	why := map[string]string{}
	queries := slices.Contains(t.Access, "query")
	if ex := exposure(p); queries && ex != nil {
		switch {
		case ex.Public && !ex.Authentication:
			ap.Window, why["window"] = "unlimited", "public interface without authentication"
		case ex.Public:
			ap.Window, why["window"] = "easy", "public interface behind authentication"
		default:
			ap.Window, why["window"] = "moderate", "interface reachable only inside the organisation"
		}
		if ex.RateLimit > 0 || ex.QueryBudget > 0 {
			ap.Window = step(catalog.Window, ap.Window, 1)
			why["window"] += fmt.Sprintf("; queries limited (rate %d/min, budget %d/day)", ex.RateLimit, ex.QueryBudget)
		}
		if ex.Outputs == "label" && t.Knowledge == "black-box" {
			ap.ElapsedTime = step(catalog.ElapsedTime, ap.ElapsedTime, 1)
			ap.Expertise = step(catalog.Expertise, ap.Expertise, 1)
			why["elapsed_time"] = "only labels are returned: decision-based attacks need more queries"
			why["expertise"] = why["elapsed_time"]
		}
	}
	if t.Knowledge == "white-box" {
		origin := ""
		for _, a := range p.Assets {
			if a.Kind == "model" {
				origin = a.Origin
			}
		}
		switch origin {
		case "open-source", "public":
			ap.Knowledge, why["knowledge"] = "public", "the model is published"
		case "third-party":
			ap.Knowledge, why["knowledge"] = "restricted", "the model is held by a third party as well"
		}
	}
	for _, f := range []struct{ name, level string }{
		{"elapsed_time", ap.ElapsedTime}, {"expertise", ap.Expertise}, {"knowledge", ap.Knowledge},
		{"window", ap.Window}, {"equipment", ap.Equipment},
	} {
		pts := s.points(f.name, f.level)
		e.Factors = append(e.Factors, Factor{Name: f.name, Level: f.level, Points: pts, Why: why[f.name]})
		e.AttackPotential += pts
	}
	var lk string
	e.Resistance, lk = s.band(e.AttackPotential)
	e.Likelihood = s.Likelihood.score(lk)
	e.Reasoning = append(e.Reasoning, fmt.Sprintf("attack potential %d (%s) -> likelihood %s", e.AttackPotential, e.Resistance, lk))

	e.Goal, e.Impact = impact(s, in, t, asset, &e.Reasoning)

	e.Risk = s.risk(e.Likelihood, e.Impact)

	// Evidence: results that speak to this threat (or its parent).
	resL := e.Likelihood
	for _, r := range in.Results {
		if !speaksTo(in.Catalog, r.Threats, t.ID) {
			continue
		}
		switch r.Status {
		case aiassure.Fail:
			resL = s.Likelihood.byValue(3)
			e.Likelihood = resL
			e.Risk = s.risk(e.Likelihood, e.Impact)
			e.Evidence = append(e.Evidence, r.ID)
			e.Reasoning = append(e.Reasoning, fmt.Sprintf("test %s failed: the attack is demonstrated, likelihood likely", r.ID))
		case aiassure.Pass:
			e.Evidence = append(e.Evidence, r.ID)
			e.Reasoning = append(e.Reasoning, fmt.Sprintf("test %s passed: counts as evidence for the controls it exercises", r.ID))
		}
	}

	// Controls: the least likelihood and least impact of those implemented
	// (TS 102 165-1 6.9.3 combined effect).
	resI := e.Impact
	implemented := map[aiassure.ControlID]profile.Control{}
	for _, pc := range p.Controls {
		implemented[pc.ID] = pc
	}
	failed := failedThreat(in.Results, in.Catalog, t.ID)
	for _, ct := range in.Catalog.ControlsFor(t.ID) {
		pc, ok := implemented[ct.ID]
		if !ok || pc.Status == "planned" {
			e.Missing = append(e.Missing, ct.ID)
			continue
		}
		e.Implemented = append(e.Implemented, ct.ID)
		if pc.Status != "implemented" {
			e.Reasoning = append(e.Reasoning, fmt.Sprintf("control %s is only partly implemented: no reduction", ct.ID))
			continue
		}
		if failed {
			e.Reasoning = append(e.Reasoning, fmt.Sprintf("control %s is implemented, but a test of this threat failed: no reduction", ct.ID))
			continue
		}
		if ct.Effect == "likelihood" || ct.Effect == "both" {
			if l := s.Likelihood.byValue(e.Likelihood.Value - 1); l.Value < resL.Value {
				resL = l
			}
		}
		if ct.Effect == "impact" || ct.Effect == "both" {
			if i := s.Impact.byValue(e.Impact.Value - 1); i.Value < resI.Value {
				resI = i
			}
		}
	}
	if len(e.Implemented) > 0 {
		e.Reasoning = append(e.Reasoning, fmt.Sprintf("implemented controls %v -> residual likelihood %s, impact %s", e.Implemented, resL.Level, resI.Level))
	}
	if passedAll(in.Results, in.Catalog, t.ID) && resL.Value > 1 {
		resL = s.Likelihood.byValue(resL.Value - 1)
		e.Reasoning = append(e.Reasoning, "every test of this threat passed -> residual likelihood "+resL.Level)
	}
	e.ResidualLikelihood, e.ResidualImpact = resL, resI
	e.Residual = s.risk(resL, resI)
	return e
}

// speaksTo reports whether a result naming threats ids is evidence about t:
// it names t itself or a refinement of t (a demonstrated white-box evasion
// shows that evasion works), or a threat whose catalogue entry says its
// results are evidence about t (evidence_for). A result naming a broader threat says nothing
// about each of its refinements: a failed accuracy test ("model flaws") does
// not demonstrate memorisation.
func speaksTo(c *catalog.Catalog, ids []aiassure.ThreatID, t aiassure.ThreatID) bool {
	for _, id := range ids {
		if id == t || isAncestor(c, t, id) {
			return true
		}
		if th, ok := c.Threat(id); ok && slices.Contains(th.EvidenceFor, t) {
			return true
		}
	}
	return false
}

func isAncestor(c *catalog.Catalog, anc, t aiassure.ThreatID) bool {
	seen := map[aiassure.ThreatID]bool{}
	for id := t; id != "" && !seen[id]; {
		seen[id] = true
		th, ok := c.Threat(id)
		if !ok {
			return false
		}
		if th.Parent == anc {
			return true
		}
		id = th.Parent
	}
	return false
}

func failedThreat(rs []aiassure.Result, c *catalog.Catalog, t aiassure.ThreatID) bool {
	for _, r := range rs {
		if r.Status == aiassure.Fail && speaksTo(c, r.Threats, t) {
			return true
		}
	}
	return false
}

func passedAll(rs []aiassure.Result, c *catalog.Catalog, t aiassure.ThreatID) bool {
	n := 0
	for _, r := range rs {
		if speaksTo(c, r.Threats, t) {
			if r.Status != aiassure.Pass {
				return false
			}
			n++
		}
	}
	return n > 0
}

// impact sets the impact from the intended use and the goal the threat hits
// hardest, and says why.
func impact(s *Scoring, in Input, t catalog.Threat, asset profile.Asset, why *[]string) (string, Score) {
	p, cls := in.Profile, in.Classification
	highRisk := cls.Tier == classify.HighRisk || cls.Tier == classify.Prohibited
	safety := p.Use.AnnexI != nil
	vulnerable := false
	for _, a := range p.Affected {
		vulnerable = vulnerable || a.Vulnerable
	}
	best, bestV, reason := "", 0, ""
	for _, g := range t.Goals {
		v, r := 1, ""
		switch g {
		case "integrity":
			switch {
			case highRisk:
				v, r = 3, "wrong outputs of a high-risk system harm the health, safety or fundamental rights of persons"
			case cls.Transparency:
				v, r = 2, "manipulated outputs mislead the persons the system interacts with"
			default:
				v, r = 1, "a minimal-risk use: wrong outputs do not strongly harm the persons concerned"
			}
		case "confidentiality":
			switch sens := sensitivity(p, asset); {
			case sens == "special-category":
				v, r = 3, "special categories of personal data could be disclosed"
			case sens == "personal" && highRisk:
				v, r = 3, "personal data handled by a high-risk system could be disclosed"
			case sens == "personal":
				v, r = 2, "personal data could be disclosed"
			case asset.Kind == "model":
				v, r = 2, "the model is intellectual property and a stepping stone to further attacks"
			default:
				v, r = 1, "the data disclosed is not sensitive"
			}
		case "availability":
			switch {
			case safety:
				v, r = 3, "the system is a safety component of a product (Annex I)"
			case highRisk:
				v, r = 2, "a high-risk service would be unavailable to the persons relying on it"
			default:
				v, r = 1, "an outage delays a non-critical service"
			}
		}
		if vulnerable && v < 3 && g != "availability" {
			v++
			r += "; vulnerable persons are affected"
		}
		if v > bestV {
			best, bestV, reason = g, v, r
		}
	}
	sc := s.Impact.byValue(bestV)
	*why = append(*why, fmt.Sprintf("impact %s on %s: %s", sc.Level, best, reason))
	return best, sc
}

// sensitivity of an asset; for a model or interface, the most sensitive data set.
func sensitivity(p *profile.Profile, asset profile.Asset) string {
	if asset.Kind == "dataset" || asset.Kind == "logs" || asset.Sensitivity != "" {
		return asset.Sensitivity
	}
	order := []string{"", "public", "internal", "personal", "special-category"}
	best := ""
	for _, a := range p.Assets {
		if a.Kind == "dataset" && slices.Index(order, a.Sensitivity) > slices.Index(order, best) {
			best = a.Sensitivity
		}
	}
	return strings.TrimSpace(best)
}

// group joins the entries of one threat over assets that the analysis rates
// alike (the same inherent and residual risk, likelihood, impact and missing
// controls) into one entry listing the assets: six "unauthorised access"
// rows with the same numbers are one risk to treat. Assets rated
// differently keep entries of their own.
func group(es []Entry) []Entry {
	type key struct {
		threat               aiassure.ThreatID
		risk, residual       int
		likelihood, impact   int
		rLikelihood, rImpact int
		missing              string
	}
	idx := map[key]int{}
	var out []Entry
	for _, e := range es {
		k := key{e.Threat, e.Risk.Value, e.Residual.Value, e.Likelihood.Value, e.Impact.Value,
			e.ResidualLikelihood.Value, e.ResidualImpact.Value, fmt.Sprint(e.Missing)}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, e)
			continue
		}
		g := &out[i]
		g.Assets = append(g.Assets, e.Assets...)
		for _, k := range e.AssetKinds {
			if !slices.Contains(g.AssetKinds, k) {
				g.AssetKinds = append(g.AssetKinds, k)
			}
		}
		for _, r := range e.Applies {
			if !slices.ContainsFunc(g.Applies, func(x Reason) bool { return x.Fact == r.Fact && x.Field == r.Field }) {
				g.Applies = append(g.Applies, r)
			}
		}
		for _, ev := range e.Evidence {
			if !slices.Contains(g.Evidence, ev) {
				g.Evidence = append(g.Evidence, ev)
			}
		}
	}
	for i := range out {
		out[i].Applies = joinKindReasons(out[i])
	}
	return out
}

// joinKindReasons says once, for all the entry's assets, that a threat
// without preconditions applies to assets of the kinds it attacks.
func joinKindReasons(e Entry) []Reason {
	var rest []Reason
	first := -1
	for i, r := range e.Applies {
		if r.Fact != "asset-kind" {
			rest = append(rest, r)
		} else if first < 0 {
			first = i
		}
	}
	if first < 0 || len(e.Assets) < 2 {
		return e.Applies
	}
	r := e.Applies[first]
	r.Text = fmt.Sprintf("%s are %s assets, which this threat attacks; it needs no further fact", strings.Join(e.Assets, ", "), strings.Join(e.AssetKinds, ", "))
	return append([]Reason{r}, rest...)
}

// whyNot says why threat t applies to no asset of p: no asset of the kinds
// it attacks, a precondition that fails, or no open access path.
func whyNot(p *profile.Profile, t catalog.Threat, r routes) Reason {
	var kinds []int
	for i, a := range p.Assets {
		if slices.Contains(t.Assets, a.Kind) {
			kinds = append(kinds, i)
		}
	}
	if len(kinds) == 0 {
		line, _ := p.Line("assets")
		return Reason{Fact: "asset-kind", Field: "assets", Line: line,
			Text: "no asset of a kind it attacks is declared (" + strings.Join(t.Assets, ", ") + ")"}
	}
	// The system-level verdict reads best ("no data set holds personal
	// data"); when the system has the fact but no asset of the threat's
	// kinds does, say which asset it fails for.
	if ok, _, f := applies(p, t, -1); !ok {
		return f
	}
	var fail Reason
	for _, i := range kinds {
		ok, _, f := applies(p, t, i)
		if ok {
			return Reason{Fact: "access", Text: "no access path it needs is open (" + strings.Join(t.Access, ", ") + ")"}
		}
		if fail.Text == "" {
			fail = f
		}
	}
	return fail
}
