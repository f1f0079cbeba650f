package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProbeLLM(t *testing.T) {
	prof := ex + "support-assistant/profile.yaml"
	code, out, errs := run(t, "probe", "-suite", "llm", "-endpoint", "double:hardened", "-profile", prof)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"LLM TESTS (basic plan, seed 1", "PASS", "direct-injection", "unbounded-consumption", "95% CI"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("the hardened double failed a family:\n%s", out)
	}

	log := filepath.Join(t.TempDir(), "run.jsonl")
	code, out, errs = run(t, "probe", "-suite", "llm", "-endpoint", "double:vulnerable", "-profile", prof,
		"-variants", "2", "-run-log", log, "-format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Results []struct {
			ID, Check, Status string
			Evidence          []string
		}
		LLM struct{ Requests int } `json:"llm_summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) != 8 || doc.LLM.Requests == 0 { // seven families and the rate-limit probe
		t.Fatalf("%d results, %d requests", len(doc.Results), doc.LLM.Requests)
	}
	for _, r := range doc.Results {
		if r.Check != "llm" || r.Status != "fail" || len(r.Evidence) != 2 || !strings.HasPrefix(r.Evidence[1], "sha256:") {
			t.Errorf("%+v", r)
		}
	}
	b, err := os.ReadFile(log)
	if err != nil || strings.Count(string(b), "\n") != doc.LLM.Requests {
		t.Errorf("run log: %v, %d lines for %d requests", err, strings.Count(string(b), "\n"), doc.LLM.Requests)
	}
	if code, _, errs := run(t, "probe", "-suite", "llm"); code != ExitUsage || !strings.Contains(errs, "-endpoint") {
		t.Errorf("no endpoint: exit %d, %s", code, errs)
	}
}

// TestProbeLLMMapped runs the suite through -protocol mapped, with a mapping
// file that reads the double's answers by path.
func TestProbeLLMMapped(t *testing.T) {
	prof := ex + "support-assistant/profile.yaml"
	m := filepath.Join(t.TempDir(), "mapping.yaml")
	if err := os.WriteFile(m, []byte(`request: '{"messages":"{{messages}}","tools":"{{tools}}","max_tokens":"{{max_tokens}}"}'
content: choices[0].message.content
tool_calls: choices[0].message.tool_calls
finish_reason: choices[0].finish_reason
prompt_tokens: usage.prompt_tokens
completion_tokens: usage.completion_tokens
optional: [tool_calls]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "probe", "-suite", "llm", "-endpoint", "double:vulnerable", "-protocol", "mapped", "-mapping", m,
		"-profile", prof, "-variants", "2", "-families", "system-prompt-leak,excessive-agency")
	if code != 0 || strings.Count(out, "FAIL ") < 2 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	if code, _, errs := run(t, "probe", "-suite", "llm", "-endpoint", "double:vulnerable", "-mapping", m); code != ExitUsage || !strings.Contains(errs, "mapped") {
		t.Errorf("-mapping without -protocol mapped: exit %d, %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("request: '{}'\ncontent: x\nbogus: 1\n"), 0o644)
	if code, _, errs := run(t, "probe", "-suite", "llm", "-endpoint", "double:vulnerable", "-protocol", "mapped", "-mapping", bad); code != ExitUsage {
		t.Errorf("a bad mapping: exit %d, %s", code, errs)
	}
}
