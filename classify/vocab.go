package classify

// Closed vocabularies of the profile fields the classification reads. The
// rules file may name only these values, and Classify rejects a profile that
// uses any other.
var (
	// Practices are the Art. 5(1) prohibited practices a profile may declare
	// in use.practices, plus the ban the Digital Omnibus on AI adds.
	Practices = []string{
		"subliminal-manipulation",                                  // Art. 5(1)(a)
		"exploit-vulnerabilities",                                  // Art. 5(1)(b)
		"social-scoring",                                           // Art. 5(1)(c)
		"crime-risk-profiling",                                     // Art. 5(1)(d)
		"facial-scraping",                                          // Art. 5(1)(e)
		"emotion-recognition-workplace-education",                  // Art. 5(1)(f)
		"biometric-categorisation-sensitive",                       // Art. 5(1)(g)
		"realtime-remote-biometric-identification-law-enforcement", // Art. 5(1)(h)
		"non-consensual-intimate-imagery",                          // Art. 5 as amended by Reg. (EU) 2026/1744 (not verified)
	}

	// Derogations are the Art. 6(3) conditions a provider may claim in
	// use.derogation.
	Derogations = []string{
		"narrow-procedural-task", // Art. 6(3)(a)
		"improve-human-activity", // Art. 6(3)(b)
		"detect-patterns",        // Art. 6(3)(c)
		"preparatory-task",       // Art. 6(3)(d)
	}

	// TransparencySituations are the Art. 50 situations a profile may declare
	// in use.transparency.
	TransparencySituations = []string{
		"interacts-with-persons",   // Art. 50(1)
		"synthetic-content",        // Art. 50(2)
		"emotion-recognition",      // Art. 50(3)
		"biometric-categorisation", // Art. 50(3)
		"deep-fake",                // Art. 50(4), first subparagraph
		"public-interest-text",     // Art. 50(4), second subparagraph
	}

	// Exclusions are the Art. 2 scope exclusions a profile may claim in
	// use.exclusions.
	Exclusions = []string{
		"military", // Art. 2(3): military, defence or national security purposes only
		"research", // Art. 2(6) and 2(8): scientific research and development only
		"personal", // Art. 2(10): natural persons in purely personal, non-professional use
	}

	// Roles are the operator roles of the profile's role field (Art. 3).
	Roles = []string{"provider", "deployer", "importer", "distributor", "product-manufacturer"}

	// AnnexISectionA is the Union harmonisation legislation of Annex I,
	// Section A (new legislative framework): the AI Act's high-risk
	// requirements apply directly.
	AnnexISectionA = []string{
		"machinery",          // Directive 2006/42/EC, Regulation (EU) 2023/1230
		"toys",               // Directive 2009/48/EC
		"recreational-craft", // Directive 2013/53/EU
		"lifts",              // Directive 2014/33/EU
		"atex",               // Directive 2014/34/EU (equipment for explosive atmospheres)
		"radio-equipment",    // Directive 2014/53/EU
		"pressure-equipment", // Directive 2014/68/EU
		"cableways",          // Regulation (EU) 2016/424
		"ppe",                // Regulation (EU) 2016/425 (personal protective equipment)
		"gas-appliances",     // Regulation (EU) 2016/426
		"mdr",                // Regulation (EU) 2017/745 (medical devices)
		"ivdr",               // Regulation (EU) 2017/746 (in vitro diagnostic medical devices)
	}

	// AnnexISectionB is the Union harmonisation legislation of Annex I,
	// Section B (old approach): per Art. 2(2) only Art. 6(1), 102 to 109 and
	// 112 apply, the requirements reaching these products through the
	// sectoral acts.
	AnnexISectionB = []string{
		"civil-aviation-security",  // Regulation (EC) No 300/2008
		"two-three-wheel-vehicles", // Regulation (EU) No 168/2013
		"agricultural-vehicles",    // Regulation (EU) No 167/2013
		"marine-equipment",         // Directive 2014/90/EU
		"rail-interoperability",    // Directive (EU) 2016/797
		"motor-vehicles",           // Regulation (EU) 2018/858
		"civil-aviation",           // Regulation (EU) 2018/1139
		"motor-vehicles-safety",    // Regulation (EU) 2019/2144
	}
)

// AnnexIIIPoint is one point of Annex III, named in our own words.
type AnnexIIIPoint struct {
	Area  int
	Point string // "" for area 2, which has no points
	Name  string
}

// AnnexIII lists the areas and points of Annex III of the final text.
var AnnexIII = []AnnexIIIPoint{
	{1, "a", "remote biometric identification (not verification of a claimed identity)"},
	{1, "b", "biometric categorisation by sensitive or protected attributes"},
	{1, "c", "emotion recognition"},
	{2, "", "safety component of critical infrastructure: critical digital infrastructure, road traffic, water, gas, heating, electricity"},
	{3, "a", "access or admission to education and vocational training"},
	{3, "b", "evaluation of learning outcomes"},
	{3, "c", "assessing the level of education a person will receive or access"},
	{3, "d", "monitoring prohibited behaviour of students during tests"},
	{4, "a", "recruitment and selection: job adverts, filtering applications, evaluating candidates"},
	{4, "b", "decisions on work relationships, promotion, termination, task allocation, monitoring of workers"},
	{5, "a", "eligibility for essential public assistance benefits and services, incl. healthcare"},
	{5, "b", "creditworthiness and credit scores of natural persons (except fraud detection)"},
	{5, "c", "risk assessment and pricing in life and health insurance"},
	{5, "d", "evaluating and classifying emergency calls, dispatch, emergency patient triage"},
	{6, "a", "law enforcement: risk of a person becoming a victim of crime"},
	{6, "b", "law enforcement: polygraphs and similar tools"},
	{6, "c", "law enforcement: reliability of evidence"},
	{6, "d", "law enforcement: risk of offending or re-offending, personality traits, past criminal behaviour"},
	{6, "e", "law enforcement: profiling in detection, investigation or prosecution"},
	{7, "a", "migration: polygraphs and similar tools"},
	{7, "b", "migration: security, irregular-migration or health risk posed by a person"},
	{7, "c", "migration: examining applications for asylum, visa, residence permits and complaints"},
	{7, "d", "migration: detecting, recognising or identifying persons (except travel-document verification)"},
	{8, "a", "justice: assisting a judicial authority or alternative dispute resolution"},
	{8, "b", "democratic processes: influencing elections, referendums or voting behaviour"},
}

// annexIIIValid reports whether area and point name an Annex III point. Area
// 2 has no points: its point may be empty or "a".
func annexIIIValid(area int, point string) bool {
	if area == 2 {
		return point == "" || point == "a"
	}
	for _, p := range AnnexIII {
		if p.Area == area && p.Point == point {
			return true
		}
	}
	return false
}

// annexIIIArea reports whether area is an Annex III area.
func annexIIIArea(area int) bool { return area >= 1 && area <= 8 }

// Outcomes are what a rule may conclude: a tier, or a flag.
var Outcomes = []string{
	OutOfScope, Prohibited, HighRisk, Transparency,
	"derogation",      // Art. 6(3): an Annex III system is not high-risk
	"general-purpose", // the system is, or is built on, a general-purpose AI model
	"gpai-model",      // the provider places a general-purpose AI model on the market (Art. 53)
	"systemic-risk",   // the model has systemic risk (Art. 51, 55)
}

// No is the Outcome of a Verdict for a rule that was relevant but did not fire.
const No = "no"

// Scopes say which application dates and obligations a firing rule brings.
var Scopes = []string{
	"annex-i",   // Art. 6(1), Annex I Section A
	"annex-i-b", // Art. 6(1), Annex I Section B (Art. 2(2))
	"annex-iii", // Art. 6(2), Annex III
	"omnibus-ban",
}

func in(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
