package report

import "github.com/aiassure/aiassure"

// LLMTests is what the LLM application tests (docs/llm.md) showed beyond
// their Results: per family the counts and the answers that show a
// success, for the HTML report to display with the evidence highlighted.
type LLMTests struct {
	Plan     string      `json:"plan,omitempty"` // the plan in words: level, seed, variants
	Families []LLMFamily `json:"families"`
}

// LLMFamily is one family's outcome.
type LLMFamily struct {
	Family    string          `json:"family"`
	Status    aiassure.Status `json:"status"`
	Attempts  int             `json:"attempts"`
	Successes int             `json:"successes"`
	Unknown   int             `json:"unknown"`
	Examples  []LLMExample    `json:"examples,omitempty"` // up to three answers that show a success
}

// LLMExample is an answer that shows a success. Start and End are byte
// offsets of Evidence in Answer, -1 when the evidence was decoded from a
// transformation (base64, reversed, ...) and has no place in the text.
type LLMExample struct {
	Variant  string `json:"variant"`
	Detector string `json:"detector"`
	Kind     string `json:"kind,omitempty"`
	Evidence string `json:"evidence"`
	Answer   string `json:"answer"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
}
