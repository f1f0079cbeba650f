package classify

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

// TierRule is the Rule of the last Verdict, which states the tier chosen
// and the precedence that chose it.
const TierRule = "tier"

// precedence orders the tiers, strongest first.
var precedence = []string{OutOfScope, Prohibited, HighRisk, Transparency, Minimal}

// Classify classifies the system p describes with the embedded rules. The
// catalogue c supplies the application dates of the obligations; it may be
// nil, and then every date comes from the rules file's date table.
func Classify(p *profile.Profile, c *catalog.Catalog) (Result, error) {
	rs, err := Rules()
	if err != nil {
		return Result{}, fmt.Errorf("classification rules: %w", err)
	}
	return rs.Classify(p, c)
}

// fired is a rule that fired, with what made it fire.
type fired struct {
	rule *Rule
	m    match
}

// Classify classifies the system p describes with the rules of rs.
func (rs *RuleSet) Classify(p *profile.Profile, c *catalog.Catalog) (Result, error) {
	if p == nil {
		return Result{}, errors.New("classify: no profile")
	}
	if err := checkProfile(p); err != nil {
		return Result{}, fmt.Errorf("classify: %w", err)
	}
	qs, err := Questions()
	if err != nil {
		return Result{}, fmt.Errorf("classification questionnaire: %w", err)
	}
	if err := qs.CheckFacts(p); err != nil {
		return Result{}, fmt.Errorf("classify: %w", err)
	}
	// The rules run on the effective use: block, which the facts decide
	// wherever they settle a conclusion; verdicts cite the facts and claims
	// behind each field.
	d := qs.derive(p)
	eff := *p
	eff.Use = d.use
	res := Result{Verdicts: []Verdict{}, Obligations: []Obligation{}, Facts: qs.answers(p),
		Conclusions: nonNil(d.conclusions), Claims: nonNil(d.claims)}
	by := map[string][]fired{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		m := d.rewrite(r.When.eval(&eff))
		if m.ok {
			by[r.Outcome] = append(by[r.Outcome], fired{r, m})
			res.Verdicts = append(res.Verdicts, verdict(r, r.Outcome, r.Reason, m))
			continue
		}
		if r.ExplainWhen != nil && r.ExplainWhen.eval(&eff).ok {
			res.Verdicts = append(res.Verdicts, verdict(r, No, r.ReasonNot, m))
		}
	}

	// Art. 6(3): a derogation lifts the Annex III classification, never
	// the Annex I one.
	var annexI, annexIII []fired
	for _, f := range by[HighRisk] {
		if f.rule.Scope == "annex-iii" {
			annexIII = append(annexIII, f)
		} else {
			annexI = append(annexI, f)
		}
	}
	derogated := len(by["derogation"]) > 0 && len(annexIII) > 0
	if derogated {
		var ids []string
		for _, f := range by["derogation"] {
			ids = append(ids, f.rule.ID)
		}
		for i := range res.Verdicts {
			v := &res.Verdicts[i]
			for _, f := range annexIII {
				if v.Rule == f.rule.ID {
					v.Reason += fmt.Sprintf(" Lifted by the Art. 6(3) derogation (%s).", strings.Join(ids, ", "))
				}
			}
		}
	}
	highRisk := annexI
	if !derogated {
		highRisk = append(slices.Clone(annexIII), annexI...)
	}

	deciding := map[string][]fired{
		OutOfScope:   by[OutOfScope],
		Prohibited:   by[Prohibited],
		HighRisk:     highRisk,
		Transparency: by[Transparency],
	}
	res.Tier = Minimal
	for _, t := range precedence {
		if len(deciding[t]) > 0 {
			res.Tier = t
			break
		}
	}
	if res.Tier == HighRisk {
		res.Route = "annex-i"
		if !derogated && len(annexIII) > 0 {
			res.Route = "annex-iii"
		}
	}
	res.Transparency = res.Tier != OutOfScope && len(by[Transparency]) > 0
	res.GeneralPurpose = len(by["general-purpose"]) > 0 || len(by["gpai-model"]) > 0
	res.SystemicRisk = len(by["systemic-risk"]) > 0
	res.Open = openFor(res.Tier, d.open)
	tv := tierVerdict(res.Tier, deciding[res.Tier], derogated, by["derogation"])
	for _, o := range res.Open {
		if stronger(o.Tier, res.Tier) {
			res.Provisional = true
		}
	}
	if res.Provisional {
		var may []string
		for _, o := range res.Open {
			if stronger(o.Tier, res.Tier) {
				may = append(may, fmt.Sprintf("%s under %s (answer %s)", o.Tier, o.Provision, strings.Join(prefixed("facts.", o.Ask), ", ")))
			}
		}
		tv.Reason += " Provisional: the system may be " + strings.Join(may, "; ") + "."
	}
	res.Verdicts = append(res.Verdicts, tv)

	// The triggers of the obligations (obligations.yaml), with the scopes of
	// the rules that brought them.
	ob, err := Obligations()
	if err != nil {
		return Result{}, fmt.Errorf("obligations: %w", err)
	}
	// They read the effective use: block, which the facts decided.
	active := activeTriggers(&eff, res.Tier, by, highRisk, derogated)
	points := annexIIIPoints(&eff, highRisk)
	res.Roles = effectiveRoles(&eff, active)
	res.Conformity = conformity(&eff, res.Tier, active[HighRisk], points, derogated)
	res.Obligations = ob.derive(dutyInput{p: &eff, active: active, points: points}, res.Roles, res.Conformity, c)
	return res, nil
}

// openFor keeps the open conclusions that matter for tier: none once the
// system is out of scope, only scope exclusions once it is prohibited.
func openFor(tier string, open []Open) []Open {
	out := []Open{}
	for _, o := range open {
		switch tier {
		case OutOfScope:
			continue
		case Prohibited:
			if o.Tier != OutOfScope {
				continue
			}
		}
		out = append(out, o)
	}
	return out
}

// burden orders the tiers by the obligations they bring, heaviest first.
var burden = []string{Prohibited, HighRisk, Transparency, Minimal, OutOfScope}

// stronger reports whether tier a brings heavier obligations than tier b:
// an open question that could only lighten them (an Art. 2 exclusion) does
// not make a tier provisional.
func stronger(a, b string) bool {
	ia, ib := slices.Index(burden, a), slices.Index(burden, b)
	return ia >= 0 && ib >= 0 && ia < ib
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// answers lists p's facts in the questionnaire's order, each with its
// provision and profile line.
func (qs *Questionnaire) answers(p *profile.Profile) []Fact {
	out := []Fact{}
	for _, q := range qs.Questions {
		a, ok := p.Facts[q.ID]
		if !ok {
			continue
		}
		line, _ := p.Line("facts." + q.ID)
		out = append(out, Fact{Question: q.ID, Answer: normalAnswer(a), Provision: q.Provision, Line: line})
	}
	return out
}

func verdict(r *Rule, outcome, reason string, m match) Verdict {
	fs := slices.Clone(m.fields)
	if fs == nil {
		fs = []string{}
	}
	reason = strings.ReplaceAll(reason, "{fields}", strings.Join(m.fields, ", "))
	reason = strings.ReplaceAll(reason, "{values}", strings.Join(m.values, ", "))
	facts := make([]string, len(m.fields))
	for i, f := range m.fields {
		facts[i] = f + " = " + m.values[i]
	}
	reason = strings.ReplaceAll(reason, "{facts}", strings.Join(facts, ", "))
	return Verdict{Rule: r.ID, Outcome: outcome, Article: r.Article, Fields: fs, Reason: strings.TrimSpace(reason)}
}

// tierVerdict states the tier and the rules that decided it.
func tierVerdict(tier string, fs []fired, derogated bool, derogations []fired) Verdict {
	v := Verdict{Rule: TierRule, Outcome: tier, Fields: []string{}}
	var ids, arts []string
	add := func(f fired) {
		ids = append(ids, f.rule.ID)
		if !slices.Contains(arts, f.rule.Article) {
			arts = append(arts, f.rule.Article)
		}
		for _, x := range f.m.fields {
			if !slices.Contains(v.Fields, x) {
				v.Fields = append(v.Fields, x)
			}
		}
	}
	for _, f := range fs {
		add(f)
	}
	if derogated && tier != HighRisk {
		for _, f := range derogations {
			add(f)
		}
	}
	order := "precedence out-of-scope > prohibited > high-risk > transparency > minimal"
	switch {
	case len(ids) == 0:
		v.Article = "Art. 5, 6, 50"
		v.Reason = "No rule of Art. 2, 5, 6 or 50 fired: minimal risk. The AI Act sets no tier obligations; voluntary codes of conduct (Art. 95) may apply."
	default:
		v.Article = strings.Join(arts, "; ")
		v.Reason = fmt.Sprintf("Tier %s by %s, decided by %s.", tier, order, strings.Join(ids, ", "))
		if derogated && tier != HighRisk {
			v.Reason += " The Art. 6(3) derogation lifts the Annex III classification."
		}
	}
	return v
}

func findRequirement(c *catalog.Catalog, id string) *catalog.Requirement {
	if c == nil {
		return nil
	}
	for i := range c.Requirements {
		if string(c.Requirements[i].ID) == id {
			return &c.Requirements[i]
		}
	}
	return nil
}

// CheckCatalog compares the rules with the catalogue: every rule's
// requirement must exist there and the rule's article must be that
// requirement's article or a part of it. It returns one line per
// disagreement; ObligationSet.CheckCatalog checks the obligations and dates.
func (rs *RuleSet) CheckCatalog(c *catalog.Catalog) []string {
	var out []string
	for _, r := range rs.Rules {
		if r.Requirement == "" {
			continue
		}
		req := findRequirement(c, r.Requirement)
		if req == nil {
			out = append(out, fmt.Sprintf("%s:%d: rule %s: requirement %s is not in the catalogue", RulesFile, r.Line, r.ID, r.Requirement))
			continue
		}
		if !articleWithin(r.Article, req.Article) {
			out = append(out, fmt.Sprintf("%s:%d: rule %s: article %q is not within the catalogue's %s article %q", RulesFile, r.Line, r.ID, r.Article, r.Requirement, req.Article))
		}
	}
	return out
}

// articleWithin reports whether a rule's article ("Art. 6(2), Annex III
// point 5(b)") lies within a catalogue article ("Art. 6"): its first
// citation starts with the catalogue's, followed by a non-digit.
func articleWithin(rule, cat string) bool {
	first, _, _ := strings.Cut(rule, ",")
	first = strings.TrimSpace(first)
	cat = strings.TrimSpace(cat)
	if cat == "" || !strings.HasPrefix(first, cat) {
		return false
	}
	rest := first[len(cat):]
	return rest == "" || !(rest[0] >= '0' && rest[0] <= '9')
}

// activeTriggers returns the obligation triggers (ObligationTriggers) the
// classification sets, each with the scopes of the rules that brought it
// ("" for a rule without scope).
func activeTriggers(p *profile.Profile, tier string, by map[string][]fired, highRisk []fired, derogated bool) map[string][]string {
	active := map[string][]string{}
	set := func(trigger string, fs []fired) {
		for _, f := range fs {
			if !slices.Contains(active[trigger], f.rule.Scope) {
				active[trigger] = append(active[trigger], f.rule.Scope)
			}
		}
	}
	switch tier {
	case OutOfScope:
		return active
	case Prohibited:
		set(Prohibited, by[Prohibited])
		return active
	case HighRisk:
		set(HighRisk, highRisk)
	default:
		active["not-high-risk"] = []string{""}
	}
	active["any"] = []string{""}
	set("art-50", by[Transparency])
	if derogated && tier != HighRisk {
		set("derogation", by["derogation"])
	}
	set("gpai-model", by["gpai-model"])
	set("systemic-risk", by["systemic-risk"])
	// A declared provider of a general-purpose AI model places one on the
	// market, whether or not use.general_purpose.model says so.
	if slices.Contains(p.RoleList(), "gpai-provider") {
		if len(active["gpai-model"]) == 0 {
			active["gpai-model"] = []string{""}
		}
		if gp := p.Use.GeneralPurpose; gp != nil && gp.SystemicRisk && len(active["systemic-risk"]) == 0 {
			active["systemic-risk"] = []string{""}
		}
	}
	return active
}

// checkProfile rejects values outside the vocabularies the rules read, so
// that a misspelt value cannot pass unclassified.
func checkProfile(p *profile.Profile) error {
	var errs []error
	list := func(path string, vals, vocab []string) {
		for i, v := range vals {
			if !in(vocab, v) {
				errs = append(errs, fmt.Errorf("%s[%d]: unknown value %q (want one of %s)", path, i, v, strings.Join(vocab, ", ")))
			}
		}
	}
	list("use.practices", p.Use.Practices, Practices)
	list("use.derogation", p.Use.Derogation, Derogations)
	list("use.transparency", p.Use.Transparency, TransparencySituations)
	list("use.exclusions", p.Use.Exclusions, Exclusions)
	if p.Role != "" && !in(Roles, p.Role) {
		errs = append(errs, fmt.Errorf("role: unknown value %q (want one of %s)", p.Role, strings.Join(Roles, ", ")))
	}
	list("roles", p.Roles, Roles)
	for i, r := range p.Use.AnnexIII {
		if !annexIIIValid(r.Area, r.Point) {
			errs = append(errs, fmt.Errorf("use.annex_iii[%d]: Annex III has no point %s", i, refString(r.Area, r.Point)))
		}
	}
	if a := p.Use.AnnexI; a != nil && !in(annexILegislation(), a.Legislation) {
		errs = append(errs, fmt.Errorf("use.annex_i.legislation: unknown value %q (want one of %s)", a.Legislation, strings.Join(annexILegislation(), ", ")))
	}
	return errors.Join(errs...)
}
