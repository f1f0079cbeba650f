package classify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/profile"
)

// tri is a three-valued truth: the facts establish a condition, refute it,
// or leave it open.
type tri int8

const (
	tUnknown tri = 0
	tYes     tri = 1
	tNo      tri = -1
)

// answer returns the normalised answer of fact id ("unknown" when absent).
func answer(facts map[string]string, id string) string {
	v, ok := facts[id]
	if !ok {
		return Unknown
	}
	return normalAnswer(v)
}

// eval evaluates c on facts in Kleene's three-valued logic.
func (c *FactCond) eval(facts map[string]string) tri {
	switch {
	case c.All != nil:
		out := tYes
		for _, s := range c.All {
			out = min(out, s.eval(facts))
		}
		return out
	case c.Any != nil:
		out := tNo
		for _, s := range c.Any {
			out = max(out, s.eval(facts))
		}
		return out
	case c.Not != nil:
		return -c.Not.eval(facts)
	}
	a := answer(facts, c.Fact)
	if a == Unknown {
		return tUnknown
	}
	if c.Is != "" {
		if a == c.Is {
			return tYes
		}
		return tNo
	}
	if slices.Contains(c.In, a) {
		return tYes
	}
	return tNo
}

// facts lists the facts c names, in order, each once.
func (c *FactCond) facts(out []string) []string {
	for _, s := range slices.Concat(c.All, c.Any) {
		out = s.facts(out)
	}
	if c.Not != nil {
		out = c.Not.facts(out)
	}
	if c.Fact != "" && !slices.Contains(out, c.Fact) {
		out = append(out, c.Fact)
	}
	return out
}

// deciding returns the unanswered facts of c whose answer can change its
// value, in order.
func (c *FactCond) deciding(facts map[string]string) []string {
	var out []string
	for _, f := range c.facts(nil) {
		if answer(facts, f) != Unknown {
			continue
		}
		with := func(a string) tri {
			m := map[string]string{f: a}
			for k, v := range facts {
				if k != f {
					m[k] = v
				}
			}
			return c.eval(m)
		}
		if q := c.choicesOf(f); q != nil {
			vals := map[tri]bool{}
			for _, a := range q {
				vals[with(a)] = true
			}
			if len(vals) > 1 {
				out = append(out, f)
			}
			continue
		}
		if with(Yes) != with(No) {
			out = append(out, f)
		}
	}
	return out
}

// choicesOf returns the choices c tests fact f against, or nil for a yes/no
// fact.
func (c *FactCond) choicesOf(f string) []string {
	if c.Fact == f && c.In != nil {
		return append(slices.Clone(c.In), "\x00other")
	}
	for _, s := range slices.Concat(c.All, c.Any, []*FactCond{c.Not}) {
		if s == nil {
			continue
		}
		if ch := s.choicesOf(f); ch != nil {
			return ch
		}
	}
	return nil
}

// answered lists the facts of c that have an answer, as "facts.ID".
func (c *FactCond) answered(facts map[string]string) []string {
	var out []string
	for _, f := range c.facts(nil) {
		if answer(facts, f) != Unknown {
			out = append(out, "facts."+f)
		}
	}
	return out
}

// source is one profile field behind a value of the effective use: a fact
// or a claim, with its value as text.
type source struct{ path, value string }

// derivation is what the facts and the claims of a profile establish: the
// effective use: block the rules run on, where each of its fields came
// from, and the conclusions, open questions and claim checks.
type derivation struct {
	use         profile.Use
	prov        map[string][]source
	conclusions []Conclusion
	open        []Open
	claims      []Claim
	listFacts   map[string][]source // kind -> the answered facts of its conclusions that do not hold
}

// derive computes the effective use: block of p: the facts decide every
// conclusion they settle; a claim stands where the facts leave it open.
func (qs *Questionnaire) derive(p *profile.Profile) *derivation {
	d := &derivation{prov: map[string][]source{}, listFacts: map[string][]source{}}
	facts := p.Facts
	_, hasUse := p.Line("use")
	hasUse = hasUse || !isZeroUse(p.Use)
	claimed := claimsOf(p)
	eff := map[string][]Target{} // kind -> effective targets, in order
	var effSrc = map[Target][]source{}
	for _, c := range qs.Conclusions {
		if c.Sets.Kind == "annex_i" {
			continue // below
		}
		v := c.When.eval(facts)
		claim, isClaimed := claimed[c.Sets]
		factSrc := qs.factSources(c.When, facts)
		if v == tNo {
			for _, f := range factSrc {
				if !slices.Contains(d.listFacts[c.Sets.Kind], f) {
					d.listFacts[c.Sets.Kind] = append(d.listFacts[c.Sets.Kind], f)
				}
			}
		}
		switch {
		case v == tYes:
			src := factSrc
			by := "facts"
			if isClaimed {
				src = append([]source{claim}, src...)
				by = "facts and claim"
			} else if hasUse {
				d.claims = append(d.claims, Claim{
					Conclusion: c.ID, Sets: c.Sets.String(), Provision: c.Provision, Kind: ClaimMissing,
					Facts: paths(factSrc), Line: lineOf(p, factSrc),
					Reason: fmt.Sprintf("The facts establish %s (%s), but use: does not claim it: add it under use: or correct the facts.", named(c), sourceText(factSrc)),
				})
			}
			eff[c.Sets.Kind] = append(eff[c.Sets.Kind], c.Sets)
			effSrc[c.Sets] = src
			if c.Sets == (Target{"exclusion", "personal"}) && !hasRole(p, "deployer") {
				continue // the rules explain why Art. 2(10) does not apply
			}
			d.conclusions = append(d.conclusions, Conclusion{ID: c.ID, Sets: c.Sets.String(), Provision: c.Provision, By: by, Facts: paths(factSrc), Claim: claim.path})
		case v == tNo && isClaimed:
			line, _ := p.Line(claim.path)
			d.claims = append(d.claims, Claim{
				Conclusion: c.ID, Sets: c.Sets.String(), Provision: c.Provision, Kind: ClaimContradicted,
				Claim: claim.path, Facts: paths(factSrc), Line: line,
				Reason: fmt.Sprintf("%s claims %s, but the facts say it does not hold (%s): the facts decide; correct the claim or the facts.", claim.path, named(c), sourceText(factSrc)),
			})
		case v == tUnknown && isClaimed:
			eff[c.Sets.Kind] = append(eff[c.Sets.Kind], c.Sets)
			effSrc[c.Sets] = []source{claim}
			d.conclusions = append(d.conclusions, Conclusion{ID: c.ID, Sets: c.Sets.String(), Provision: c.Provision, By: "claim", Claim: claim.path})
		case v == tUnknown && (c.Sets.Tier() != "" || c.Sets.Kind == "gpai"):
			if c.Sets == (Target{"exclusion", "personal"}) && !hasRole(p, "deployer") {
				continue // Art. 2(10) relieves only deployers
			}
			if o, ok := qs.openFor(p, c); ok {
				d.open = append(d.open, o)
			}
		}
	}
	d.build(p, eff, effSrc)
	qs.deriveAnnexI(p, d, hasUse)
	return d
}

// build writes the effective use: block from the effective targets and
// records the provenance of each of its fields.
func (d *derivation) build(p *profile.Profile, eff map[string][]Target, src map[Target][]source) {
	u := &d.use
	for i, t := range eff["annex_iii"] {
		area, point := t.ref()
		if area == 2 {
			point = ""
			// keep the claim's spelling ("a" or none) where there is one
			for _, r := range p.Use.AnnexIII {
				if r.Area == 2 {
					point = r.Point
				}
			}
		}
		u.AnnexIII = append(u.AnnexIII, profile.AnnexIIIRef{Area: area, Point: point})
		d.prov[fmt.Sprintf("use.annex_iii[%d]", i)] = src[t]
	}
	lists := []struct {
		kind, path string
		dst        *[]string
	}{
		{"practice", "use.practices", &u.Practices},
		{"derogation", "use.derogation", &u.Derogation},
		{"transparency", "use.transparency", &u.Transparency},
		{"exclusion", "use.exclusions", &u.Exclusions},
	}
	for _, l := range lists {
		for i, t := range eff[l.kind] {
			*l.dst = append(*l.dst, t.Value)
			d.prov[fmt.Sprintf("%s[%d]", l.path, i)] = src[t]
		}
		// A rule that finds nothing in the list cites the list: say which
		// answers emptied it.
		if len(eff[l.kind]) == 0 && len(d.listFacts[l.kind]) > 0 {
			var whole []source
			if _, ok := p.Line(l.path); ok {
				whole = append(whole, source{l.path, "none"})
			}
			d.prov[l.path] = append(whole, d.listFacts[l.kind]...)
		}
	}
	for _, t := range eff["profiling"] {
		u.Profiling = true
		d.prov["use.profiling"] = src[t]
	}
	for _, t := range eff["gpai"] {
		if u.GeneralPurpose == nil {
			u.GeneralPurpose = &profile.GeneralPurpose{}
			d.prov["use.general_purpose"] = src[t]
		}
		switch t.Value {
		case "model":
			u.GeneralPurpose.Model = true
		case "systemic_risk":
			u.GeneralPurpose.SystemicRisk = true
		case "built_on_third_party":
			u.GeneralPurpose.BuiltOnThirdParty = true
		}
		d.prov["use.general_purpose."+t.Value] = src[t]
	}
}

// deriveAnnexI settles use.annex_i: from the facts when they answer all
// three Annex I questions (product, legislation, third-party assessment),
// else from the claim, with the claim checked against whatever the facts
// answer.
func (qs *Questionnaire) deriveAnnexI(p *profile.Profile, d *derivation, hasUse bool) {
	var c *ConclusionRule
	for i := range qs.Conclusions {
		if qs.Conclusions[i].Sets.Kind == "annex_i" {
			c = &qs.Conclusions[i]
		}
	}
	if c == nil {
		d.use.AnnexI = p.Use.AnnexI
		return
	}
	facts := p.Facts
	product := answer(facts, "annex_i_product")
	leg := answer(facts, annexILegislationFact)
	tp := answer(facts, annexIThirdPartyFact)
	claim := p.Use.AnnexI
	factSrc := qs.factSources(c.When, facts)
	if leg != Unknown {
		factSrc = append(factSrc, source{"facts." + annexILegislationFact, leg})
	}
	contradict := func(why string) {
		line, _ := p.Line("use.annex_i")
		d.claims = append(d.claims, Claim{
			Conclusion: c.ID, Sets: c.Sets.String(), Provision: c.Provision, Kind: ClaimContradicted,
			Claim: "use.annex_i", Facts: paths(factSrc), Line: line,
			Reason: "use.annex_i " + why + ": the facts decide; correct the claim or the facts.",
		})
	}
	switch {
	case product == No:
		if claim != nil {
			contradict("claims an Annex I product, but facts.annex_i_product = no")
		}
		return
	case product == Yes && leg != Unknown && tp != Unknown:
		a := &profile.AnnexIRef{Legislation: leg, ThirdParty: tp == Yes}
		if claim != nil {
			a.SafetyComponent = claim.SafetyComponent
			if claim.Legislation != leg {
				contradict(fmt.Sprintf("names %s, but facts.%s = %s", claim.Legislation, annexILegislationFact, leg))
			} else if claim.ThirdParty != a.ThirdParty {
				contradict(fmt.Sprintf("says third_party_assessment: %t, but facts.%s = %s", claim.ThirdParty, annexIThirdPartyFact, tp))
			}
		} else if hasUse && a.ThirdParty {
			d.claims = append(d.claims, Claim{
				Conclusion: c.ID, Sets: c.Sets.String(), Provision: c.Provision, Kind: ClaimMissing,
				Facts: paths(factSrc), Line: lineOf(p, factSrc),
				Reason: fmt.Sprintf("The facts establish an Annex I product under %s that needs third-party assessment (%s), but use: does not claim it: add use.annex_i or correct the facts.", leg, sourceText(factSrc)),
			})
		}
		d.use.AnnexI = a
		d.prov["use.annex_i"] = []source{{"facts.annex_i_product", Yes}}
		d.prov["use.annex_i.legislation"] = []source{{"facts." + annexILegislationFact, leg}}
		d.prov["use.annex_i.third_party_assessment"] = []source{{"facts." + annexIThirdPartyFact, tp}}
		if a.ThirdParty {
			d.conclusions = append(d.conclusions, Conclusion{ID: c.ID, Sets: c.Sets.String() + " " + leg, Provision: c.Provision, By: byOf(claim != nil), Facts: paths(factSrc), Claim: claimPath(claim)})
		}
		return
	}
	// The facts leave Annex I open: a claim stands, with a claimed third-party
	// assessment checked against an answered one.
	if claim != nil {
		if tp != Unknown && claim.ThirdParty != (tp == Yes) {
			contradict(fmt.Sprintf("says third_party_assessment: %t, but facts.%s = %s", claim.ThirdParty, annexIThirdPartyFact, tp))
			a := *claim
			a.ThirdParty = tp == Yes
			d.use.AnnexI = &a
			d.prov["use.annex_i.third_party_assessment"] = []source{{"facts." + annexIThirdPartyFact, tp}}
			return
		}
		d.use.AnnexI = claim
		if claim.ThirdParty {
			d.conclusions = append(d.conclusions, Conclusion{ID: c.ID, Sets: c.Sets.String() + " " + claim.Legislation, Provision: c.Provision, By: "claim", Claim: "use.annex_i"})
		}
		return
	}
	if c.When.eval(facts) == tNo {
		return
	}
	o, ok := qs.openFor(p, *c)
	if product == Yes {
		ok = true
		o = Open{Conclusion: c.ID, Sets: c.Sets.String(), Provision: c.Provision, Tier: c.Sets.Tier(),
			Ask: c.When.deciding(facts), Indicators: indications(p, *c)}
	}
	if ok && leg == Unknown && !slices.Contains(o.Ask, annexILegislationFact) {
		o.Ask = append(o.Ask, annexILegislationFact)
	}
	if ok {
		o.Reason = openReason(*c, o.Ask, o.Indicators)
		d.open = append(d.open, o)
	}
}

// openFor builds the Open entry of a conclusion the facts leave undecided,
// when some of its facts are answered or the purpose text points to it.
func (qs *Questionnaire) openFor(p *profile.Profile, c ConclusionRule) (Open, bool) {
	ind := indications(p, c)
	if len(c.When.answered(p.Facts)) == 0 && len(ind) == 0 {
		return Open{}, false
	}
	ask := c.When.deciding(p.Facts)
	if len(ask) == 0 {
		return Open{}, false
	}
	return Open{
		Conclusion: c.ID, Sets: c.Sets.String(), Provision: c.Provision, Tier: c.Sets.Tier(),
		Ask: ask, Indicators: ind, Reason: openReason(c, ask, ind),
	}, true
}

func openReason(c ConclusionRule, ask []string, ind []Indication) string {
	qs := make([]string, len(ask))
	for i, a := range ask {
		qs[i] = "facts." + a
	}
	why := "the answers so far point to it"
	if len(ind) > 0 {
		var t []string
		for _, x := range ind {
			t = append(t, fmt.Sprintf("%q in %s", x.Text, x.Field))
		}
		why = "the profile's text points to it (" + strings.Join(t, "; ") + ")"
	}
	return fmt.Sprintf("May be %s under %s: %s; answer %s.", tierWords(c.Sets), c.Provision, why, strings.Join(qs, ", "))
}

// tierWords says what a conclusion would make of the system.
func tierWords(t Target) string {
	switch t.Tier() {
	case OutOfScope:
		return "out of the Act's scope"
	case Prohibited:
		return "a prohibited practice"
	case HighRisk:
		return "high-risk"
	case Transparency:
		return "subject to transparency obligations"
	}
	return describe(t)
}

// textFields are the profile fields the indicators read.
var textFields = []struct {
	path string
	get  func(*profile.Profile) string
}{
	{"system.intended_purpose", func(p *profile.Profile) string { return p.System.Purpose }},
	{"system.sector", func(p *profile.Profile) string { return p.System.Sector }},
	{"system.description", func(p *profile.Profile) string { return p.System.Description }},
	{"system.name", func(p *profile.Profile) string { return p.System.Name }},
}

// indications returns the passages of p's text that c's indicators match,
// at most one per field.
func indications(p *profile.Profile, c ConclusionRule) []Indication {
	var out []Indication
	for _, f := range textFields {
		text := f.get(p)
		if text == "" {
			continue
		}
	groups:
		for _, g := range c.Indicators {
			var words []string
			for _, re := range g {
				m := re.FindString(text)
				if m == "" {
					continue groups
				}
				words = append(words, clip(m, 40))
			}
			line, _ := p.Line(f.path)
			out = append(out, Indication{Field: f.path, Text: strings.Join(words, " … "), Line: line})
			break
		}
	}
	return out
}

// clip shortens a matched passage to its first and last words when it is
// longer than n runes: "loan … applications".
func clip(s string, n int) string {
	words := strings.Fields(s)
	s = strings.Join(words, " ")
	if len([]rune(s)) <= n || len(words) < 3 {
		return s
	}
	head, tail := words[0], words[len(words)-1]
	for i := 1; i < len(words)-1 && len([]rune(head+" "+words[i]))+len([]rune(tail)) < n/2; i++ {
		head += " " + words[i]
	}
	return head + " … " + tail
}

// claimsOf indexes the claims of p's use: block by target, with the path
// that states each.
func claimsOf(p *profile.Profile) map[Target]source {
	out := map[Target]source{}
	for i, r := range p.Use.AnnexIII {
		v := fmt.Sprintf("%d%s", r.Area, r.Point)
		if r.Area == 2 {
			v = "2"
		}
		out[Target{"annex_iii", v}] = source{fmt.Sprintf("use.annex_iii[%d]", i), refString(r.Area, r.Point)}
	}
	for _, l := range []struct {
		kind, path string
		vals       []string
	}{
		{"practice", "use.practices", p.Use.Practices},
		{"derogation", "use.derogation", p.Use.Derogation},
		{"transparency", "use.transparency", p.Use.Transparency},
		{"exclusion", "use.exclusions", p.Use.Exclusions},
	} {
		for i, v := range l.vals {
			out[Target{l.kind, v}] = source{fmt.Sprintf("%s[%d]", l.path, i), v}
		}
	}
	if p.Use.Profiling {
		out[Target{"profiling", "true"}] = source{"use.profiling", "true"}
	}
	if g := p.Use.GeneralPurpose; g != nil {
		for v, on := range map[string]bool{"model": g.Model, "systemic_risk": g.SystemicRisk, "built_on_third_party": g.BuiltOnThirdParty} {
			if on {
				out[Target{"gpai", v}] = source{"use.general_purpose." + v, "true"}
			}
		}
	}
	return out
}

// factSources lists the answered facts of c as sources.
func (qs *Questionnaire) factSources(c *FactCond, facts map[string]string) []source {
	var out []source
	for _, f := range c.facts(nil) {
		if a := answer(facts, f); a != Unknown {
			out = append(out, source{"facts." + f, a})
		}
	}
	return out
}

func paths(src []source) []string {
	out := make([]string, len(src))
	for i, s := range src {
		out[i] = s.path
	}
	return out
}

func sourceText(src []source) string {
	if len(src) == 0 {
		return "no facts answered"
	}
	t := make([]string, len(src))
	for i, s := range src {
		t[i] = s.path + " = " + s.value
	}
	return strings.Join(t, ", ")
}

func lineOf(p *profile.Profile, src []source) int {
	for _, s := range src {
		if l, ok := p.Line(s.path); ok {
			return l
		}
	}
	return 0
}

func byOf(claimed bool) string {
	if claimed {
		return "facts and claim"
	}
	return "facts"
}

func claimPath(a *profile.AnnexIRef) string {
	if a == nil {
		return ""
	}
	return "use.annex_i"
}

// named words a conclusion with its provision, unless the words already
// name it.
func named(c ConclusionRule) string {
	if c.Sets.Kind == "annex_iii" {
		return describe(c.Sets)
	}
	return describe(c.Sets) + " (" + c.Provision + ")"
}

// describe words a target for a reason.
func describe(t Target) string {
	switch t.Kind {
	case "annex_iii":
		area, point := t.ref()
		return "Annex III point " + refString(area, point)
	case "practice":
		return "the Art. 5 practice " + t.Value
	case "exclusion":
		return "the Art. 2 exclusion " + t.Value
	case "derogation":
		return "the Art. 6(3) condition " + t.Value
	case "transparency":
		return "the Art. 50 situation " + t.Value
	case "profiling":
		return "profiling of natural persons"
	case "gpai":
		return "general_purpose." + t.Value
	case "annex_i":
		return "an Annex I product needing third-party assessment"
	}
	return t.String()
}

// rewrite replaces the effective-use field paths of a rule match with the
// facts and claims they came from.
func (d *derivation) rewrite(m match) match {
	out := match{ok: m.ok}
	for i, f := range m.fields {
		src, ok := d.prov[f]
		if !ok {
			out.add(match{fields: []string{f}, values: []string{m.values[i]}})
			continue
		}
		for _, s := range src {
			out.add(match{fields: []string{s.path}, values: []string{s.value}})
		}
	}
	return out
}

// isZeroUse reports whether u claims nothing.
func isZeroUse(u profile.Use) bool {
	return len(u.AnnexIII) == 0 && u.AnnexI == nil && len(u.Practices) == 0 && !u.Profiling &&
		len(u.Derogation) == 0 && len(u.Transparency) == 0 && u.GeneralPurpose == nil && len(u.Exclusions) == 0
}
