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

	// AccessPaths are the ways an attacker reaches an asset.
	AccessPaths = []string{
		"query",              // sends inputs to the inference interface and reads outputs
		"training-data",      // can place or alter data that is later trained on
		"model-supply-chain", // can alter a pre-trained model, library or component
		"artefact",           // can read or write stored model or data files
		"insider",            // legitimate access inside the provider or deployer
		"network",            // conventional network access to the system
		"physical",           // physical access to sensors or devices
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
