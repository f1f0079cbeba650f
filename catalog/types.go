package catalog

import "github.com/aiassure/aiassure"

// Catalog is the whole knowledge base: every kind of row, as loaded from
// catalog/data. Rows keep the order of their files. Use the query methods
// (Standard, Threat, ...) rather than scanning the slices.
type Catalog struct {
	Version         string           `yaml:"version" json:"version"` // MODEL.REVISION.ADDITION
	Changelog       []Change         `yaml:"changelog" json:"changelog"`
	Standards       []Standard       `yaml:"standards" json:"standards"`
	Threats         []Threat         `yaml:"threats" json:"threats"`
	Requirements    []Requirement    `yaml:"requirements" json:"requirements"`
	Crosswalk       []Mapping        `yaml:"crosswalk" json:"crosswalk"`
	Characteristics []Characteristic `yaml:"characteristics" json:"characteristics"`
	Controls        []Control        `yaml:"controls" json:"controls"`
	Gaps            []Gap            `yaml:"gaps" json:"gaps"`
	Recommendations []Recommendation `yaml:"recommendations" json:"recommendations"`
	Glossary        []Term           `yaml:"glossary" json:"glossary"`
	Matrices        []Matrix         `yaml:"matrices" json:"matrices"`

	idx index
}

// Change is one entry of the catalogue's changelog.
type Change struct {
	Version string   `yaml:"version" json:"version"`
	Date    string   `yaml:"date" json:"date"`
	Changes []string `yaml:"changes" json:"changes"`
}

// Status records a fact that changes with time (a standard's stage, an
// application date) together with when it was checked and whether it was read
// from a primary source.
type Status struct {
	Stage    string `yaml:"stage" json:"stage"`                   // published, under-development, withdrawn, replaced, in-force, applies, proposed
	Date     string `yaml:"date,omitempty" json:"date,omitempty"` // YYYY, YYYY-MM or YYYY-MM-DD, or as printed ("Q1 2025")
	AsOf     string `yaml:"as_of" json:"as_of"`                   // YYYY-MM-DD the status was checked
	Verified bool   `yaml:"verified" json:"verified"`             // read from a primary source
	Source   string `yaml:"source" json:"source"`                 // where the status comes from
}

// Coverage says how far a standard covers a security goal or a threat.
type Coverage struct {
	Goal    string            `yaml:"goal,omitempty" json:"goal,omitempty"`     // confidentiality, integrity, availability
	Threat  aiassure.ThreatID `yaml:"threat,omitempty" json:"threat,omitempty"` // a threat ID
	Level   string            `yaml:"level" json:"level"`                       // general, partial, specific
	Note    string            `yaml:"note,omitempty" json:"note,omitempty"`
	Sources []string          `yaml:"sources" json:"sources"`
}

// Standard is a standard, technical report, framework, guideline or
// regulation. Scope is a one-line summary in our own words: never the
// standard's own text.
type Standard struct {
	ID          aiassure.StandardID   `yaml:"id" json:"id"`
	Designation string                `yaml:"designation" json:"designation"` // e.g. "ISO/IEC 27001:2022"
	Title       string                `yaml:"title" json:"title"`
	Body        string                `yaml:"body" json:"body"` // ISO/IEC, CEN-CENELEC, ETSI, NIST, ...
	Committee   string                `yaml:"committee,omitempty" json:"committee,omitempty"`
	Kind        string                `yaml:"kind" json:"kind"` // IS, TS, TR, EN, GR, GS, framework, regulation, request, report, guideline
	AISpecific  bool                  `yaml:"ai_specific" json:"ai_specific"`
	Status      Status                `yaml:"status" json:"status"`
	Seed        []string              `yaml:"seed,omitempty" json:"seed,omitempty"` // where the seed names it: "3.1.1", "table-3", "annex-a.2", "fn-13"
	Scope       string                `yaml:"scope" json:"scope"`
	ReplacedBy  []aiassure.StandardID `yaml:"replaced_by,omitempty" json:"replaced_by,omitempty"`
	Replaces    []aiassure.StandardID `yaml:"replaces,omitempty" json:"replaces,omitempty"`
	Coverage    []Coverage            `yaml:"coverage,omitempty" json:"coverage,omitempty"`
	Sources     []string              `yaml:"sources" json:"sources"`
	URL         string                `yaml:"url,omitempty" json:"url,omitempty"` // the publisher's page; derived from the designation when empty (StandardURL)
	// CitedInOJ says, for a harmonised standard or a project meant to
	// become one, whether its reference is published in the Official
	// Journal, the step that gives the presumption of conformity (AI Act
	// Art. 40(1)). Not cited is recorded too (cited: false, with as_of).
	CitedInOJ OJCitation `yaml:"cited_in_oj,omitempty" json:"cited_in_oj,omitzero"`
	// AnnexZA maps clauses of a harmonised standard to the requirements
	// they are meant to cover, as the standard's Annex ZA states, where
	// that annex is public. By reference only: clause numbers, no text.
	AnnexZA []ZAMapping `yaml:"annex_za,omitempty" json:"annex_za,omitempty"`
	// Deliverables are what a standardisation request (kind request) asks
	// for, each with the catalogue documents that answer it.
	Deliverables []Deliverable `yaml:"deliverables,omitempty" json:"deliverables,omitempty"`
}

// OJCitation records whether the reference of a standard is published in
// the Official Journal of the European Union, and where. When Cited is
// false, Date, Ref and Act are empty and AsOf says when that was checked.
type OJCitation struct {
	Cited    bool   `yaml:"cited" json:"cited"`
	Date     string `yaml:"date,omitempty" json:"date,omitempty"` // YYYY-MM-DD, the date of the OJ issue
	Ref      string `yaml:"ref,omitempty" json:"ref,omitempty"`   // "OJ L, 2026/1234, 5.3.2026" or "OJ L 151, 7.6.2019, p. 15"
	Act      string `yaml:"act,omitempty" json:"act,omitempty"`   // the act that publishes it, e.g. "Commission Implementing Decision (EU) 2026/1234"
	AsOf     string `yaml:"as_of" json:"as_of"`                   // YYYY-MM-DD the OJ was checked
	Verified bool   `yaml:"verified" json:"verified"`             // read in the OJ (EUR-Lex) itself
	Source   string `yaml:"source" json:"source"`                 // where it was read, or why it could not be
}

// ZAMapping is one line of a harmonised standard's Annex ZA: the clauses
// that are meant to cover a requirement of the act.
type ZAMapping struct {
	Clauses     []string               `yaml:"clauses" json:"clauses"`         // clause numbers of the standard
	Requirement aiassure.RequirementID `yaml:"requirement" json:"requirement"` // the requirement they cover
	Note        string                 `yaml:"note,omitempty" json:"note,omitempty"`
	Source      string                 `yaml:"source" json:"source"` // where the annex was read
}

// Deliverable is one item of a standardisation request: a subject (in our
// words), the requirements of the act it serves, and the catalogue
// documents written to answer it.
type Deliverable struct {
	Number       int                      `yaml:"number" json:"number"` // as numbered in the request's annex
	Subject      string                   `yaml:"subject" json:"subject"`
	Requirements []aiassure.RequirementID `yaml:"requirements" json:"requirements"`
	AnsweredBy   []aiassure.StandardID    `yaml:"answered_by,omitempty" json:"answered_by,omitempty"`
	Note         string                   `yaml:"note,omitempty" json:"note,omitempty"`
}

// AttackPotential gives the ISO/IEC 18045 factor levels an attack needs in the
// baseline case. The risk analysis adjusts them from the system profile. Level
// names are those of the scoring tables (risk/scoring.yaml).
type AttackPotential struct {
	ElapsedTime string `yaml:"elapsed_time" json:"elapsed_time"`
	Expertise   string `yaml:"expertise" json:"expertise"`
	Knowledge   string `yaml:"knowledge" json:"knowledge"`
	Window      string `yaml:"window" json:"window"`
	Equipment   string `yaml:"equipment" json:"equipment"`
}

// Threat is one entry of the threat taxonomy: an AI-specific attack of the
// seed's table 1, refined, or a conventional software threat.
type Threat struct {
	ID          aiassure.ThreatID        `yaml:"id" json:"id"`
	Name        string                   `yaml:"name" json:"name"`
	Parent      aiassure.ThreatID        `yaml:"parent,omitempty" json:"parent,omitempty"`
	AISpecific  bool                     `yaml:"ai_specific" json:"ai_specific"`
	Description string                   `yaml:"description" json:"description"`
	Goals       []string                 `yaml:"goals" json:"goals"`         // confidentiality, integrity, availability
	Phases      []string                 `yaml:"phases" json:"phases"`       // life-cycle phases, see Phases
	Assets      []string                 `yaml:"assets" json:"assets"`       // asset kinds attacked, see AssetKinds
	Knowledge   string                   `yaml:"knowledge" json:"knowledge"` // white-box, grey-box, black-box
	Access      []string                 `yaml:"access" json:"access"`       // access paths needed, see AccessPaths
	Art15       []aiassure.Art15Category `yaml:"art15,omitempty" json:"art15,omitempty"`
	NIST        []string                 `yaml:"nist,omitempty" json:"nist,omitempty"`   // NIST AI 100-2 E2025 classes
	ATLAS       []string                 `yaml:"atlas,omitempty" json:"atlas,omitempty"` // MITRE ATLAS technique IDs
	OWASP       []string                 `yaml:"owasp,omitempty" json:"owasp,omitempty"` // OWASP ML Top 10 IDs
	// OWASPLLM are entries of the OWASP Top 10 for LLM Applications with
	// their edition ("LLM01:2025", "LLM01:2026"), see OWASPLLM.
	OWASPLLM []string `yaml:"owasp_llm,omitempty" json:"owasp_llm,omitempty"`
	// OWASPAgentic are entries of the OWASP Top 10 for Agentic Applications
	// with their edition ("ASI01:2026"), see OWASPAgentic.
	OWASPAgentic []string `yaml:"owasp_agentic,omitempty" json:"owasp_agentic,omitempty"`
	// OWASPAITG are the tests of the OWASP AI Testing Guide that examine
	// the threat ("AITG-APP-01"), see OWASPAITG.
	OWASPAITG []string `yaml:"owasp_aitg,omitempty" json:"owasp_aitg,omitempty"`
	// ETSI are the principles of ETSI EN 304 223 the threat bears on
	// ("Principle 6"); provision numbers are given only where confirmed.
	ETSI            []string        `yaml:"etsi,omitempty" json:"etsi,omitempty"`
	AttackPotential AttackPotential `yaml:"attack_potential" json:"attack_potential"`
	// Preconditions are the facts of a system that make the threat possible
	// (see Facts); a threat applies to a system only when they hold.
	Preconditions Preconditions `yaml:"preconditions,omitempty" json:"preconditions,omitzero"`
	// EvidenceFor lists threats that a test result about this one is also
	// evidence about: a white-box evasion test is the strongest attacker of
	// its family, so its outcome bounds the transfer and black-box ones.
	EvidenceFor []aiassure.ThreatID `yaml:"evidence_for,omitempty" json:"evidence_for,omitempty"`
	Seed        []string            `yaml:"seed,omitempty" json:"seed,omitempty"`
	Sources     []string            `yaml:"sources" json:"sources"`
}

// Preconditions of a threat: every fact of All must hold, and at least one
// of Any when Any is not empty. Facts are named in Facts.
type Preconditions struct {
	All []string `yaml:"all,omitempty" json:"all,omitempty"`
	Any []string `yaml:"any,omitempty" json:"any,omitempty"`
}

// Applicability is a date from which a requirement applies, with its source.
type Applicability struct {
	Date     string `yaml:"date" json:"date"` // YYYY-MM-DD
	Scope    string `yaml:"scope" json:"scope"`
	AsOf     string `yaml:"as_of" json:"as_of"`
	Verified bool   `yaml:"verified" json:"verified"`
	Source   string `yaml:"source" json:"source"`
}

// Requirement is an article or clause of a regulation (the AI Act, the Cyber
// Resilience Act, the Cybersecurity Act), summarised in our own words.
type Requirement struct {
	ID             aiassure.RequirementID `yaml:"id" json:"id"`
	Regulation     aiassure.StandardID    `yaml:"regulation" json:"regulation"`
	Article        string                 `yaml:"article" json:"article"` // e.g. "Art. 15(5)"
	Parent         aiassure.RequirementID `yaml:"parent,omitempty" json:"parent,omitempty"`
	Title          string                 `yaml:"title" json:"title"`
	Summary        string                 `yaml:"summary" json:"summary"`
	SeedName       string                 `yaml:"seed_name,omitempty" json:"seed_name,omitempty"` // the draft-Act requirement name in the seed's table 3
	Cybersecurity  string                 `yaml:"cybersecurity,omitempty" json:"cybersecurity,omitempty"`
	SeedStandards  []aiassure.StandardID  `yaml:"seed_standards,omitempty" json:"seed_standards,omitempty"` // standards table 3 names for it
	Characteristic []string               `yaml:"characteristics,omitempty" json:"characteristics,omitempty"`
	Applies        []Applicability        `yaml:"applies,omitempty" json:"applies,omitempty"`
	Seed           []string               `yaml:"seed,omitempty" json:"seed,omitempty"`
	Sources        []string               `yaml:"sources" json:"sources"`
}

// Mapping links two requirements of different regulations (recommendation 8).
// Relationship uses OSCAL's mapping vocabulary.
type Mapping struct {
	From         aiassure.RequirementID `yaml:"from" json:"from"`
	To           aiassure.RequirementID `yaml:"to" json:"to"`
	Relationship string                 `yaml:"relationship" json:"relationship"` // equivalent-to, subset-of, superset-of, intersects-with
	Note         string                 `yaml:"note" json:"note"`
	Sources      []string               `yaml:"sources" json:"sources"`
}

// Characteristic is a trustworthiness characteristic (HLEG or ISO/IEC 22989).
type Characteristic struct {
	ID           string                   `yaml:"id" json:"id"`
	Name         string                   `yaml:"name" json:"name"`
	Framework    string                   `yaml:"framework" json:"framework"` // hleg, iso-iec-22989
	Description  string                   `yaml:"description" json:"description"`
	Requirements []aiassure.RequirementID `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Related      []string                 `yaml:"related,omitempty" json:"related,omitempty"` // characteristics of the other framework
	Seed         []string                 `yaml:"seed,omitempty" json:"seed,omitempty"`
	Sources      []string                 `yaml:"sources" json:"sources"`
}

// Clause points to a clause of a standard that asks for a control. By
// reference only: no text.
type Clause struct {
	Standard aiassure.StandardID `yaml:"standard" json:"standard"`
	Clause   string              `yaml:"clause,omitempty" json:"clause,omitempty"`
}

// Control is a security control in our own words.
type Control struct {
	ID           aiassure.ControlID       `yaml:"id" json:"id"`
	Name         string                   `yaml:"name" json:"name"`
	Description  string                   `yaml:"description" json:"description"`
	Threats      []aiassure.ThreatID      `yaml:"threats" json:"threats"`
	Phases       []string                 `yaml:"phases" json:"phases"`
	Clauses      []Clause                 `yaml:"clauses,omitempty" json:"clauses,omitempty"`
	Requirements []aiassure.RequirementID `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Evidence     []string                 `yaml:"evidence,omitempty" json:"evidence,omitempty"` // evidence kinds that show it works, see EvidenceKinds
	// ATLAS are the MITRE ATLAS mitigations (AML.M0000) the control
	// implements, checked against the ATLAS release named in
	// catalog/testdata/atlas-ids.txt.
	ATLAS   []string `yaml:"atlas,omitempty" json:"atlas,omitempty"`
	Effect  string   `yaml:"effect" json:"effect"` // how it acts on risk: likelihood, impact, both
	Sources []string `yaml:"sources" json:"sources"`
}

// Gap is a standardisation gap: something no published standard covers, as
// the seed names it, with what is known of it since.
type Gap struct {
	ID              aiassure.GapID              `yaml:"id" json:"id"`
	Title           string                      `yaml:"title" json:"title"`
	Description     string                      `yaml:"description" json:"description"`
	Context         string                      `yaml:"context" json:"context"` // cia (4.1), ai-act (4.3), wrap-up (5.1)
	Threats         []aiassure.ThreatID         `yaml:"threats,omitempty" json:"threats,omitempty"`
	Requirements    []aiassure.RequirementID    `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Controls        []aiassure.ControlID        `yaml:"controls,omitempty" json:"controls,omitempty"`
	Recommendations []aiassure.RecommendationID `yaml:"recommendations,omitempty" json:"recommendations,omitempty"`
	Progress        []aiassure.StandardID       `yaml:"progress,omitempty" json:"progress,omitempty"` // standards that have since addressed it, in part or whole
	State           Status                      `yaml:"state" json:"state"`                           // stage: open, partly-closed, closed
	Seed            []string                    `yaml:"seed" json:"seed"`
	Sources         []string                    `yaml:"sources" json:"sources"`
}

// Recommendation is one of the seed's recommendations.
type Recommendation struct {
	ID           aiassure.RecommendationID `yaml:"id" json:"id"`
	Number       int                       `yaml:"number" json:"number"`
	Audience     string                    `yaml:"audience" json:"audience"` // all-organisations, standards-developers, ai-act-preparation
	Summary      string                    `yaml:"summary" json:"summary"`
	Gaps         []aiassure.GapID          `yaml:"gaps,omitempty" json:"gaps,omitempty"`
	Threats      []aiassure.ThreatID       `yaml:"threats,omitempty" json:"threats,omitempty"`
	Requirements []aiassure.RequirementID  `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Standards    []aiassure.StandardID     `yaml:"standards,omitempty" json:"standards,omitempty"`
	Controls     []aiassure.ControlID      `yaml:"controls,omitempty" json:"controls,omitempty"`
	Seed         []string                  `yaml:"seed" json:"seed"`
	Sources      []string                  `yaml:"sources" json:"sources"`
}

// Term is a glossary entry (recommendation 1), defined in our own words and
// cross-referenced to the terminology standards by clause or section.
type Term struct {
	ID         string              `yaml:"id" json:"id"`
	Term       string              `yaml:"term" json:"term"`
	Definition string              `yaml:"definition" json:"definition"`
	ISO22989   string              `yaml:"iso_iec_22989,omitempty" json:"iso_iec_22989,omitempty"` // clause
	NIST       string              `yaml:"nist_ai_100_2,omitempty" json:"nist_ai_100_2,omitempty"` // section or glossary entry
	ETSI       string              `yaml:"etsi,omitempty" json:"etsi,omitempty"`                   // ETSI threat ontology (GR SAI-001 / TS 104 xxx) reference
	Related    []string            `yaml:"related,omitempty" json:"related,omitempty"`
	Threats    []aiassure.ThreatID `yaml:"threats,omitempty" json:"threats,omitempty"`
	Sources    []string            `yaml:"sources" json:"sources"`
}

// Matrix is a standard-by-requirement table: the seed's annex A.3 and A.4, as
// reconstructed, and their extension to newer standards. Marks holds one
// character per column: 'x' marked, '?' marked with a question mark, '.' blank.
type Matrix struct {
	ID            string                   `yaml:"id" json:"id"`
	Title         string                   `yaml:"title" json:"title"`
	Reconstructed bool                     `yaml:"reconstructed" json:"reconstructed"`
	Note          string                   `yaml:"note" json:"note"`
	Columns       []aiassure.RequirementID `yaml:"columns" json:"columns"`
	Rows          []MatrixRow              `yaml:"rows" json:"rows"`
	Seed          []string                 `yaml:"seed,omitempty" json:"seed,omitempty"`
	Sources       []string                 `yaml:"sources" json:"sources"`
}

// MatrixRow is one row of a Matrix.
type MatrixRow struct {
	Standard aiassure.StandardID `yaml:"standard" json:"standard"`
	Label    string              `yaml:"label" json:"label"` // as printed in the source
	Type     string              `yaml:"type,omitempty" json:"type,omitempty"`
	Action   string              `yaml:"action,omitempty" json:"action,omitempty"`
	Date     string              `yaml:"date,omitempty" json:"date,omitempty"`
	Marks    string              `yaml:"marks" json:"marks"`
	Verified bool                `yaml:"verified" json:"verified"`
	Note     string              `yaml:"note,omitempty" json:"note,omitempty"`
}
