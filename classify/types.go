package classify

import "github.com/aiassure/aiassure"

// Tiers of the AI Act, most severe first.
const (
	Prohibited   = "prohibited"   // Art. 5
	HighRisk     = "high-risk"    // Art. 6
	Transparency = "transparency" // Art. 50 only
	Minimal      = "minimal"      // none of the above
	OutOfScope   = "out-of-scope" // Art. 2 exclusions
)

// Result is the AI Act classification of one system.
type Result struct {
	Tier           string `json:"tier"`
	Route          string `json:"route,omitempty"` // annex-i (Art. 6(1)) or annex-iii (Art. 6(2)) for high-risk
	GeneralPurpose bool   `json:"general_purpose"`
	SystemicRisk   bool   `json:"systemic_risk,omitempty"`
	Transparency   bool   `json:"transparency"` // Art. 50 obligations apply (with any tier)
	// Provisional is set when an open question could move the system to a
	// stronger tier than the one computed: the tier holds only once the
	// questions of Open are answered.
	Provisional bool `json:"provisional,omitempty"`
	// Roles are the operator roles whose obligations are listed: those the
	// profile declares, and those the Act gives it (Art. 25(3): the product
	// manufacturer of an Annex I product is its provider; a provider that
	// places a general-purpose AI model on the market is a gpai-provider).
	Roles       []string     `json:"roles"`
	Verdicts    []Verdict    `json:"verdicts"`
	Obligations []Obligation `json:"obligations"`
	// Conformity is the Art. 43 conformity-assessment procedure.
	Conformity Conformity `json:"conformity"`
	// Facts are the questionnaire answers the profile gives, in the order of
	// the questionnaire.
	Facts []Fact `json:"facts"`
	// Conclusions are the legal conclusions that hold (Annex III points, Art. 5
	// practices, exclusions, derogations, Art. 50 situations, GPAI flags),
	// each with what established it: the facts, the claim under use:, or both.
	Conclusions []Conclusion `json:"conclusions"`
	// Open lists the conclusions the facts leave undecided although the
	// answers so far or the purpose text point to them: "may be high-risk
	// under Annex III point 5(b): answer facts.creditworthiness".
	Open []Open `json:"open"`
	// Claims lists where a claim under use: and the facts disagree.
	Claims []Claim `json:"claims"`
}

// Answers a fact may have; a choice question's answer is one of its choices.
const (
	Yes     = "yes"
	No      = "no" // also the Outcome of a Verdict for a rule that did not fire
	Unknown = "unknown"
)

// Fact is one answer of the profile's facts block.
type Fact struct {
	Question  string `json:"question"` // the question ID, the key under facts:
	Answer    string `json:"answer"`
	Provision string `json:"provision"`
	Line      int    `json:"line,omitempty"` // the profile line of the answer
}

// Conclusion is a legal conclusion that holds, with its source.
type Conclusion struct {
	ID        string   `json:"id"`   // the questionnaire's conclusion ID, e.g. annex-iii-5b
	Sets      string   `json:"sets"` // what it means, e.g. "use.annex_iii 5(b)"
	Provision string   `json:"provision"`
	By        string   `json:"by"`              // facts, claim, or facts and claim
	Facts     []string `json:"facts,omitempty"` // the fact paths that establish it, e.g. facts.creditworthiness
	Claim     string   `json:"claim,omitempty"` // the use: path that claims it
}

// Open is a conclusion that may hold: the facts do not settle it, and either
// some of its facts are answered or the purpose text points to it.
type Open struct {
	Conclusion string       `json:"conclusion"`
	Sets       string       `json:"sets"`
	Provision  string       `json:"provision"`
	Tier       string       `json:"tier,omitempty"` // the tier it would bring, if any
	Ask        []string     `json:"ask"`            // the unanswered questions that decide it
	Indicators []Indication `json:"indicators,omitempty"`
	Reason     string       `json:"reason"`
}

// Indication is a passage of the profile's text that points to a conclusion.
type Indication struct {
	Field string `json:"field"` // system.intended_purpose, system.sector or system.description
	Text  string `json:"text"`  // the words that matched
	Line  int    `json:"line,omitempty"`
}

// Claim kinds.
const (
	ClaimContradicted = "contradicted" // use: claims it, the facts say it does not hold
	ClaimMissing      = "missing"      // the facts establish it, use: does not claim it
)

// Claim is a disagreement between a claim under use: and the facts.
type Claim struct {
	Conclusion string   `json:"conclusion"`
	Sets       string   `json:"sets"`
	Provision  string   `json:"provision"`
	Kind       string   `json:"kind"`
	Claim      string   `json:"claim,omitempty"` // the use: path, for a contradicted claim
	Facts      []string `json:"facts"`
	Line       int      `json:"line,omitempty"`
	Reason     string   `json:"reason"`
}

// Verdict is what one rule concluded, with the article and the profile
// fields that produced it.
type Verdict struct {
	Rule    string   `json:"rule"`
	Outcome string   `json:"outcome"` // the tier or flag the rule sets, or "no"
	Article string   `json:"article"`
	Fields  []string `json:"fields"` // profile field paths, e.g. "use.annex_iii[0]"
	Reason  string   `json:"reason"`
}

// Kinds of Obligation.
const (
	KindObligation  = "obligation"  // a duty of the role
	KindPresumption = "presumption" // a presumption of conformity (Art. 40(1), 42(2), 53(4)): a way to show conformity, not a duty
	KindVoluntary   = "voluntary"   // voluntary (Art. 95 codes of conduct)
	KindNote        = "note"        // a rule to know (Art. 25(1): when another operator becomes the provider)
)

// States of an Obligation and of the Conformity route.
const (
	StatusApplies     = "applies"     // the classification and the facts bring it
	StatusConditional = "conditional" // it applies if a fact is "yes" that the profile does not answer, or in a circumstance the tool cannot see
)

// Obligation is a provision that follows from the classification for one or
// more of the system's roles, with why it applies and the date it applies
// from.
type Obligation struct {
	ID    string   `json:"id"`    // the entry in classify/obligations.yaml
	Roles []string `json:"roles"` // the roles of the system it binds
	Kind  string   `json:"kind"`  // obligation, presumption, voluntary, note
	// Status is applies, or conditional: then Condition says what decides it
	// ("applies if facts.public_service is yes: answer it").
	Status string `json:"status"`
	// Requirement is the catalogue requirement of the article, where the
	// catalogue has one.
	Requirement aiassure.RequirementID `json:"requirement,omitempty"`
	Article     string                 `json:"article"` // with paragraph: "Art. 26(6)"
	Title       string                 `json:"title"`
	Summary     string                 `json:"summary"`   // our own words
	Condition   string                 `json:"condition"` // why it applies
	// Facts are the questionnaire answers the condition read, as
	// "facts.ID = answer" ("unknown" when not answered).
	Facts       []string `json:"facts,omitempty"`
	AppliesFrom string   `json:"applies_from"`
	Verified    bool     `json:"verified"`
	Source      string   `json:"source"`
}

// Conformity procedures of Art. 43.
const (
	ProcedureInternal = "annex-vi-internal-control" // Art. 43(1) and (2): internal control, Annex VI
	ProcedureNotified = "annex-vii-notified-body"   // Art. 43(1): quality management system and technical documentation assessed by a notified body, Annex VII
	ProcedureChoice   = "choice"                    // Art. 43(1): the provider may choose Annex VI or Annex VII
	ProcedureSectoral = "sectoral"                  // Art. 43(3) (Annex I Section A) or Art. 2(2) (Section B): the procedure of the product legislation
	ProcedureNone     = "none"                      // not high-risk: no Art. 43 assessment
)

// Conformity is the conformity-assessment procedure that applies to a
// high-risk system, and why.
type Conformity struct {
	Procedure   string   `json:"procedure"`
	Status      string   `json:"status"`                // applies or conditional (a fact decides between routes)
	Legislation string   `json:"legislation,omitempty"` // for sectoral: the Union act whose procedure applies
	Article     string   `json:"article"`
	Reason      string   `json:"reason"`
	Facts       []string `json:"facts,omitempty"` // "facts.ID = answer"
	Notes       []string `json:"notes,omitempty"` // Art. 43(4) and the like
}
