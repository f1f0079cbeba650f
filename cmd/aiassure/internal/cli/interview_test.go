package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/profile"
)

// interviewProfile is a credit-scoring system described by its purpose
// only: no use: block, no facts.
const interviewProfile = `api_version: aiassure.dev/v1
# the system
system:
  name: Loan scorer
  intended_purpose: Estimate the probability that a consumer loan applicant defaults, to decide on the loan.
  sector: finance
role: provider
assurance: basic
assets:
  - {id: m, kind: model}
`

func interview(t *testing.T, profileText, answers string, args ...string) (path, out string, code int) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(path, []byte(profileText), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code = Main(context.Background(), append(append([]string{"classify", "-interview"}, args...), path), strings.NewReader(answers), &stdout, &stderr)
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	return path, stdout.String(), code
}

func TestInterview(t *testing.T) {
	// Everything no, except creditworthiness yes and fraud detection only no.
	yesTo := map[string]string{"creditworthiness": "y", "fraud_detection_only": "n", "profiling": "y"}
	var answers strings.Builder
	qs, err := classify.Questions()
	if err != nil {
		t.Fatal(err)
	}
	// Answer by reading the questions as the interview asks them: replay
	// the interview's own choice of questions.
	facts := map[string]string{}
	p, err := profile.Decode("p.yaml", []byte(interviewProfile))
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	for {
		cur := *p
		cur.Facts = facts
		q := qs.Next(&cur, map[string]bool{})
		if q == nil {
			break
		}
		a := yesTo[q.ID]
		if a == "" {
			a = "n"
		}
		facts[q.ID] = map[string]string{"y": "yes", "n": "no"}[a]
		asked = append(asked, q.ID)
		answers.WriteString(a + "\n")
	}
	path, out, code := interview(t, interviewProfile, answers.String())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, id := range asked {
		if !strings.Contains(out, "facts."+id+" (") {
			t.Errorf("question %s not asked:\n%s", id, out)
		}
	}
	// Questions that do not matter are not asked: no Art. 6(3) question
	// before an Annex III point is established, no fraud question before
	// creditworthiness is yes, no deployer question for a provider.
	if strings.Contains(out, "facts.public_service") || strings.Contains(out, "facts.personal_use") {
		t.Errorf("asked a deployer's question of a provider:\n%s", out)
	}
	if !strings.Contains(out, "Tier from the facts: high-risk.") {
		t.Errorf("summary:\n%s", out)
	}
	got, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Facts["creditworthiness"] != "yes" || got.Facts["fraud_detection_only"] != "no" || got.Facts["military_only"] != "no" {
		t.Errorf("facts written: %v", got.Facts)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), interviewProfile) {
		t.Errorf("the rest of the profile changed:\n%s", b)
	}
	r, err := classify.Classify(got, nil)
	if err != nil || r.Tier != classify.HighRisk || r.Provisional {
		t.Errorf("classified %s provisional %v, %v; open %v", r.Tier, r.Provisional, err, r.Open)
	}
}

func TestInterviewStopsAndKeeps(t *testing.T) {
	// Two answers, then the input ends: both are saved.
	path, out, code := interview(t, interviewProfile, "n\nn\n")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Facts) != 2 || p.Facts["military_only"] != "no" || p.Facts["research_only"] != "no" {
		t.Errorf("facts: %v", p.Facts)
	}
	if !strings.Contains(out, "Interview stopped: 2 new answers") || !strings.Contains(out, "open: May be high-risk under Annex III point 5(b)") {
		t.Errorf("summary:\n%s", out)
	}
	// A second interview asks only what is left; -o leaves the profile as it is.
	before, _ := os.ReadFile(path)
	dest := filepath.Join(t.TempDir(), "out.yaml")
	var stdout bytes.Buffer
	code = Main(context.Background(), []string{"classify", "-interview", "-o", dest, path}, strings.NewReader("q\n"), &stdout, &bytes.Buffer{})
	if code != 0 || strings.Contains(stdout.String(), "facts.military_only") {
		t.Errorf("exit %d; re-asked an answered question:\n%s", code, stdout.String())
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("-o changed the profile")
	}
}

func TestInterviewBadAnswersAndInput(t *testing.T) {
	_, out, code := interview(t, interviewProfile, "maybe\ny\nq\n")
	if code != 0 || !strings.Contains(out, `"maybe" is not an answer here`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// A profile whose facts name an unknown question is an input error.
	_, _, code = interview(t, interviewProfile+"facts: {no_such_question: yes}\n", "")
	if code != 2 {
		t.Errorf("unknown fact: exit %d, want 2", code)
	}
	code, _, _ = run(t, "classify", "-interview")
	if code != 2 {
		t.Errorf("no profile: exit %d, want 2", code)
	}
}

func TestQuestions(t *testing.T) {
	code, out, _ := run(t, "classify", "-questions")
	if code != 0 || !strings.Contains(out, "creditworthiness (Annex III point 5(b))") || !strings.Contains(out, "== scope") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, "classify", "-questions", "-format", "json")
	if code != 0 || !strings.Contains(out, `"id": "fraud_detection_only"`) {
		t.Errorf("json: exit %d", code)
	}
}
