package accept

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/internal/yamlx"
)

// KindAcceptance is the kind of the findings Apply reports about the file
// itself. They cannot be accepted.
const KindAcceptance = "acceptance"

// Problem codes: the second part of the ID of a problem finding,
// "acceptance/CODE/SELECTOR".
const (
	ProblemExpired          = "expired"                 // medium: the acceptance has run out
	ProblemNotYetValid      = "not-yet-valid"           // medium: the acceptance is dated after the assessment
	ProblemUnknownThreat    = "unknown-threat"          // medium: the catalogue has no such threat
	ProblemUnknownAsset     = "unknown-asset"           // medium: the profile has no such asset
	ProblemCriticalNoExpiry = "critical-without-expiry" // medium: a critical finding needs an expiry to be accepted
	ProblemPartial          = "partial"                 // low: covers some, not all, assets of a finding
	ProblemUnmatched        = "unmatched"               // low: matches no finding of this assessment
)

// severities of the problems.
var problemSeverity = map[string]aiassure.Severity{
	ProblemExpired:          aiassure.Medium,
	ProblemNotYetValid:      aiassure.Medium,
	ProblemUnknownThreat:    aiassure.Medium,
	ProblemUnknownAsset:     aiassure.Medium,
	ProblemCriticalNoExpiry: aiassure.Medium,
	ProblemPartial:          aiassure.Low,
	ProblemUnmatched:        aiassure.Low,
}

// aiActURL is the AI Act on EUR-Lex (ELI).
const aiActURL = "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"

// SetVocabulary tells Apply which threat IDs (the catalogue's) and asset IDs
// (the profile's) exist, so that an entry naming another one is reported as
// unknown rather than as matching nothing. A nil list leaves that check out.
func (f *File) SetVocabulary(threats []aiassure.ThreatID, assets []string) {
	if f == nil {
		return
	}
	f.threats, f.assets = nil, nil
	if threats != nil {
		f.threats = map[aiassure.ThreatID]bool{}
		for _, t := range threats {
			f.threats[t] = true
		}
	}
	if assets != nil {
		f.assets = map[string]bool{}
		for _, a := range assets {
			f.assets[a] = true
		}
	}
}

// Counts reports whether f counts toward a failure threshold such as
// -fail-on: every finding does unless a valid risk acceptance covers it.
func Counts(f aiassure.Finding) bool { return f.Accepted == nil }

// AtLeast returns how many of findings count (Counts) and are at or above
// severity min.
func AtLeast(findings []aiassure.Finding, min aiassure.Severity) int {
	n := 0
	for _, f := range findings {
		if Counts(f) && f.Severity.Rank() >= min.Rank() {
			n++
		}
	}
	return n
}

// entryState is what Apply learns about one entry.
type entryState struct {
	problem  string   // why the entry cannot accept anything, or ""
	touched  []string // findings it names or whose threat (and asset) it names
	critical []string // critical findings it could not accept for want of an expiry
	partial  []string // findings it covers only some assets of, with the assets left
	other    []string // findings of its threat that are not risks: a threat entry does not cover them
}

// Apply marks the findings that valid entries of f cover and returns them,
// in the same order, with the problems of the file as findings of kind
// "acceptance", ordered by their place in the file. now is the time of the
// assessment; its UTC date decides whether an entry holds (from its date to
// its expiry, both days included). findings is not modified; the Accepted
// of every finding returned is Apply's own (whatever the input carried is
// dropped). A nil f accepts nothing and reports nothing.
//
// Matching (docs/risk-acceptance.md):
//   - an entry by fingerprint or finding ID covers that finding, of any kind
//     but "acceptance";
//   - an entry by threat covers findings of kind "risk" whose Threats holds
//     the threat; with an asset, only on that asset. A finding on several
//     assets is covered only when each of its assets is, by one entry or
//     several; a finding on no asset only by an entry without one;
//   - a critical finding is covered only by an entry with an expiry;
//   - when several entries cover a finding, the most specific wins
//     (fingerprint or ID, then threat and asset, then threat), and among
//     entries that together cover several assets, the one that expires
//     first: the acceptance holds no longer than its weakest part.
func (f *File) Apply(findings []aiassure.Finding, now time.Time) (out []aiassure.Finding, problems []aiassure.Finding) {
	out = slices.Clone(findings)
	for i := range out {
		out[i].Accepted = nil
	}
	if f == nil {
		return out, nil
	}
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)

	st := make([]entryState, len(f.Accepted))
	direct := map[string]int{}                // fingerprint -> entry
	byThreat := map[aiassure.ThreatID][]int{} // threat -> entries
	for j := range f.Accepted {
		e := &f.Accepted[j]
		switch {
		case e.Threat != "" && f.threats != nil && !f.threats[e.Threat]:
			st[j].problem = ProblemUnknownThreat
		case e.Asset != "" && f.assets != nil && !f.assets[e.Asset]:
			st[j].problem = ProblemUnknownAsset
		case today.Before(e.On):
			st[j].problem = ProblemNotYetValid
		case !e.Until.IsZero() && today.After(e.Until):
			st[j].problem = ProblemExpired
		}
		switch {
		case e.Fingerprint != "":
			direct[e.Fingerprint] = j
		case e.Finding != "":
			direct[aiassure.Fingerprint(e.Finding)] = j
		default:
			byThreat[e.Threat] = append(byThreat[e.Threat], j)
		}
	}
	// usable reports whether entry j may accept finding x.
	usable := func(j int, x *aiassure.Finding) bool {
		if st[j].problem != "" {
			return false
		}
		if x.Severity == aiassure.Critical && f.Accepted[j].Until.IsZero() {
			st[j].critical = append(st[j].critical, x.ID)
			return false
		}
		return true
	}

	for i := range out {
		x := &out[i]
		if x.Kind == KindAcceptance {
			continue
		}
		fp := x.Fingerprint
		if fp == "" {
			fp = aiassure.Fingerprint(x.ID)
		}
		accepted := -1
		if j, ok := direct[fp]; ok {
			st[j].touched = append(st[j].touched, x.ID)
			if usable(j, x) {
				accepted = j
			}
		}
		if t := f.byThreat(x, byThreat, st, usable, accepted >= 0); accepted < 0 {
			accepted = t
		}
		if accepted >= 0 {
			x.Accepted = f.acceptance(accepted)
		}
	}

	for j := range f.Accepted {
		problems = append(problems, f.problems(j, &st[j], out)...)
	}
	return out, problems
}

// byThreat records which threat entries touch finding x and returns the
// entry that accepts it by threat, or -1. usable says whether an entry may
// accept x; done, that x is accepted already (a partial cover is then no
// problem).
func (f *File) byThreat(x *aiassure.Finding, byThreat map[aiassure.ThreatID][]int, st []entryState, usable func(int, *aiassure.Finding) bool, done bool) int {
	var cands []int // entries that name one of x's threats and its asset or none
	seen := map[int]bool{}
	for _, t := range x.Threats {
		for _, j := range byThreat[t] {
			a := f.Accepted[j].Asset
			if seen[j] || (a != "" && !slices.Contains(x.Assets, a)) {
				continue
			}
			seen[j] = true
			if x.Kind != "risk" {
				st[j].other = append(st[j].other, x.ID)
				continue
			}
			st[j].touched = append(st[j].touched, x.ID)
			cands = append(cands, j)
		}
	}
	if len(cands) == 0 {
		return -1
	}
	ok := map[int]bool{}
	for _, j := range cands {
		ok[j] = usable(j, x)
	}
	assets := x.Assets
	if len(assets) == 0 {
		assets = []string{""}
	}
	var chosen []int // the entry covering each asset
	var left []string
	for _, a := range assets {
		best := -1
		for _, j := range cands {
			e := &f.Accepted[j]
			if !ok[j] || (e.Asset != "" && e.Asset != a) {
				continue
			}
			if best < 0 || better(e, &f.Accepted[best]) {
				best = j
			}
		}
		if best < 0 {
			left = append(left, a)
			continue
		}
		chosen = append(chosen, best)
	}
	if len(left) > 0 {
		if done {
			return -1
		}
		for _, j := range cands {
			if ok[j] && f.Accepted[j].Asset != "" {
				st[j].partial = append(st[j].partial, fmt.Sprintf("%s (not covered: %s)", x.ID, strings.Join(left, ", ")))
			}
		}
		return -1
	}
	// The acceptance holds as long as its weakest part: the entry that
	// expires first; among equals, the first in the file.
	slices.SortStableFunc(chosen, func(a, b int) int {
		return cmp.Or(cmpExpiry(&f.Accepted[a], &f.Accepted[b]), cmp.Compare(a, b))
	})
	return chosen[0]
}

// better reports whether threat entry a covers an asset more specifically
// than b, or as specifically and expiring earlier.
func better(a, b *Entry) bool {
	if (a.Asset != "") != (b.Asset != "") {
		return a.Asset != ""
	}
	return cmpExpiry(a, b) < 0
}

// cmpExpiry orders entries by expiry, no expiry last.
func cmpExpiry(a, b *Entry) int {
	switch {
	case a.Until.Equal(b.Until):
		return 0
	case a.Until.IsZero():
		return 1
	case b.Until.IsZero():
		return -1
	}
	return a.Until.Compare(b.Until)
}

func (f *File) location(j int, field string) aiassure.Location {
	e := &f.Accepted[j]
	path := fmt.Sprintf("accepted[%d]", j)
	if field != "" {
		path += "." + field
	}
	line := e.Line
	if p, ok := f.at[path]; ok {
		line = p.Line
	}
	return aiassure.Location{File: f.Path, Line: line, Field: path}
}

// acceptance is the record entry j puts on a finding it covers.
func (f *File) acceptance(j int) *aiassure.Acceptance {
	e := &f.Accepted[j]
	by := strings.TrimSpace(e.AcceptedBy)
	if e.ReviewedBy != "" {
		by += "; reviewed by " + strings.TrimSpace(e.ReviewedBy)
	}
	reason := strings.TrimSpace(e.Reason)
	if e.Ref != "" {
		reason += " (ref. " + strings.TrimSpace(e.Ref) + ")"
	}
	return &aiassure.Acceptance{By: by, Reason: reason, Date: e.On, Expires: e.Until, Location: f.location(j, "")}
}

// describe names what entry e accepts, for people.
func describe(e *Entry) string {
	switch {
	case e.Fingerprint != "":
		return "finding with fingerprint " + e.Fingerprint
	case e.Finding != "":
		return "finding " + e.Finding
	case e.Asset != "":
		return fmt.Sprintf("threat %s on asset %s", e.Threat, e.Asset)
	}
	return fmt.Sprintf("threat %s on every asset", e.Threat)
}

// list prints at most ten IDs.
func list(ids []string) string {
	if len(ids) > 10 {
		return strings.Join(ids[:10], "; ") + fmt.Sprintf("; and %d more", len(ids)-10)
	}
	return strings.Join(ids, "; ")
}

// problems returns the problem findings of entry j.
func (f *File) problems(j int, s *entryState, out []aiassure.Finding) []aiassure.Finding {
	e := &f.Accepted[j]
	what := describe(e)
	line := func(j int) string { return fmt.Sprintf("line %d", f.Accepted[j].Line) }
	var ps []aiassure.Finding
	add := func(code, field, title, detail string) {
		p := aiassure.Finding{
			ID:           "acceptance/" + code + "/" + e.Selector(),
			Kind:         KindAcceptance,
			Severity:     problemSeverity[code],
			Title:        title,
			Detail:       detail,
			Requirements: []aiassure.RequirementID{"ai-act-art-9"},
			Provisions:   []string{"Art. 9(2)", "Art. 9(5)"},
			Locations:    []aiassure.Location{f.location(j, field)},
			Sources:      []string{"Regulation (EU) 2024/1689 (AI Act), Art. 9: " + aiActURL},
		}
		p.Fingerprint = aiassure.Fingerprint(p.ID)
		if e.Threat != "" {
			p.Threats = []aiassure.ThreatID{e.Threat}
		}
		if e.Asset != "" {
			p.Assets = []string{e.Asset}
		}
		ps = append(ps, p)
	}
	// again says what becomes of the findings an unusable entry names.
	again := func() string {
		if len(s.touched) == 0 {
			return " It matches no finding of this assessment."
		}
		var counts, still []string
		for _, id := range s.touched {
			i := slices.IndexFunc(out, func(x aiassure.Finding) bool { return x.ID == id })
			if i >= 0 && out[i].Accepted != nil {
				still = append(still, fmt.Sprintf("%s (accepted by the entry at line %d)", id, out[i].Accepted.Location.Line))
			} else {
				counts = append(counts, id)
			}
		}
		var b strings.Builder
		if len(counts) > 0 {
			fmt.Fprintf(&b, " These findings count again: %s.", list(counts))
		}
		if len(still) > 0 {
			fmt.Fprintf(&b, " Still accepted by another entry: %s.", list(still))
		}
		return b.String()
	}
	who := fmt.Sprintf("accepted by %s on %s", strings.TrimSpace(e.AcceptedBy), e.Date)
	switch s.problem {
	case ProblemExpired:
		add(ProblemExpired, "expires",
			fmt.Sprintf("risk acceptance of %s expired on %s", what, e.Expires),
			fmt.Sprintf("The entry at %s (%s) held until %s.%s Review the risk (Art. 9(2)): renew the acceptance with a new date and expiry, or treat the risk.", line(j), who, e.Expires, again()))
		return ps
	case ProblemNotYetValid:
		add(ProblemNotYetValid, "date",
			fmt.Sprintf("risk acceptance of %s is dated %s, after the assessment", what, e.Date),
			fmt.Sprintf("The entry at %s (%s) is dated after the day of the assessment, so it does not hold yet.%s Correct the date; an acceptance is recorded when it is made.", line(j), who, again()))
		return ps
	case ProblemUnknownThreat:
		add(ProblemUnknownThreat, "threat",
			fmt.Sprintf("risk acceptance names threat %s, which the catalogue does not have", e.Threat),
			fmt.Sprintf("The entry at %s (%s) names a threat ID that is not in the catalogue; it accepts nothing.%s Use a threat ID as the report prints it; aiassure catalog list threats lists them all.", line(j), who, suggestThreat(e.Threat, f.threats)))
		return ps
	case ProblemUnknownAsset:
		add(ProblemUnknownAsset, "asset",
			fmt.Sprintf("risk acceptance names asset %s, which the profile does not declare", e.Asset),
			fmt.Sprintf("The entry at %s (%s) names an asset ID that is not among the profile's assets; it accepts nothing.%s Use an asset ID of the profile.", line(j), who, suggestAsset(e.Asset, f.assets)))
		return ps
	}
	if len(s.touched) == 0 {
		detail := fmt.Sprintf("The entry at %s (%s) matches no finding of this assessment: the finding was resolved, its ID changed, or the entry has a typo.", line(j), who)
		if len(s.other) > 0 {
			detail += fmt.Sprintf(" A threat entry covers risk findings only; these findings of the threat are of other kinds and can be accepted by fingerprint or ID, one by one: %s.", list(s.other))
		}
		if near := threatsOn(e.Asset, out); len(near) > 0 {
			detail += fmt.Sprintf(" The risk findings on asset %s are of the threats %s.", e.Asset, strings.Join(near, ", "))
		}
		add(ProblemUnmatched, "", fmt.Sprintf("risk acceptance of %s matches no finding", what),
			detail+" Remove the entry or correct it, so that the record says what is accepted today.")
	}
	if len(s.partial) > 0 {
		add(ProblemPartial, "asset", fmt.Sprintf("risk acceptance of %s covers only part of a finding", what),
			fmt.Sprintf("The entry at %s (%s) covers some but not all assets of these findings, which therefore count: %s. Accept the threat on the other assets too, or accept the finding by its fingerprint.", line(j), who, list(s.partial)))
	}
	if len(s.critical) > 0 {
		add(ProblemCriticalNoExpiry, "", fmt.Sprintf("risk acceptance of %s has no expiry, so it cannot accept a critical finding", what),
			fmt.Sprintf("The entry at %s (%s) has no expires date. A critical residual risk may be accepted only for a stated time, so these critical findings count: %s. Add an expires date.", line(j), who, list(s.critical)))
	}
	return ps
}

// threatsOn lists the threats of the risk findings on asset, when asset is
// given: the threat an entry meant may be a refinement of the one it names.
func threatsOn(asset string, out []aiassure.Finding) []string {
	if asset == "" {
		return nil
	}
	var ts []string
	for _, x := range out {
		if x.Kind != "risk" || !slices.Contains(x.Assets, asset) {
			continue
		}
		for _, t := range x.Threats {
			if !slices.Contains(ts, string(t)) {
				ts = append(ts, string(t))
			}
		}
	}
	slices.Sort(ts)
	return ts
}

func suggestThreat(t aiassure.ThreatID, known map[aiassure.ThreatID]bool) string {
	var names []string
	for k := range known {
		names = append(names, string(k))
	}
	slices.Sort(names)
	return suggestion(string(t), names)
}

func suggestAsset(a string, known map[string]bool) string {
	var names []string
	for k := range known {
		names = append(names, k)
	}
	slices.Sort(names)
	return suggestion(a, names)
}

func suggestion(word string, names []string) string {
	if s := yamlx.Suggest(word, names); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
