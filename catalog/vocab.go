package catalog

// Closed vocabularies shared by the catalogue and the system profile. The
// validator rejects any other value.
var (
	// Goals are the CIA security goals of the seed's table 1.
	Goals = []string{"confidentiality", "integrity", "availability"}

	// Phases are the AI life-cycle phases (after ISO/IEC 22989 clause 6 and
	// ENISA's Securing Machine Learning Algorithms).
	Phases = []string{
		"design", "data-collection", "data-preparation", "model-design", "training",
		"evaluation", "deployment", "operation", "continuous-learning", "retirement",
	}

	// AssetKinds are the kinds of asset a profile declares and a threat attacks.
	AssetKinds = []string{
		"dataset", "model", "inference-interface", "input", "output", "logs",
		"code", "pipeline", "infrastructure",
	}

	// Facts are the facts of a system that threat preconditions name. The
	// risk analysis (package risk) decides each from the profile; the
	// comment says from what. A fact about a kind of asset is decided for
	// the asset analysed when it is of that kind, else for any asset.
	Facts = []string{
		"queryable",                 // an inference interface answers queries (outputs not none)
		"scores-returned",           // an inference interface returns scores or logits
		"labels-only",               // an inference interface returns labels only
		"exposed-to-third-parties",  // an inference interface is reachable from the internet
		"network-interface",         // an inference interface exists
		"attacker-controlled-input", // inputs come from outside the provider (an input asset of external origin or from sensors, or a queryable interface)
		"sensor-input",              // an input is captured from the physical world (assets[].capture: sensor)
		"edge-deployment",           // the model runs on devices that users or third parties hold (deployment.edge)
		"personal-training-data",    // a data set holds personal or special-category data
		"external-training-data",    // a data set comes from outside (third-party, public, open-source)
		"continuous-learning",       // operational data is trained on (lifecycle.continuous_learning)
		"federated-learning",        // the model is trained by federated learning (lifecycle.federated_learning); every site then holds the model
		"trains-model",              // the provider trains the model (a training phase, a pipeline, continuous or federated learning)
		"third-party-model",         // a model comes from outside (origin third-party, open-source or public; a model component)
		"model-published",           // a model is published (origin open-source or public)
		"unsafe-model-format",       // a model file's format can execute code when loaded (pickle, pytorch, joblib, keras)
		"third-party-software",      // third-party or open-source libraries or services are used (components)
		"third-party-service",       // a third-party service is used (a component of kind service)
		"deep-learning",             // the model is a neural network (techniques: deep-learning) or an LLM
		"llm-component",             // the system has a large language model component (llm)
		"untrusted-content",         // untrusted content enters the LLM's prompt (llm.untrusted_content)
		"third-party-content",       // content others wrote, not the user's own message, enters the prompt: documents, web pages, e-mails, tool results, retrieved data (llm.untrusted_content)
		"tool-side-effects",         // the LLM may call tools with side effects (llm.tools[].side_effects)
		"acts-without-approval",     // a tool with side effects runs without a person approving each call (llm.tools[].approval not human)
		"persistent-memory",         // the LLM application keeps memory across sessions (llm.memory: persistent)
		"retrieval-store",           // the LLM retrieves from a store: a vector database, search index or knowledge base (llm.retrieval)
		"output-to-interpreter",     // the LLM's answer reaches an interpreter: a browser, shell, SQL engine, code runner (llm.output_sinks)
		"third-party-tool",          // the LLM may call a tool or MCP server that someone else supplies (llm.tools[].origin)
	}

	// AccessPaths are the ways an attacker reaches an asset.
	AccessPaths = []string{
		"query",              // sends inputs to the inference interface and reads outputs
		"training-data",      // can place or alter data that is later trained on
		"model-supply-chain", // can alter a pre-trained model, library or component
		"artefact",           // can read or write stored model or data files
		"insider",            // legitimate access inside the provider or deployer
		"network",            // conventional network access to the system
		"physical",           // physical access to sensors or devices
		"content",            // can place content the system later reads into an LLM prompt (a web page, an e-mail, a document, a tool result)
	}

	// EvidenceKinds are the kinds of evidence that show a control works. The
	// prefix names the engine that produces it.
	EvidenceKinds = []string{
		"test/metrics", "test/evasion", "test/poisoning", "test/privacy", "test/availability",
		"lineage/data", "lineage/training", "lineage/evaluation", "lineage/release",
		"log", "document", "certificate",
	}

	// CoverageLevels say how far a standard covers a goal or threat.
	CoverageLevels = []string{"general", "partial", "specific"}

	// Knowledge is what an attacker must know of the model.
	Knowledge = []string{"white-box", "grey-box", "black-box"}
)

// contains reports whether v is in list.
func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// Other closed vocabularies of the catalogue.
var (
	// Relationships are OSCAL's mapping relationships, used by the crosswalk.
	Relationships = []string{"equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with"}

	// Effects say how a control acts on risk.
	Effects = []string{"likelihood", "impact", "both"}

	// GapContexts name where the seed finds a gap: §4.1, §4.3 or §5.1.
	GapContexts = []string{"cia", "ai-act", "wrap-up"}

	// GapStages are the states of a standardisation gap.
	GapStages = []string{"open", "partly-closed", "closed"}

	// StandardKinds are the kinds of document in the standards landscape.
	// "standard" is a standard of a body outside the ISO/IEC, CEN-CENELEC
	// and ETSI deliverable types (an IEEE standard).
	StandardKinds = []string{"IS", "TS", "TR", "EN", "ES", "EG", "GR", "GS", "PAS", "standard", "framework", "regulation", "request", "report", "guideline", "database", "work-item"}

	// Audiences of the seed's recommendations (§5.2.1 to §5.2.3).
	Audiences = []string{"all-organisations", "standards-developers", "ai-act-preparation"}

	// ElapsedTime, Expertise, KnowledgeOfTarget, Window and Equipment are the
	// level names of the ISO/IEC 18045 attack-potential factors; the risk
	// scoring table gives each its points.
	ElapsedTime       = []string{"le-1-day", "le-1-week", "le-2-weeks", "le-1-month", "le-2-months", "le-3-months", "le-4-months", "le-5-months", "le-6-months", "gt-6-months"}
	Expertise         = []string{"layman", "proficient", "expert", "multiple-experts"}
	KnowledgeOfTarget = []string{"public", "restricted", "sensitive", "critical"}
	Window            = []string{"unlimited", "easy", "moderate", "difficult"}
	Equipment         = []string{"standard", "specialised", "bespoke", "multiple-bespoke"}

	// NISTClasses are the attack classes of NIST AI 100-2 E2025 that threats
	// cite: the predictive-AI classes (evasion, poisoning by kind, privacy
	// by kind) and the generative-AI ones (section 3: supply chain, direct
	// prompting, indirect prompt injection, agents), written "genai: ...".
	NISTClasses = []string{
		"evasion",
		"poisoning (availability)", "poisoning (targeted)", "poisoning (backdoor)", "poisoning (model)",
		"privacy: membership inference", "privacy: data reconstruction", "privacy: property inference", "privacy: model extraction",
		"genai: supply chain", "genai: direct prompting", "genai: indirect prompt injection", "genai: agents",
	}

	// OWASPLLM are the entries of the OWASP Top 10 for LLM Applications,
	// each with its edition ("LLM01:2025"), so that the 2025 and 2026 lists,
	// which number the same risks differently, cannot be mixed up. Checked
	// against the project's repository (docs/catalog-sources.md).
	OWASPLLM = []string{
		"LLM01:2025", "LLM02:2025", "LLM03:2025", "LLM04:2025", "LLM05:2025",
		"LLM06:2025", "LLM07:2025", "LLM08:2025", "LLM09:2025", "LLM10:2025",
		"LLM01:2026", "LLM02:2026", "LLM03:2026", "LLM04:2026", "LLM05:2026",
		"LLM06:2026", "LLM07:2026", "LLM08:2026", "LLM09:2026", "LLM10:2026",
	}

	// OWASPAgentic are the entries of the OWASP Top 10 for Agentic
	// Applications, edition 2026 (published December 2025), with the edition.
	OWASPAgentic = []string{
		"ASI01:2026", "ASI02:2026", "ASI03:2026", "ASI04:2026", "ASI05:2026",
		"ASI06:2026", "ASI07:2026", "ASI08:2026", "ASI09:2026", "ASI10:2026",
	}

	// OWASPAITG are the test IDs of the OWASP AI Testing Guide, version 1
	// (the test files of OWASP/www-project-ai-testing-guide,
	// Document/content/tests, commit 6a6af6f; docs/catalog-sources.md):
	// application (APP), model (MOD), infrastructure (INF) and data (DAT)
	// tests. Later drafts number some tests differently and are not used.
	OWASPAITG = []string{
		"AITG-APP-01", "AITG-APP-02", "AITG-APP-03", "AITG-APP-04", "AITG-APP-05", "AITG-APP-06", "AITG-APP-07",
		"AITG-APP-08", "AITG-APP-09", "AITG-APP-10", "AITG-APP-11", "AITG-APP-12", "AITG-APP-13", "AITG-APP-14",
		"AITG-MOD-01", "AITG-MOD-02", "AITG-MOD-03", "AITG-MOD-04", "AITG-MOD-05", "AITG-MOD-06", "AITG-MOD-07",
		"AITG-INF-01", "AITG-INF-02", "AITG-INF-03", "AITG-INF-04", "AITG-INF-05", "AITG-INF-06",
		"AITG-DAT-01", "AITG-DAT-02", "AITG-DAT-03", "AITG-DAT-04", "AITG-DAT-05",
	}

	// Art15 lists the AI Act Art. 15(5) attack categories.
	Art15 = []string{"data_poisoning", "model_poisoning", "adversarial_examples", "confidentiality_attacks", "model_flaws"}
)
