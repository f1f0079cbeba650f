package risk

import (
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/profile"
)

// factsBase is a small system: a model trained in-house on internal data, an
// authenticated internal API returning scores, a typed-in input.
const factsBase = `api_version: aiassure.dev/v1
system:
  name: Test system
  intended_purpose: Test the applicability of threats.
  sector: it
role: provider
assurance: basic
lifecycle:
  phases: [training, deployment]
  continuous_learning: false
assets:
  - id: data
    kind: dataset
    sensitivity: internal
    origin: internal
  - id: model
    kind: model
    origin: internal
    path: model.onnx
  - id: api
    kind: inference-interface
    exposure: {public: false, authentication: true, outputs: score}
  - id: form
    kind: input
    origin: internal
`

// TestPreconditions checks, on the embedded catalogue, that a threat
// applies exactly when the facts its preconditions name are declared, and
// that the verdict names the profile field (and line, when it is there).
func TestPreconditions(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		edit    edit
		threat  aiassure.ThreatID
		applies bool
		field   string // the field the reason names
	}{
		{"no federated training", nil, "model-poisoning-federated", false, "lifecycle.federated_learning"},
		{"federated training", add("lifecycle:", "  federated_learning: true"), "model-poisoning-federated", true, "lifecycle.federated_learning"},
		{"typed input", nil, "evasion-physical", false, "assets"},
		{"camera input", add("  - id: form\n    kind: input\n", "    capture: sensor"), "evasion-physical", true, "assets[3]"},
		{"internal data", nil, "membership-inference", false, "assets"},
		{"personal data", replace("sensitivity: internal", "sensitivity: personal"), "membership-inference", true, "assets[0]"},
		{"public data", nil, "data-poisoning-supply-chain", false, "assets"},
		{"scraped data", replace("    origin: internal\n  - id: model", "    origin: public\n  - id: model"), "data-poisoning-supply-chain", true, "assets[0]"},
		{"no continuous learning", nil, "data-poisoning-continuous-learning", false, "lifecycle.continuous_learning"},
		{"continuous learning", replace("continuous_learning: false", "continuous_learning: true"), "data-poisoning-continuous-learning", true, "lifecycle.continuous_learning"},
		{"server model", nil, "model-disclosure-edge-device", false, "deployment.edge"},
		{"edge model", add("assurance: basic", "deployment: {edge: true}"), "model-disclosure-edge-device", true, "deployment.edge"},
		{"onnx file", nil, "sw-unsafe-model-loading", false, "assets"},
		{"pickle file", replace("model.onnx", "model.pt"), "sw-unsafe-model-loading", true, "assets[1]"},
		{"declared pickle", add("    path: model.onnx", "    format: joblib"), "sw-unsafe-model-loading", true, "assets[1]"},
		{"scores", nil, "evasion-black-box-decision", false, "assets"},
		{"labels only", replace("outputs: score", "outputs: label"), "evasion-black-box-decision", true, "assets[2]"},
		{"in-house model", nil, "model-poisoning-pretrained", false, "assets"},
		{"no llm", nil, "llm-direct-prompt-injection", false, "llm"},
		{"llm", add("assurance: basic", "llm: {model: m}"), "llm-direct-prompt-injection", true, "llm"},
		{"user messages only", add("assurance: basic", "llm: {model: m, untrusted_content: [user-message]}"), "llm-indirect-prompt-injection", false, "llm"},
		{"e-mails read", add("assurance: basic", "llm: {model: m, untrusted_content: [user-message, email]}"), "llm-indirect-prompt-injection", true, "llm.untrusted_content"},
		{"approved tool", add("assurance: basic", "llm:\n  model: m\n  tools: [{name: pay, side_effects: true, approval: human}]"), "llm-unapproved-actions", false, "llm"},
		{"unapproved tool", add("assurance: basic", "llm:\n  model: m\n  tools: [{name: pay, side_effects: true}]"), "llm-unapproved-actions", true, "llm.tools[0]"},
		{"approved tool, agency", add("assurance: basic", "llm:\n  model: m\n  tools: [{name: pay, side_effects: true, approval: human}]"), "llm-excessive-agency", true, "llm.tools[0]"},
		{"session memory", add("assurance: basic", "llm: {model: m, memory: session}"), "llm-agent-memory-poisoning", false, "llm"},
		{"persistent memory", add("assurance: basic", "llm: {model: m, memory: persistent}"), "llm-agent-memory-poisoning", true, "llm.memory"},
		{"no retrieval", add("assurance: basic", "llm: {model: m}"), "llm-vector-store-weaknesses", false, "llm"},
		{"vector store", add("assurance: basic", "llm:\n  model: m\n  retrieval: [{name: kb, kind: vector}]"), "llm-vector-store-weaknesses", true, "llm.retrieval[0]"},
		{"text to the user", both(withOutput, add("assurance: basic", "llm: {model: m, output_sinks: [user]}")), "llm-improper-output-handling", false, "llm"},
		{"output to a shell", both(withOutput, add("assurance: basic", "llm: {model: m, output_sinks: [user, shell]}")), "llm-improper-output-handling", true, "llm.output_sinks"},
		{"internal tool", add("assurance: basic", "llm:\n  model: m\n  tools: [{name: search, origin: internal}]"), "llm-supply-chain-poisoned-component", false, "assets"},
		{"MCP server from outside", add("assurance: basic", "llm:\n  model: m\n  tools: [{name: search, origin: third-party}]"), "llm-supply-chain-poisoned-component", true, "llm.tools[0]"},
		{"hub model", replace("assurance: basic", "assurance: basic\ncomponents:\n  - {name: bert-factsBase, kind: model, supplier: a model hub, open_source: true}"), "model-poisoning-pretrained", true, "components[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := factsBase
			if tc.edit != nil {
				src = tc.edit(src)
			}
			p, err := profile.Decode("test.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			a, err := Analyze(Input{Profile: p, Catalog: c, Classification: classify.Result{Tier: classify.Minimal}})
			if err != nil {
				t.Fatal(err)
			}
			var got []Reason
			applies := false
			for _, e := range a.Entries {
				if e.Threat == tc.threat {
					applies = true
					got = append(got, e.Applies...)
				}
			}
			for _, x := range a.NotApplicable {
				if x.Threat == tc.threat {
					got = append(got, x.Reason)
				}
			}
			if applies != tc.applies {
				t.Fatalf("%s applies = %v, want %v (%+v)", tc.threat, applies, tc.applies, got)
			}
			if !slices.ContainsFunc(got, func(r Reason) bool { return r.Field == tc.field }) {
				t.Errorf("reasons %+v name no field %s", got, tc.field)
			}
			for _, r := range got {
				if r.Text == "" {
					t.Errorf("reason without text: %+v", r)
				}
				if _, present := p.Line(r.Field); present && r.Line == 0 {
					t.Errorf("reason %+v has no line although %s is in the profile", r, r.Field)
				}
				if _, present := p.Line(r.Field); !present && r.Line != 0 {
					t.Errorf("reason %+v has a line although %s is not in the profile", r, r.Field)
				}
			}
		})
	}
}

// TestNoThreatWithoutReason checks the invariants of the analysis on the
// embedded catalogue: every threat is analysed, refined, or excluded with a
// reason, never two of these.
func TestNoThreatWithoutReason(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Decode("test.yaml", []byte(factsBase))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(Input{Profile: p, Catalog: c})
	if err != nil {
		t.Fatal(err)
	}
	analysed := map[aiassure.ThreatID]bool{}
	for _, e := range a.Entries {
		analysed[e.Threat] = true
		if len(e.Applies) == 0 {
			t.Errorf("%s on %v applies for no stated reason", e.Threat, e.Assets)
		}
	}
	for _, x := range a.NotApplicable {
		if analysed[x.Threat] {
			t.Errorf("%s is both analysed and not applicable", x.Threat)
		}
		if x.Reason.Text == "" {
			t.Errorf("%s is not applicable for no stated reason", x.Threat)
		}
	}
}

type edit func(string) string

// add inserts line after the first occurrence of after.
func add(after, line string) edit {
	return func(s string) string {
		if line == "" {
			return s
		}
		i := strings.Index(s, after)
		if i < 0 {
			panic("no " + after)
		}
		j := i + len(after)
		if !strings.HasSuffix(after, "\n") {
			j = i + strings.Index(s[i:], "\n") + 1
		}
		return s[:j] + line + "\n" + s[j:]
	}
}

// withOutput declares an output asset.
var withOutput = add("  - id: form\n    kind: input\n    origin: internal\n", "  - id: answer\n    kind: output")

// both applies e, then f.
func both(e, f edit) edit { return func(s string) string { return f(e(s)) } }

func replace(old, new string) edit {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("no " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

// TestEveryFactDecided checks that the catalogue's fact vocabulary and the
// facts this package decides are the same list: a precondition naming a fact
// with no decider would silently never hold.
func TestEveryFactDecided(t *testing.T) {
	for _, name := range catalog.Facts {
		if _, ok := facts[name]; !ok {
			t.Errorf("catalog.Facts has %q, which risk does not decide", name)
		}
	}
	for name := range facts {
		if !slices.Contains(catalog.Facts, name) {
			t.Errorf("risk decides %q, which catalog.Facts lacks", name)
		}
	}
}
