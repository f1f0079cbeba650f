package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
)

// scanRoot copies files of the scanner's corpus into a fresh root under
// model/ and returns the root and the subject names.
func scanRoot(t *testing.T, corpus ...string) (string, []string) {
	t.Helper()
	root := t.TempDir()
	var names []string
	for _, c := range corpus {
		b, err := os.ReadFile(filepath.Join("..", "scan", "testdata", "corpus", c))
		if err != nil {
			t.Fatal(err)
		}
		name := "model/" + filepath.Base(c)
		os.MkdirAll(filepath.Join(root, "model"), 0o755)
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return root, names
}

func TestScanStep(t *testing.T) {
	ctx := context.Background()
	signer, err := GenerateKey(KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := signer.Verifier().MarshalPublicKey()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	attest := func(t *testing.T, root string, subjects []string) Input {
		t.Helper()
		env, st, err := Attest(ctx, AttestOptions{Step: StepScan, Root: root, Subjects: subjects, Finished: now}, signer)
		if err != nil {
			t.Fatal(err)
		}
		if st.PredicateType != PredicateModelScan {
			t.Fatalf("predicate type %s", st.PredicateType)
		}
		b, _ := env.Marshal()
		return Input{Name: "scan.dsse.json", Data: b}
	}
	policy := func(t *testing.T, root, model, maxSev string) *Policy {
		t.Helper()
		os.WriteFile(filepath.Join(root, "k.pub"), pub, 0o644)
		p, err := ParsePolicy("policy.yaml", []byte("version: 1\nmodel: "+model+"\nkeys: [{name: k, file: k.pub}]\nsteps:\n  scan: {required: true, signers: [k], max_severity: "+maxSev+"}\n"))
		if err != nil {
			t.Fatal(err)
		}
		p.Dir = root
		return p
	}

	t.Run("clean model", func(t *testing.T) {
		root, subj := scanRoot(t, "benign/onnx/mlp.onnx")
		in := attest(t, root, subj)
		rep, err := Verify(ctx, []Input{in}, VerifyOptions{Root: root, Policy: policy(t, root, subj[0], "none"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) != 0 || len(rep.Attestations) != 1 || rep.Attestations[0].Scan.Result != "CLEAN" {
			t.Fatalf("problems %v, attestations %+v", rep.Problems, rep.Attestations)
		}
		r := resultOf(t, Results(rep, nil, root), "lineage/scan")
		if r.Status != aiassure.Pass || r.Metrics["files_scanned"] != 1 || !strings.Contains(r.Reason, "criterion") {
			t.Errorf("clean scan result: %+v", r)
		}
	})
	t.Run("malicious pickle", func(t *testing.T) {
		root, subj := scanRoot(t, "malicious/pickle/getattr-import.pkl")
		in := attest(t, root, subj)
		rep, err := Verify(ctx, []Input{in}, VerifyOptions{Root: root, Policy: policy(t, root, subj[0], "medium"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		a := rep.Attestations[0]
		if a.Scan.Result != "FINDINGS" || a.Scan.Worst.Rank() < aiassure.High.Rank() || a.Scan.Findings[0].Path != subj[0] {
			t.Fatalf("scan predicate: %+v", a.Scan)
		}
		if len(rep.Problems) != 1 || !errors.Is(rep.Problems[0], ErrScanFindings) || !strings.Contains(rep.Problems[0].Detail, "pickle/") {
			t.Fatalf("problems: %v", rep.Problems)
		}
		if r := resultOf(t, Results(rep, nil, root), "lineage/scan"); r.Status != aiassure.Fail {
			t.Errorf("result %+v", r)
		}
		// A policy that tolerates it leaves the judgement to the criterion
		// of the assessment: no finding at high or above.
		rep, _ = Verify(ctx, []Input{in}, VerifyOptions{Root: root, Policy: policy(t, root, subj[0], "critical"), Now: now})
		r := resultOf(t, Results(rep, nil, root), "lineage/scan")
		if len(rep.Problems) != 0 || r.Status != aiassure.Fail || !strings.Contains(r.Reason, "getattr-import.pkl") && !strings.Contains(r.Reason, "pickle/") {
			t.Errorf("problems %v, result %+v", rep.Problems, r)
		}
	})
	t.Run("model changed after the scan", func(t *testing.T) {
		root, subj := scanRoot(t, "benign/onnx/mlp.onnx")
		in := attest(t, root, subj)
		f := filepath.Join(root, filepath.FromSlash(subj[0]))
		b, _ := os.ReadFile(f)
		b[len(b)/2] ^= 1
		os.WriteFile(f, b, 0o644)
		rep, err := Verify(ctx, []Input{in}, VerifyOptions{Root: root, Policy: policy(t, root, subj[0], "none"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if !hasKind(rep.Problems, ErrDigestMismatch) || !hasKind(rep.Problems, ErrMissingAttestation) {
			t.Errorf("problems: %v", rep.Problems)
		}
	})
	t.Run("no predicate", func(t *testing.T) {
		root, subj := scanRoot(t, "benign/onnx/mlp.onnx")
		_, _, err := Attest(ctx, AttestOptions{Step: StepScan, Root: root, Subjects: subj, Predicate: []byte(`{}`)}, signer)
		if err == nil || !strings.Contains(err.Error(), "give no predicate") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestScanPredicateChecked(t *testing.T) {
	for _, tc := range []struct{ pred, err string }{
		{`{"result": "OK"}`, "want CLEAN or FINDINGS"},
		{`{"result": "CLEAN", "worst": "high"}`, "does not agree"},
		{`{"result": "CLEAN", "findings": [{"rule": "x", "severity": "low"}]}`, "does not agree"},
		{`{"result": "FINDINGS", "worst": "low"}`, "does not agree"},
		{`{"result": "FINDINGS", "worst": "low", "findings": [{"rule": "x", "severity": "critical"}]}`, "above the stated worst"},
		{`{"result": 1}`, "model-scan predicate"},
	} {
		_, err := interpret(&Statement{PredicateType: PredicateModelScan, Predicate: json.RawMessage(tc.pred)})
		if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.pred, err, tc.err)
		}
	}
}

func TestPolicyMaxSeverity(t *testing.T) {
	for _, tc := range []struct{ steps, err string }{
		{"evaluation: {max_severity: low}", "only for scan"},
		{"scan: {max_severity: severe}", "is not none, info"},
	} {
		_, err := ParsePolicy("p.yaml", []byte("version: 1\nsteps:\n  "+tc.steps+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.steps, err, tc.err)
		}
	}
	for sev, want := range map[aiassure.Severity]bool{"": true, aiassure.Low: true, aiassure.Medium: true, aiassure.High: false} {
		if got := (StepPolicy{MaxSeverity: "medium"}).allowsScan(sev); got != want {
			t.Errorf("max medium allows %q: %v", sev, got)
		}
	}
	if (StepPolicy{MaxSeverity: "none"}).allowsScan(aiassure.Info) {
		t.Error("none allows info")
	}
}

func resultOf(t *testing.T, rs []aiassure.Result, check string) aiassure.Result {
	t.Helper()
	for _, r := range rs {
		if r.Check == check {
			return r
		}
	}
	t.Fatalf("no %s result", check)
	return aiassure.Result{}
}

func hasKind(ps []*Problem, kind error) bool {
	for _, p := range ps {
		if errors.Is(p, kind) {
			return true
		}
	}
	return false
}
