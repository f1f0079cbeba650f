package classify

import "github.com/aiassure/aiassure/profile"

// The closed vocabularies of the profile fields the classification reads
// live in package profile (profile/vocab.go), where validation and the JSON
// Schema use them too; they are repeated here under the names the rules and
// the documentation use. The rules file may name only these values, and
// Classify rejects a profile that uses any other.
var (
	// Practices are the Art. 5(1) prohibited practices of use.practices, plus
	// the ban the Digital Omnibus on AI adds.
	Practices = profile.Practices
	// Derogations are the Art. 6(3) conditions of use.derogation.
	Derogations = profile.Derogations
	// TransparencySituations are the Art. 50 situations of use.transparency.
	TransparencySituations = profile.TransparencySituations
	// Exclusions are the Art. 2 scope exclusions of use.exclusions.
	Exclusions = profile.Exclusions
	// Roles are the operator roles of the role field.
	Roles = profile.Roles
	// AnnexISectionA is the Annex I Section A legislation: the high-risk
	// requirements apply directly.
	AnnexISectionA = profile.AnnexISectionA
	// AnnexISectionB is the Annex I Section B legislation: per Art. 2(2) only
	// Art. 6(1), 102 to 109 and 112 apply directly.
	AnnexISectionB = profile.AnnexISectionB
	// AnnexIII lists the areas and points of Annex III.
	AnnexIII = profile.AnnexIII
)

// annexIIIValid reports whether area and point name an Annex III point (area
// 2 has none: its point may be empty or "a").
func annexIIIValid(area int, point string) bool { return profile.AnnexIIIValid(area, point) }

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
