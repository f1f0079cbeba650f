package risk

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/profile"
)

// TestLLMThreats shows, on the embedded catalogue, which threats of LLM-based
// and agentic systems apply to a plain chat assistant, to an agent with tools,
// retrieval and memory, and to a system without a language model: each
// applies to exactly the systems that have the facts it needs.
func TestLLMThreats(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	load := func(t *testing.T, name string) *profile.Profile {
		t.Helper()
		var src []byte
		if name == "" {
			src = []byte(factsBase)
		} else {
			b, err := os.ReadFile(filepath.Join("testdata", "llm", name))
			if err != nil {
				t.Fatal(err)
			}
			src = b
		}
		p, err := profile.Decode("test.yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// want: for each LLM threat, whether it applies to the chat bot and to
	// the agent; none applies to the system without an LLM.
	want := []struct {
		threat         aiassure.ThreatID
		chatbot, agent bool
	}{
		{"llm-direct-prompt-injection", true, true},
		{"llm-indirect-prompt-injection", false, true},
		{"llm-system-prompt-leakage", true, true},
		{"llm-sensitive-information-disclosure", true, true},
		{"llm-improper-output-handling", false, true},
		{"llm-excessive-agency", false, false}, // the agent's applies as its refinement
		{"llm-unapproved-actions", false, true},
		{"llm-unbounded-consumption", true, true},
		{"llm-vector-store-weaknesses", false, true},
		{"llm-supply-chain-poisoned-component", true, true},
		{"llm-agent-memory-poisoning", false, true},
	}
	for _, sys := range []string{"chatbot.yaml", "agent.yaml", ""} {
		p := load(t, sys)
		a, err := Analyze(Input{Profile: p, Catalog: c, Classification: classify.Result{Tier: classify.Minimal}})
		if err != nil {
			t.Fatal(err)
		}
		analysed := map[aiassure.ThreatID]bool{}
		for _, e := range a.Entries {
			analysed[e.Threat] = true
		}
		excluded := map[aiassure.ThreatID]Reason{}
		for _, x := range a.NotApplicable {
			excluded[x.Threat] = x.Reason
		}
		for _, w := range want {
			var applies bool
			switch sys {
			case "chatbot.yaml":
				applies = w.chatbot
			case "agent.yaml":
				applies = w.agent
			}
			if analysed[w.threat] != applies {
				t.Errorf("%s: %s analysed = %v, want %v (not applicable because: %q)", name(sys), w.threat, analysed[w.threat], applies, excluded[w.threat].Text)
			}
			if !applies && (sys != "agent.yaml" || w.threat != "llm-excessive-agency") && excluded[w.threat].Text == "" {
				t.Errorf("%s: %s is not listed as not applicable, with its reason", name(sys), w.threat)
			}
		}
	}
	// The agent's excessive agency is refined by its unapproved actions:
	// neither analysed nor listed as not applicable.
	p := load(t, "agent.yaml")
	a, err := Analyze(Input{Profile: p, Catalog: c})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(a.NotApplicable, func(x Exclusion) bool { return x.Threat == "llm-excessive-agency" }) {
		t.Error("agent: llm-excessive-agency is listed as not applicable; want it refined by llm-unapproved-actions")
	}
}

func name(sys string) string {
	if sys == "" {
		return "system without an LLM"
	}
	return strings.TrimSuffix(sys, ".yaml")
}
