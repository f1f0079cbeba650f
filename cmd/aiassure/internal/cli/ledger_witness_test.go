package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLedgerWitnessCLI runs a witness (ledger witness serve, on loopback
// with its bearer token) and two ledgers with the same origin and key:
// the first is cosigned and verifies with -witness-key; the second, a
// fork, is refused by the witness (exit 3) and fails verify.
func TestLedgerWitnessCLI(t *testing.T) {
	dir := t.TempDir()
	L, F, k, w := filepath.Join(dir, "L"), filepath.Join(dir, "F"), filepath.Join(dir, "ops"), filepath.Join(dir, "wit")
	state, ready, tok := filepath.Join(dir, "state"), filepath.Join(dir, "ready"), filepath.Join(dir, "token")
	must := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errs := runIn(t, stdin, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errs)
		}
		return out
	}
	must("", "keys", "generate", "-o", k)
	must("", "keys", "generate", "-o", w)
	const origin = "cli.example/ledger"
	for _, d := range []string{L, F} {
		must("", "ledger", "init", "-dir", d, "-origin", origin)
	}
	ev := func(i string) string {
		return `{"type":"incident","time":"2026-12-01T10:00:00Z","incident_id":"` + i + `","severity":"low","description":"x"}` + "\n"
	}
	must(ev("a1")+ev("a2"), "ledger", "append", "-dir", L, "-key", k+".key")
	must(ev("f1")+ev("f2")+ev("f3"), "ledger", "append", "-dir", F, "-key", k+".key")

	for _, args := range [][]string{
		{"ledger", "witness", "serve", "-key", w + ".key", "-state", state, "-log-key", k + ".pub"}, // PEM without -origin
		{"ledger", "witness", "serve", "-key", w + ".key", "-state", state},
		{"ledger", "witness", "serve", "-key", w + ".key", "-state", state, "-log-key", k + ".pub", "-origin", origin}, // no -name, new state
		{"ledger", "witness", "bogus"},
		{"ledger", "cosign", "-dir", L, "-witness", "http://127.0.0.1:1"},
		{"ledger", "cosign", "-dir", L, "-witness", "ftp://x", "-witness-key", w + ".pub"},
		{"ledger", "verify", "-dir", L, "-pub", k + ".pub", "-min-witnesses", "1"},
		{"ledger", "verify", "-dir", L, "-pub", k + ".pub", "-witness-key", k + ".key"},
	} {
		if code, _, errs := runIn(t, "", args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errs)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	var serveErr bytes.Buffer
	done := make(chan int)
	go func() {
		var out bytes.Buffer
		done <- Main(ctx, []string{"ledger", "witness", "serve", "-key", w + ".key", "-state", state, "-name", "witness.cli.example/w1",
			"-log-key", k + ".pub", "-origin", origin, "-listen", "127.0.0.1:0", "-token-file", tok, "-ready-file", ready}, strings.NewReader(""), &out, &serveErr)
	}()
	defer func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("witness serve: exit %d: %s", code, serveErr.String())
		}
	}()
	var addr []byte
	for i := 0; i < 200 && len(addr) == 0; i++ {
		time.Sleep(25 * time.Millisecond)
		addr, _ = os.ReadFile(ready)
	}
	if len(addr) == 0 {
		t.Fatal("the witness did not start")
	}
	url := "http://" + strings.TrimSpace(string(addr))
	var id struct{ VKey string }
	b, _ := os.ReadFile(filepath.Join(state, "witness.json"))
	if err := json.Unmarshal(b, &id); err != nil {
		t.Fatal(err)
	}
	vkey := filepath.Join(dir, "wit.vkey")
	os.WriteFile(vkey, []byte(id.VKey+"\n"), 0o644)

	// without the token: refused with 401 (exit 1)
	if code, out, _ := runIn(t, "", "ledger", "cosign", "-dir", L, "-witness", url, "-witness-key", vkey); code != ExitError || !strings.Contains(out, "HTTP 401") {
		t.Fatalf("cosign without token: exit %d: %s", code, out)
	}
	out := must("", "ledger", "cosign", "-dir", L, "-witness", url, "-witness-key", vkey, "-token-file", tok)
	if !strings.Contains(out, "cosigned by witness.cli.example/w1") || !strings.Contains(out, "cosigned/00000000000000000002: the checkpoint with 1 trusted witness cosignature(s)") {
		t.Fatalf("cosign: %s", out)
	}
	for _, key := range []string{vkey, w + ".pub"} {
		if out := must("", "ledger", "verify", "-dir", L, "-pub", k+".pub", "-witness-key", key); !strings.Contains(out, "witnesses:    1 of 1 required") {
			t.Fatalf("verify: %s", out)
		}
	}
	proof := filepath.Join(dir, "e1.tlog-proof")
	must("", "ledger", "prove", "-dir", L, "-index", "1", "-o", proof)
	if out := must("", "ledger", "verify", "-proof", proof, "-pub", k+".pub", "-witness-key", vkey); !strings.Contains(out, "carries 1 valid witness cosignature(s)") {
		t.Fatalf("verify proof: %s", out)
	}
	if code, out, _ := runIn(t, "", "ledger", "verify", "-proof", proof, "-pub", k+".pub", "-witness-key", vkey, "-witness-key", k+".pub", "-min-witnesses", "2"); code != ExitFindings || !strings.Contains(out, "2 required") {
		t.Fatalf("verify proof, 2 witnesses: exit %d: %s", code, out)
	}

	// the fork: same origin and key, other entries
	code, out, _ := runIn(t, "", "ledger", "cosign", "-dir", F, "-witness", url, "-witness-key", vkey, "-token-file", tok, "-format", "json")
	if code != ExitFindings || !strings.Contains(out, `"refused": true`) || !strings.Contains(out, "the log forked") {
		t.Fatalf("cosign the fork: exit %d: %s", code, out)
	}
	if code, out, _ := runIn(t, "", "ledger", "verify", "-dir", F, "-pub", k+".pub", "-witness-key", vkey); code != ExitFindings || !strings.Contains(out, "entries 0 to 2 are not witnessed") {
		t.Fatalf("verify the fork: exit %d: %s", code, out)
	}
}
