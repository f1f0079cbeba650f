package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/internal/mariadb"
)

func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestLedgerCLI(t *testing.T) {
	dir := t.TempDir()
	L, k := filepath.Join(dir, "L"), filepath.Join(dir, "k")
	must := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errs := runIn(t, stdin, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errs)
		}
		return out
	}
	must("", "keys", "generate", "-o", k)
	must("", "ledger", "init", "-dir", L, "-origin", "cli.example/ledger", "-retention", "720h")
	events := `{"type":"inference_decision","time":"2026-12-01T10:00:00Z","model_version":"v1","decision":"deny","subject":"alice","input":{"income":1}}
{"type":"human_override","time":"2026-12-01T10:05:00Z","request_id":"r1","decision":"approve","operator":"bob"}
{"type":"incident","time":"2026-12-02T09:00:00Z","incident_id":"i1","severity":"critical","serious":true,"description":"poisoned update rolled back"}
`
	out := must(events, "ledger", "append", "-dir", L, "-key", k+".key")
	if strings.Count(out, `"index"`) != 3 {
		t.Fatalf("append printed %q", out)
	}
	out = must("", "ledger", "verify", "-dir", L, "-pub", k+".pub")
	if !strings.Contains(out, "ok: every entry") || !strings.Contains(out, "1 (1 serious)") {
		t.Fatalf("verify: %s", out)
	}
	cp := filepath.Join(dir, "auditor.checkpoint")
	b, _ := os.ReadFile(filepath.Join(L, "log", "checkpoint"))
	os.WriteFile(cp, b, 0o644)
	must(`{"type":"model_update","time":"2026-12-03T00:00:00Z","model_version":"v2","action":"update"}`, "ledger", "append", "-dir", L, "-key", k+".key")
	must("", "ledger", "verify", "-dir", L, "-pub", k+".pub", "-checkpoint", cp)

	proof := filepath.Join(dir, "e0.tlog-proof")
	must("", "ledger", "prove", "-dir", L, "-index", "0", "-o", proof)
	if out := must("", "ledger", "verify", "-proof", proof, "-pub", k+".pub"); !strings.Contains(out, "ok: entry 0") {
		t.Fatalf("proof: %s", out)
	}
	out = must("", "ledger", "export", "-dir", L, "-type", "inference_decision", "-decision", "deny", "-proofs")
	var x struct {
		Event map[string]any `json:"event"`
		Proof string         `json:"proof"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &x); err != nil || x.Event["subject"] != "alice" || x.Proof == "" {
		t.Fatalf("export: %v %s", err, out)
	}
	must("", "ledger", "forget", "-dir", L, "-subject", "alice")
	out = must("", "ledger", "export", "-dir", L, "-since", "2026-12-01", "-until", "2026-12-02")
	if !strings.Contains(out, `"subject":"erased"`) || !strings.Contains(out, `"operator":"bob"`) {
		t.Fatalf("export after forget: %s", out)
	}
	must("", "ledger", "verify", "-dir", L, "-pub", k+".pub", "-format", "json")

	// a changed byte is a failure (exit 3), a bad event a usage error (2)
	bundle := filepath.Join(L, "log", "tile", "entries", "000.p", "4")
	d, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	d[40] ^= 1
	os.WriteFile(bundle, d, 0o644)
	if code, out, _ := runIn(t, "", "ledger", "verify", "-dir", L, "-pub", k+".pub"); code != ExitFindings || !strings.Contains(out, "FAIL entry 0") {
		t.Fatalf("tampered: exit %d: %s", code, out)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
	}{
		{`{"type":"incident"}`, []string{"ledger", "append", "-dir", L, "-key", k + ".key"}},
		{"", []string{"ledger", "verify", "-dir", L}},
		{"", []string{"ledger", "init", "-dir", L, "-origin", "again"}},
		{"", []string{"ledger", "export", "-dir", L, "-type", "nope"}},
		{"", []string{"ledger", "prove", "-dir", L, "-index", "99"}},
		{"", []string{"ledger", "serve", "-dir", L, "-addr", "0.0.0.0:0", "-insecure-no-auth"}},
		{"", []string{"ledger", "bogus"}},
	} {
		if code, _, errs := runIn(t, tc.stdin, tc.args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2: %s", tc.args, code, errs)
		}
	}
	if code, out, _ := runIn(t, "", "ledger", "types", "-type", "incident"); code != 0 || !strings.Contains(out, `"x-personal": true`) {
		t.Errorf("types: %d %s", code, out)
	}
}

// TestLedgerCLIMySQL runs the ledger on Tessera's MySQL driver against a
// throw-away MariaDB server: init, append, verify, a snapshot verified
// offline with an auditor's checkpoint, proofs, export and forget.
func TestLedgerCLIMySQL(t *testing.T) {
	ctx := context.Background()
	srv, err := mariadb.Start(ctx)
	if errors.Is(err, mariadb.ErrNoServer) {
		t.Skipf("the mysql driver is not tested: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AIASSURE_TEST_CLI_DSN", dsn)
	dir := t.TempDir()
	L, k, snap := filepath.Join(dir, "L"), filepath.Join(dir, "k"), filepath.Join(dir, "snap")
	must := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errs := runIn(t, stdin, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errs)
		}
		return out
	}
	if code, _, errs := runIn(t, "", "ledger", "init", "-dir", L, "-origin", "o.example/l", "-storage", "mysql", "-dsn-env", "AIASSURE_TEST_CLI_UNSET"); code != ExitUsage || !strings.Contains(errs, "$AIASSURE_TEST_CLI_UNSET, which is not set") {
		t.Fatalf("init without a DSN: exit %d: %s", code, errs)
	}
	if code, _, errs := runIn(t, "", "ledger", "init", "-dir", L, "-origin", "o.example/l", "-storage", "floppy"); code != ExitUsage || !strings.Contains(errs, "posix, mysql") {
		t.Fatalf("init -storage floppy: exit %d: %s", code, errs)
	}
	must("", "keys", "generate", "-o", k)
	out := must("", "ledger", "init", "-dir", L, "-origin", "cli.example/mysql", "-storage", "mysql", "-dsn-env", "AIASSURE_TEST_CLI_DSN")
	if !strings.Contains(out, "driver mysql") {
		t.Fatalf("init: %s", out)
	}
	events := `{"type":"inference_decision","time":"2026-12-01T10:00:00Z","model_version":"v1","decision":"deny","subject":"alice","input":{"income":1}}
{"type":"human_override","time":"2026-12-01T10:05:00Z","request_id":"r1","decision":"approve","operator":"bob"}
`
	must(events, "ledger", "append", "-dir", L, "-key", k+".key")
	must("", "ledger", "snapshot", "-dir", L, "-o", snap)
	auditor := filepath.Join(dir, "auditor.checkpoint")
	b, err := os.ReadFile(filepath.Join(snap, "log", "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(auditor, b, 0o644)
	must(`{"type":"model_update","time":"2026-12-03T00:00:00Z","model_version":"v2","action":"update"}`, "ledger", "append", "-dir", L, "-key", k+".key")
	if out := must("", "ledger", "verify", "-dir", L, "-pub", k+".pub", "-checkpoint", auditor); !strings.Contains(out, "ok: every entry") {
		t.Fatalf("verify: %s", out)
	}
	snap2 := filepath.Join(dir, "snap2")
	if out := must("", "ledger", "snapshot", "-dir", L, "-o", snap2); !strings.Contains(out, "3 entries") {
		t.Fatalf("snapshot: %s", out)
	}
	must("", "ledger", "verify", "-dir", snap2, "-pub", k+".pub", "-checkpoint", auditor)
	proof := filepath.Join(dir, "e2.tlog-proof")
	must("", "ledger", "prove", "-dir", snap2, "-index", "2", "-o", proof)
	must("", "ledger", "verify", "-proof", proof, "-pub", k+".pub")
	must("", "ledger", "forget", "-dir", L, "-subject", "alice")
	out = must("", "ledger", "export", "-dir", L, "-proofs")
	if !strings.Contains(out, `"subject":"erased"`) || !strings.Contains(out, `"operator":"bob"`) || strings.Count(out, "tlog-proof") != 3 {
		t.Fatalf("export after forget: %s", out)
	}
	// the snapshot is read-only, and a byte changed in it is found
	if code, _, errs := runIn(t, events, "ledger", "append", "-dir", snap2, "-key", k+".key"); code != ExitUsage || !strings.Contains(errs, "read-only snapshot") {
		t.Fatalf("append to a snapshot: exit %d: %s", code, errs)
	}
	bundle := filepath.Join(snap2, "log", "tile", "entries", "000.p", "3")
	d, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	d[40] ^= 1
	os.WriteFile(bundle, d, 0o644)
	if code, out, _ := runIn(t, "", "ledger", "verify", "-dir", snap2, "-pub", k+".pub"); code != ExitFindings || !strings.Contains(out, "FAIL entry 0") {
		t.Fatalf("tampered snapshot: exit %d: %s", code, out)
	}
}
