// Package catalog is aiassure's knowledge base: the standards landscape of
// ENISA's "Cybersecurity of AI and Standardisation" (2023) brought up to date,
// the AI threat taxonomy, the AI Act, Cyber Resilience Act and Cybersecurity
// Act requirements and their crosswalk, trustworthiness characteristics,
// controls, gaps, recommendations, a glossary and the seed's annex matrices.
//
// The data is YAML under catalog/data, embedded in the binary, one file per
// kind, each checked against the JSON Schema beside it (catalog/data/schema)
// and for referential integrity when loaded. The catalogue is versioned
// MODEL.REVISION.ADDITION (see catalog/data/catalog.yaml).
package catalog

import "github.com/aiassure/aiassure"

// index maps IDs to row positions; built by Load.
type index struct {
	standards    map[string]int
	threats      map[string]int
	requirements map[string]int
	controls     map[string]int
	gaps         map[string]int
	recs         map[string]int
	chars        map[string]int
	terms        map[string]int

	controlsByThreat map[aiassure.ThreatID][]int // control positions by the threats they name
	aliases          [][]string                  // by standard position: the forms its designation is cited in
}
