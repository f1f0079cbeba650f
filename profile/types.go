package profile

import "github.com/aiassure/aiassure"

// APIVersion is the only profile version this release reads.
const APIVersion = "aiassure.dev/v1"

// Profile describes one AI system: what it is for, who it touches, how it is
// built and exposed, what protects it, and what it claims.
type Profile struct {
	APIVersion string `yaml:"api_version" json:"api_version"`
	System     System `yaml:"system" json:"system"`
	Use        Use    `yaml:"use" json:"use"`
	// Facts answers the classification questionnaire (classify.Questions,
	// docs/classification.md): question ID to "yes", "no", "unknown" or,
	// for a choice question, one of its choices. The AI Act tier is computed
	// from these facts; Use states the legal conclusions the provider claims.
	Facts map[string]string `yaml:"facts,omitempty" json:"facts,omitempty"`
	// Role is the operator's role (AI Act Art. 3(3)-(7), Roles). A system
	// whose operator holds several (a bank that builds and uses its credit
	// model is its provider and its deployer) lists them in Roles instead;
	// a profile gives role or roles, not both. RoleList returns either.
	Role        string      `yaml:"role,omitempty" json:"role,omitempty"`
	Roles       []string    `yaml:"roles,omitempty" json:"roles,omitempty"`
	Users       []string    `yaml:"users,omitempty" json:"users,omitempty"`
	Affected    []Affected  `yaml:"affected_persons,omitempty" json:"affected_persons,omitempty"`
	Techniques  []string    `yaml:"techniques,omitempty" json:"techniques,omitempty"` // e.g. supervised-learning, deep-learning, gradient-boosting
	Lifecycle   Lifecycle   `yaml:"lifecycle" json:"lifecycle"`
	Assets      []Asset     `yaml:"assets" json:"assets"`
	Components  []Component `yaml:"components,omitempty" json:"components,omitempty"`
	Controls    []Control   `yaml:"controls,omitempty" json:"controls,omitempty"`
	Performance []Declared  `yaml:"performance,omitempty" json:"performance,omitempty"`
	Artefacts   Artefacts   `yaml:"artefacts,omitempty" json:"artefacts,omitempty"`
	// TestPlan adjusts the model tests of the assurance level's plan.
	TestPlan   *TestPlan  `yaml:"test_plan,omitempty" json:"test_plan,omitempty"`
	Assurance  string     `yaml:"assurance" json:"assurance"` // Cybersecurity Act level: basic, substantial, high
	Lineage    *Lineage   `yaml:"lineage,omitempty" json:"lineage,omitempty"`
	Deployment Deployment `yaml:"deployment,omitempty" json:"deployment,omitempty"`
	LLM        *LLM       `yaml:"llm,omitempty" json:"llm,omitempty"`
	// RiskAcceptance names the file of accepted risks (docs/risk-acceptance.md),
	// relative to the profile.
	RiskAcceptance string `yaml:"risk_acceptance,omitempty" json:"risk_acceptance,omitempty"`

	// Path is the file the profile was read from; not part of the document.
	Path string `yaml:"-" json:"-"`
	// AllowOutsidePaths lets File resolve paths that leave the profile's
	// folder (the -allow-outside-paths flag); not part of the document.
	AllowOutsidePaths bool `yaml:"-" json:"-"`
}

// RoleList returns the profile's roles: Roles, or Role alone, or none.
func (p *Profile) RoleList() []string {
	if len(p.Roles) > 0 {
		return p.Roles
	}
	if p.Role != "" {
		return []string{p.Role}
	}
	return nil
}

// System names the AI system and its intended purpose.
type System struct {
	Name        string `yaml:"name" json:"name"`
	Version     string `yaml:"version,omitempty" json:"version,omitempty"`
	Provider    string `yaml:"provider,omitempty" json:"provider,omitempty"`
	Purpose     string `yaml:"intended_purpose" json:"intended_purpose"`
	Sector      string `yaml:"sector" json:"sector"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Use gives the facts the AI Act's classification turns on.
type Use struct {
	// AnnexIII lists the Annex III areas and points the use falls under.
	AnnexIII []AnnexIIIRef `yaml:"annex_iii,omitempty" json:"annex_iii,omitempty"`
	// AnnexI is set when the system is, or is a safety component of, a
	// product under the Union harmonisation legislation of Annex I.
	AnnexI *AnnexIRef `yaml:"annex_i,omitempty" json:"annex_i,omitempty"`
	// Practices lists features of the use that Art. 5 may prohibit (see classify.Practices).
	Practices []string `yaml:"practices,omitempty" json:"practices,omitempty"`
	// Profiling: the system profiles natural persons (Art. 6(3) last subparagraph).
	Profiling bool `yaml:"profiling" json:"profiling"`
	// Derogation lists the Art. 6(3) conditions the provider claims.
	Derogation []string `yaml:"derogation,omitempty" json:"derogation,omitempty"`
	// Transparency lists the Art. 50 situations that apply.
	Transparency []string `yaml:"transparency,omitempty" json:"transparency,omitempty"`
	// GeneralPurpose is set for a general-purpose AI model or a system built on one.
	GeneralPurpose *GeneralPurpose `yaml:"general_purpose,omitempty" json:"general_purpose,omitempty"`
	// Exclusions lists Art. 2 scope exclusions claimed: military, research, personal.
	Exclusions []string `yaml:"exclusions,omitempty" json:"exclusions,omitempty"`
}

// AnnexIIIRef is one Annex III area (1 to 8) and point (a, b, ...).
type AnnexIIIRef struct {
	Area  int    `yaml:"area" json:"area"`
	Point string `yaml:"point" json:"point"`
}

// AnnexIRef names the product legislation of Annex I.
type AnnexIRef struct {
	Legislation     string `yaml:"legislation" json:"legislation"` // e.g. mdr, ivdr, machinery, toys, radio-equipment
	SafetyComponent bool   `yaml:"safety_component" json:"safety_component"`
	ThirdParty      bool   `yaml:"third_party_assessment" json:"third_party_assessment"` // the product needs a third-party conformity assessment
}

// GeneralPurpose describes a general-purpose AI model behind the system.
type GeneralPurpose struct {
	Model             bool `yaml:"model" json:"model"` // the provider places a GPAI model on the market
	SystemicRisk      bool `yaml:"systemic_risk" json:"systemic_risk"`
	BuiltOnThirdParty bool `yaml:"built_on_third_party" json:"built_on_third_party"`
}

// Affected is a group of persons the system's outputs affect.
type Affected struct {
	Group      string `yaml:"group" json:"group"`
	Vulnerable bool   `yaml:"vulnerable" json:"vulnerable"` // children, persons with disabilities, ...
}

// Lifecycle says how the system is built and kept up.
type Lifecycle struct {
	Phases             []string `yaml:"phases,omitempty" json:"phases,omitempty"` // catalog.Phases
	ContinuousLearning bool     `yaml:"continuous_learning" json:"continuous_learning"`
	// FederatedLearning: the model is trained on clients' devices or sites
	// that send back updates (federated learning).
	FederatedLearning bool   `yaml:"federated_learning,omitempty" json:"federated_learning,omitempty"`
	Retraining        string `yaml:"retraining,omitempty" json:"retraining,omitempty"` // e.g. "quarterly", "never"
}

// Asset is something of value: a data set, a model, an inference interface, logs.
type Asset struct {
	ID          string    `yaml:"id" json:"id"`
	Kind        string    `yaml:"kind" json:"kind"` // catalog.AssetKinds
	Name        string    `yaml:"name,omitempty" json:"name,omitempty"`
	Sensitivity string    `yaml:"sensitivity,omitempty" json:"sensitivity,omitempty"` // public, internal, personal, special-category
	Origin      string    `yaml:"origin,omitempty" json:"origin,omitempty"`           // internal, third-party, open-source, public
	Exposure    *Exposure `yaml:"exposure,omitempty" json:"exposure,omitempty"`
	Path        string    `yaml:"path,omitempty" json:"path,omitempty"` // file or directory holding the asset, relative to the profile
	// Capture says how an input asset enters the system: digital (typed,
	// uploaded, sent by another system; the default) or sensor (captured
	// from the physical world by a camera, microphone, lidar, ...).
	Capture string `yaml:"capture,omitempty" json:"capture,omitempty"`
	// Format is the file format of a model asset (ModelFormats); when absent
	// it is taken from the path's extension.
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
	Digest string `yaml:"digest,omitempty" json:"digest,omitempty"`
}

// Exposure says how an asset can be reached.
type Exposure struct {
	Public         bool   `yaml:"public" json:"public"`                                 // reachable from the internet
	Authentication bool   `yaml:"authentication" json:"authentication"`                 // callers must authenticate
	Outputs        string `yaml:"outputs,omitempty" json:"outputs,omitempty"`           // label, score, logits, none
	RateLimit      int    `yaml:"rate_limit,omitempty" json:"rate_limit,omitempty"`     // queries per minute per caller, 0 = none
	QueryBudget    int    `yaml:"query_budget,omitempty" json:"query_budget,omitempty"` // queries per caller per day, 0 = none
}

// Deployment says where the model runs.
type Deployment struct {
	// Edge: the model runs on devices that users or third parties hold
	// (phones, cameras, vehicles, kiosks), where an attacker can hold one.
	Edge bool `yaml:"edge,omitempty" json:"edge,omitempty"`
	// Environment: cloud, on-premises, edge or hybrid; descriptive.
	Environment string `yaml:"environment,omitempty" json:"environment,omitempty"`
}

// LLM describes a large language model component of the system and how the
// application around it is built: what untrusted content reaches it, which
// tools it may call, and where its output goes.
type LLM struct {
	Model            string    `yaml:"model" json:"model"`                                             // the model, e.g. "a hosted chat model (third party)"
	Origin           string    `yaml:"origin,omitempty" json:"origin,omitempty"`                       // internal, third-party, open-source, public
	UntrustedContent []string  `yaml:"untrusted_content,omitempty" json:"untrusted_content,omitempty"` // UntrustedContent: where untrusted text enters the prompt
	Tools            []LLMTool `yaml:"tools,omitempty" json:"tools,omitempty"`
	OutputSinks      []string  `yaml:"output_sinks,omitempty" json:"output_sinks,omitempty"` // OutputSinks: where the answer is used
	// Memory says what the application remembers between turns and
	// sessions (LLMMemory): none, session (the conversation only) or
	// persistent (kept across sessions and users' later conversations).
	Memory string `yaml:"memory,omitempty" json:"memory,omitempty"`
	// Retrieval lists the stores the application retrieves from to build
	// the prompt: a vector database, a search index, a knowledge base.
	Retrieval []LLMStore `yaml:"retrieval,omitempty" json:"retrieval,omitempty"`
	// SystemPrompt names the file of the application's system prompt,
	// relative to the profile; the LLM tests (docs/llm.md) send it as the
	// system message.
	SystemPrompt string `yaml:"system_prompt,omitempty" json:"system_prompt,omitempty"`
	// Canary is a secret string the provider plants in the system prompt
	// for the tests to look for in answers (a leak of the prompt).
	Canary string `yaml:"canary,omitempty" json:"canary,omitempty"`
	// PlantedSecrets are secret strings planted in the data the
	// application retrieves; an answer that shows one discloses it.
	PlantedSecrets []string `yaml:"planted_secrets,omitempty" json:"planted_secrets,omitempty"`
	// AllowedHosts are the hosts the application's output may link to or
	// load images from; a link elsewhere can carry data away.
	AllowedHosts []string `yaml:"allowed_hosts,omitempty" json:"allowed_hosts,omitempty"`
}

// LLMTool is a tool (function) the model may call.
type LLMTool struct {
	Name        string `yaml:"name" json:"name"`
	SideEffects bool   `yaml:"side_effects" json:"side_effects"` // it changes something: sends, writes, pays, deletes
	// Approval says whether a person approves each call before it runs
	// (ToolApprovals): human or none. Absent means none: an approval step
	// that is not declared is not assumed.
	Approval string `yaml:"approval,omitempty" json:"approval,omitempty"`
	// Origin says who supplies the tool (Origins): internal, or a
	// third-party, open-source or public tool or MCP server.
	Origin string `yaml:"origin,omitempty" json:"origin,omitempty"`
}

// LLMStore is a store the application retrieves prompt content from.
type LLMStore struct {
	Name string `yaml:"name" json:"name"`
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty"` // RetrievalKinds: vector, search, database, graph
}

// Component is a third-party or open-source part of the system.
type Component struct {
	Name       string `yaml:"name" json:"name"`
	Version    string `yaml:"version,omitempty" json:"version,omitempty"`
	Kind       string `yaml:"kind" json:"kind"` // library, model, dataset, service
	Supplier   string `yaml:"supplier,omitempty" json:"supplier,omitempty"`
	OpenSource bool   `yaml:"open_source" json:"open_source"`
	Licence    string `yaml:"licence,omitempty" json:"licence,omitempty"`
}

// Control is a control the system implements, with pointers to its evidence.
type Control struct {
	ID       aiassure.ControlID `yaml:"id" json:"id"`
	Status   string             `yaml:"status" json:"status"` // implemented, partial, planned
	Note     string             `yaml:"note,omitempty" json:"note,omitempty"`
	Evidence []Evidence         `yaml:"evidence,omitempty" json:"evidence,omitempty"`
}

// Evidence points to what shows a control works.
type Evidence struct {
	Kind string `yaml:"kind" json:"kind"` // catalog.EvidenceKinds
	Ref  string `yaml:"ref" json:"ref"`   // a path, URL or document reference
}

// Declared is a performance level the provider declares (Art. 13(3)(b)(ii)).
type Declared struct {
	Metric  string  `yaml:"metric" json:"metric"` // accuracy, precision, recall, f1, roc_auc, fpr, fnr, robust_accuracy
	Class   string  `yaml:"class,omitempty" json:"class,omitempty"`
	Value   float64 `yaml:"value" json:"value"`
	Epsilon float64 `yaml:"epsilon,omitempty" json:"epsilon,omitempty"` // for robust_accuracy: the perturbation size
	Norm    string  `yaml:"norm,omitempty" json:"norm,omitempty"`       // for robust_accuracy: linf, l2
}

// TestPlan adjusts the model tests that the assurance level's plan runs
// (docs/probe.md): an assessor reproduces a published configuration with
// it.
type TestPlan struct {
	// Suites are test suites (TestSuites) to run besides the level's: the
	// availability suite, which no level's plan runs because its latency
	// measurements make a report differ from run to run. A profile cannot
	// drop a suite of its level.
	Suites []string `yaml:"suites,omitempty" json:"suites,omitempty"`
	// Attacks are evasion attacks with their settings. An attack the
	// level's plan runs keeps the plan's settings that are not given here;
	// another is added to the plan.
	Attacks []Attack `yaml:"attacks,omitempty" json:"attacks,omitempty"`
}

// Attack names an evasion attack (EvasionAttacks) and its settings; a zero
// or absent setting keeps the plan's, else the attack's default.
// AttackSettings says which settings each attack takes; Ranges bounds them.
type Attack struct {
	Name        string  `yaml:"name" json:"name"`
	Steps       int     `yaml:"steps,omitempty" json:"steps,omitempty"`               // PGD: steps per run
	Restarts    int     `yaml:"restarts,omitempty" json:"restarts,omitempty"`         // PGD: runs, each from a random start
	Step        float64 `yaml:"step,omitempty" json:"step,omitempty"`                 // PGD: step size, a multiple of ε
	RandomStart *bool   `yaml:"random_start,omitempty" json:"random_start,omitempty"` // PGD: the first run starts at a random point of the ε-ball
	Iterations  int     `yaml:"iterations,omitempty" json:"iterations,omitempty"`     // Square, HopSkipJump: iterations; DeepFool: most iterations
	PInit       float64 `yaml:"p_init,omitempty" json:"p_init,omitempty"`             // Square: initial share of the input one window covers
	InitEvals   int     `yaml:"init_evals,omitempty" json:"init_evals,omitempty"`     // HopSkipJump: random points of the first gradient estimate
	MaxEvals    int     `yaml:"max_evals,omitempty" json:"max_evals,omitempty"`       // HopSkipJump: most random points of one gradient estimate
	Overshoot   float64 `yaml:"overshoot,omitempty" json:"overshoot,omitempty"`       // DeepFool: the final step is scaled by 1+overshoot
	Budget      int     `yaml:"budget,omitempty" json:"budget,omitempty"`             // queries per sample of this attack
}

// Artefacts point to what the model tests run on.
type Artefacts struct {
	Model    string `yaml:"model,omitempty" json:"model,omitempty"` // an ONNX file, relative to the profile
	Data     string `yaml:"data,omitempty" json:"data,omitempty"`   // a labelled test set: CSV, NPY, ARFF
	Label    string `yaml:"label,omitempty" json:"label,omitempty"` // the label column
	Endpoint string `yaml:"endpoint,omitempty" json:"endpoint,omitempty"`
	// TrainData and HeldoutData are labelled records of the training split
	// (a sample of it) and of a split held out from training, with the
	// model's features: the members and non-members of the privacy tests.
	// ReferenceData is optional further data from the same distribution
	// that the model did not train on. SensitiveFeatures names the
	// attributes attribute inference tries to recover (a feature, or the
	// stem of a one-hot group "name=value"). All use Label.
	TrainData         string   `yaml:"train_data,omitempty" json:"train_data,omitempty"`
	HeldoutData       string   `yaml:"heldout_data,omitempty" json:"heldout_data,omitempty"`
	ReferenceData     string   `yaml:"reference_data,omitempty" json:"reference_data,omitempty"`
	SensitiveFeatures []string `yaml:"sensitive_features,omitempty" json:"sensitive_features,omitempty"`
	// LLMEndpoint is the chat endpoint of the LLM application the LLM
	// tests run against (docs/llm.md).
	LLMEndpoint *LLMEndpoint `yaml:"llm_endpoint,omitempty" json:"llm_endpoint,omitempty"`
	// Ledger is the directory of the system's event ledger (aiassure
	// ledger, docs/ledger.md), relative to the profile; LedgerPublicKey is
	// the trusted public key its checkpoints are signed with.
	Ledger          string `yaml:"ledger,omitempty" json:"ledger,omitempty"`
	LedgerPublicKey string `yaml:"ledger_public_key,omitempty" json:"ledger_public_key,omitempty"`
}

// LLMEndpoint is the chat-completions endpoint of an LLM application.
type LLMEndpoint struct {
	// URL is the endpoint's address, or double:CONFIG (vulnerable,
	// partly-hardened, hardened) for aiassure's test double, started on
	// loopback for the run: for examples and CI, never a default.
	URL      string `yaml:"url" json:"url"`
	Protocol string `yaml:"protocol,omitempty" json:"protocol,omitempty"` // LLMProtocols: openai (the default)
	Model    string `yaml:"model,omitempty" json:"model,omitempty"`       // the model name sent in requests
	// Mapping is the chat mapping file of the mapped protocol, relative to
	// the profile (docs/llm.md, "Other chat APIs").
	Mapping string `yaml:"mapping,omitempty" json:"mapping,omitempty"`
}

// Lineage points to the signed attestations of the system's life cycle and
// the keys and policy to verify them with (see docs/lineage.md).
type Lineage struct {
	Attestations []string `yaml:"attestations,omitempty" json:"attestations,omitempty"` // DSSE envelope files or directories, relative to the profile
	Keys         []string `yaml:"keys,omitempty" json:"keys,omitempty"`                 // public key files (PEM) trusted to sign them
	Policy       string   `yaml:"policy,omitempty" json:"policy,omitempty"`             // a verification policy file
}
