package profile

import "github.com/aiassure/aiassure/catalog"

// The closed vocabularies of the profile, in one place: validation, the JSON
// Schema (schema.json, generated from these lists), the classifier and the
// documentation use them. Lists shared with the catalogue (life-cycle phases,
// asset kinds, evidence kinds) live in package catalog.
var (
	// Roles are the operator roles of the role and roles fields (AI Act
	// Art. 3(3) to 3(8), Art. 25(3); gpai-provider: the provider of a
	// general-purpose AI model, Chapter V).
	Roles = []string{"provider", "deployer", "importer", "distributor", "authorised-representative", "product-manufacturer", "gpai-provider"}

	// AssuranceLevels are the Cybersecurity Act (Art. 52) assurance levels.
	AssuranceLevels = []string{"basic", "substantial", "high"}

	// ControlStatuses say how far a declared control is in place.
	ControlStatuses = []string{"implemented", "partial", "planned"}

	// Outputs are what an inference interface returns to its callers, least
	// to most revealing except none.
	Outputs = []string{"label", "score", "logits", "none"}

	// Sensitivities classify the data an asset holds.
	Sensitivities = []string{"public", "internal", "personal", "special-category"}

	// Origins say where an asset comes from.
	Origins = []string{"internal", "third-party", "open-source", "public"}

	// Captures say how an input asset enters the system.
	Captures = []string{"digital", "sensor"}

	// ModelFormats are the file formats of a model asset. Pickle-based ones
	// (pickle, pytorch, joblib) and keras (Lambda layers) can run code when
	// loaded; see UnsafeModelFormats.
	ModelFormats = []string{"onnx", "safetensors", "gguf", "pickle", "pytorch", "joblib", "keras", "tensorflow", "other"}

	// UnsafeModelFormats are the model formats whose loading can execute code.
	UnsafeModelFormats = []string{"pickle", "pytorch", "joblib", "keras"}

	// Environments describe where the model runs.
	Environments = []string{"cloud", "on-premises", "edge", "hybrid"}

	// UntrustedContent are the entry points of untrusted text into an LLM's prompt.
	UntrustedContent = []string{"user-message", "document", "web-page", "email", "tool-result", "retrieved-data"}

	// OutputSinks are where an LLM's answer is used.
	OutputSinks = []string{"user", "html", "markdown", "sql", "shell", "code", "api", "email"}

	// InterpreterSinks are the output sinks that interpret what the model
	// writes (a browser renders it, a shell, SQL engine or code runner
	// executes it), where an answer can become an attack.
	InterpreterSinks = []string{"html", "markdown", "sql", "shell", "code"}

	// LLMProtocols are the protocols of an LLM application's chat endpoint.
	LLMProtocols = []string{"openai", "mapped"}

	// ToolApprovals say whether a person approves each call of an LLM tool.
	ToolApprovals = []string{"human", "none"}

	// LLMMemory says what an LLM application remembers: nothing, the
	// conversation, or across sessions.
	LLMMemory = []string{"none", "session", "persistent"}

	// RetrievalKinds are the kinds of store an LLM application retrieves from.
	RetrievalKinds = []string{"vector", "search", "database", "graph"}

	// ComponentKinds are the kinds of third-party component.
	ComponentKinds = []string{"library", "model", "dataset", "service"}

	// Metrics are the performance metrics a profile may declare (Art. 13(3)(b)(ii), Art. 15(3)).
	Metrics = []string{"accuracy", "precision", "recall", "f1", "roc_auc", "fpr", "fnr", "robust_accuracy"}

	// Norms are the perturbation norms of a robust_accuracy declaration.
	Norms = []string{"linf", "l2"}

	// TestSuites are the suites of the model tests (package probe, Suites).
	TestSuites = []string{"metrics", "evasion", "privacy", "availability", "poisoning"}

	// EvasionAttacks are the attacks a test plan may name (package
	// probe/evasion, All).
	EvasionAttacks = []string{"fgsm", "fgm-l2", "pgd-linf", "pgd-l2", "deepfool-l2", "deepfool-linf", "square-linf", "hopskipjump-l2", "hopskipjump-linf"}

	// AttackSettings lists the settings each attack of EvasionAttacks takes,
	// by their keys in test_plan.attacks (and the probe command's -attack).
	AttackSettings = map[string][]string{
		"fgsm":             {"budget"},
		"fgm-l2":           {"budget"},
		"pgd-linf":         pgdSettings,
		"pgd-l2":           pgdSettings,
		"deepfool-l2":      deepFoolSettings,
		"deepfool-linf":    deepFoolSettings,
		"square-linf":      {"iterations", "p_init", "budget"},
		"hopskipjump-l2":   hsjSettings,
		"hopskipjump-linf": hsjSettings,
	}
	pgdSettings      = []string{"steps", "restarts", "step", "random_start", "budget"}
	deepFoolSettings = []string{"iterations", "overshoot", "budget"}
	hsjSettings      = []string{"iterations", "init_evals", "max_evals", "budget"}

	// Practices are the AI Act Art. 5(1) prohibited practices a profile may
	// declare in use.practices, plus the ban the Digital Omnibus on AI adds.
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

	// Derogations are the Art. 6(3) conditions a provider may claim in use.derogation.
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

	// Exclusions are the Art. 2 scope exclusions a profile may claim in use.exclusions.
	Exclusions = []string{
		"military", // Art. 2(3): military, defence or national security purposes only
		"research", // Art. 2(6) and 2(8): scientific research and development only
		"personal", // Art. 2(10): natural persons in purely personal, non-professional use
	}

	// AnnexISectionA is the Union harmonisation legislation of Annex I,
	// Section A (new legislative framework).
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
	// Section B (old approach; Art. 2(2)).
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

// AnnexIIIPoint is one point of AI Act Annex III, named in our own words.
type AnnexIIIPoint struct {
	Area  int
	Point string // "" for area 2, which has no points
	Name  string
}

// AnnexIII lists the areas and points of Annex III of Regulation (EU) 2024/1689.
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

// AnnexIIIValid reports whether area and point name an Annex III point. Area
// 2 has no points: its point may be empty or "a".
func AnnexIIIValid(area int, point string) bool {
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

// AnnexIIIPoints returns the point letters of an Annex III area ("a" for
// area 2), or nil for a number that is not an area.
func AnnexIIIPoints(area int) []string {
	var out []string
	for _, p := range AnnexIII {
		if p.Area == area {
			out = append(out, cmpOr(p.Point, "a"))
		}
	}
	return out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Enums maps each enumerated field of the profile to its allowed values. A
// path names the field as in error messages, with "[]" for any list item:
// "assets[].kind", "use.practices[]".
func Enums() map[string][]string {
	return map[string][]string{
		"api_version":                     {APIVersion},
		"role":                            Roles,
		"roles[]":                         Roles,
		"assurance":                       AssuranceLevels,
		"use.practices[]":                 Practices,
		"use.derogation[]":                Derogations,
		"use.transparency[]":              TransparencySituations,
		"use.exclusions[]":                Exclusions,
		"use.annex_i.legislation":         append(append([]string(nil), AnnexISectionA...), AnnexISectionB...),
		"lifecycle.phases[]":              catalog.Phases,
		"assets[].kind":                   catalog.AssetKinds,
		"assets[].sensitivity":            Sensitivities,
		"assets[].origin":                 Origins,
		"assets[].exposure.outputs":       Outputs,
		"assets[].capture":                Captures,
		"assets[].format":                 ModelFormats,
		"deployment.environment":          Environments,
		"llm.origin":                      Origins,
		"llm.untrusted_content[]":         UntrustedContent,
		"llm.output_sinks[]":              OutputSinks,
		"llm.memory":                      LLMMemory,
		"llm.tools[].approval":            ToolApprovals,
		"llm.tools[].origin":              Origins,
		"llm.retrieval[].kind":            RetrievalKinds,
		"artefacts.llm_endpoint.protocol": LLMProtocols,
		"components[].kind":               ComponentKinds,
		"controls[].status":               ControlStatuses,
		"controls[].evidence[].kind":      catalog.EvidenceKinds,
		"performance[].metric":            Metrics,
		"performance[].norm":              Norms,
		"test_plan.attacks[].name":        EvasionAttacks,
		"test_plan.suites[]":              TestSuites,
	}
}

// Required lists the fields a profile must give, as paths in the form of
// Enums. A list's entry means the list needs at least one item; an item
// field applies to every item present; fields of an optional section apply
// when the section is present.
var Required = []string{
	"api_version", "system", "system.name", "system.intended_purpose", "system.sector",
	"assurance", "assets",
	"use.annex_iii[].area", "use.annex_i.legislation",
	"affected_persons[].group",
	"assets[].id", "assets[].kind",
	"components[].name", "components[].kind",
	"controls[].id", "controls[].status",
	"controls[].evidence[].kind", "controls[].evidence[].ref",
	"performance[].metric", "performance[].value",
	"llm.model", "llm.tools[].name", "llm.retrieval[].name",
	"artefacts.llm_endpoint.url",
	"test_plan.attacks[].name",
}

// Range is the closed interval a number must lie in.
type Range struct{ Min, Max float64 }

// Ranges bounds the numeric fields of the profile.
func Ranges() map[string]Range {
	return map[string]Range{
		"use.annex_iii[].area":           {1, 8},
		"assets[].exposure.rate_limit":   {0, 1e9},
		"assets[].exposure.query_budget": {0, 1e12},
		"performance[].value":            {0, 1},
		"performance[].epsilon":          {0, 1e6},
		// Attack settings; 0 keeps the default.
		"test_plan.attacks[].steps":      {0, 1e5},
		"test_plan.attacks[].restarts":   {0, 1000},
		"test_plan.attacks[].step":       {0, 100},
		"test_plan.attacks[].iterations": {0, 1e6},
		"test_plan.attacks[].p_init":     {0, 1},
		"test_plan.attacks[].init_evals": {0, 1e6},
		"test_plan.attacks[].max_evals":  {0, 1e7},
		"test_plan.attacks[].overshoot":  {0, 10},
		"test_plan.attacks[].budget":     {0, 1e9},
	}
}
