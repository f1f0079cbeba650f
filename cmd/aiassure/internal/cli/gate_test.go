package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gateFiles writes a reference and candidate CSV split from the committed
// breast-cancer data (every third row to the candidate), with edit applied
// to each candidate line's fields.
func gateFiles(t *testing.T, edit func(i int, fields []string)) (ref, cand string) {
	t.Helper()
	b, err := os.ReadFile("../../../../probe/poisoning/testdata/breast-cancer.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var r, c []string
	r, c = append(r, lines[0]), append(c, lines[0])
	for i, l := range lines[1:] {
		if i%3 != 0 {
			r = append(r, l)
			continue
		}
		f := strings.Split(l, ",")
		if edit != nil {
			edit(len(c)-1, f)
		}
		c = append(c, strings.Join(f, ","))
	}
	dir := t.TempDir()
	ref, cand = filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cand.csv")
	if err := os.WriteFile(ref, []byte(strings.Join(r, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cand, []byte(strings.Join(c, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return ref, cand
}

func TestGateCommand(t *testing.T) {
	ref, clean := gateFiles(t, nil)
	_, flipped := gateFiles(t, func(i int, f []string) {
		if i%4 == 0 { // a quarter of the labels flipped
			if f[len(f)-1] == "0" {
				f[len(f)-1] = "1"
			} else {
				f[len(f)-1] = "0"
			}
		}
	})
	code, out, errs := run(t, "gate", "-reference", ref, "-candidate", clean)
	if code != ExitOK || !strings.HasPrefix(out, "ACCEPT") {
		t.Fatalf("clean batch: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"feature drift: 0 of 30", "retraining", "mean_radius"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = run(t, "gate", "-reference", ref, "-candidate", flipped, "-format", "json")
	if code != ExitFindings {
		t.Fatalf("flipped batch: exit %d, want %d\n%s\n%s", code, ExitFindings, out, errs)
	}
	var r struct {
		Accept  bool     `json:"accept"`
		Reasons []string `json:"reasons"`
		Poison  struct {
			Suspects []struct {
				Row   int    `json:"row"`
				Check string `json:"check"`
			} `json:"suspects"`
		} `json:"poison"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if r.Accept || !strings.Contains(strings.Join(r.Reasons, " "), "label poisoning") {
		t.Errorf("flipped batch: accept %v reasons %q", r.Accept, r.Reasons)
	}
	found, flagged := 0, 0
	for _, s := range r.Poison.Suspects {
		if s.Check == "label-noise" {
			flagged++
			if s.Row%4 == 0 {
				found++
			}
		}
	}
	planted := (190 + 3) / 4
	t.Logf("flipped batch: %d of %d flipped labels flagged, %d flagged", found, planted, flagged)
	if found < planted*3/4 || found*2 < flagged {
		t.Errorf("flipped batch: %d of %d found, %d flagged", found, planted, flagged)
	}
}

func TestGateCommandErrors(t *testing.T) {
	ref, cand := gateFiles(t, nil)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("a,b,label\n1,2,0\n3,x,1\n"), 0o644)
	narrow := filepath.Join(dir, "narrow.csv")
	os.WriteFile(narrow, []byte("a,b,label\n1,2,0\n3,4,1\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"no flags", []string{"gate"}, ExitUsage},
		{"missing candidate", []string{"gate", "-reference", ref}, ExitUsage},
		{"unreadable candidate", []string{"gate", "-reference", ref, "-candidate", filepath.Join(dir, "none.csv")}, ExitUsage},
		{"bad row", []string{"gate", "-reference", ref, "-candidate", bad}, ExitUsage},
		{"bad threshold", []string{"gate", "-reference", ref, "-candidate", cand, "-max-psi", "-1"}, ExitUsage},
		{"bad holdout", []string{"gate", "-reference", ref, "-candidate", cand, "-holdout", "0.99"}, ExitUsage},
		{"reference too small", []string{"gate", "-reference", narrow, "-candidate", narrow}, ExitUsage},
		{"schema mismatch", []string{"gate", "-reference", ref, "-candidate", narrow}, ExitFindings},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s\n%s", code, c.code, out, errs)
			}
		})
	}
}
