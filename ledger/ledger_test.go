package ledger

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiassure/aiassure/lineage"
)

// testLedger makes a ledger in a temporary directory and returns it open,
// with its trusted key.
func testLedger(t testing.TB, cfg Config) (*Ledger, *PublicKey) {
	t.Helper()
	return testLedgerSigned(t, cfg, newSigner(t))
}

// testLedgerSigned is testLedger with checkpoints signed by s.
func testLedgerSigned(t testing.TB, cfg Config, s *lineage.Signer) (*Ledger, *PublicKey) {
	t.Helper()
	dir := t.TempDir()
	if cfg.Origin == "" {
		cfg.Origin = testOrigin
	}
	cfg = withDriver(t, cfg)
	if err := Init(context.Background(), dir, cfg); err != nil {
		t.Fatal(err)
	}
	l, err := Open(context.Background(), dir, Options{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	pemPub, err := s.Verifier().MarshalPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePublicKey(pemPub)
	if err != nil {
		t.Fatal(err)
	}
	return l, k
}

// event returns the JSON of the i-th test event: the types in turn.
func event(i int) string {
	at := time.Date(2026, 11, 1+i%28, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)
	switch i % 6 {
	case 0:
		return fmt.Sprintf(`{"type":"inference_decision","time":%q,"model_version":"v%d","decision":"approve","subject":"person-%d","input":{"income":%d},"score":0.%d}`, at, i%3, i%5, 1000+i, i%10)
	case 1:
		return fmt.Sprintf(`{"type":"human_override","time":%q,"request_id":"r%d","decision":"reject","original_decision":"approve","operator":"officer-%d"}`, at, i, i%2)
	case 2:
		return fmt.Sprintf(`{"type":"incident","time":%q,"incident_id":"i%d","severity":"high","serious":%v,"description":"drift alarm"}`, at, i, i%4 == 2)
	case 3:
		return fmt.Sprintf(`{"type":"model_update","time":%q,"model_version":"v%d","action":"deploy"}`, at, i%3)
	case 4:
		return fmt.Sprintf(`{"type":"data_update","time":%q,"dataset":"ref-%d","records":%d}`, at, i, i)
	}
	return fmt.Sprintf(`{"type":"config_change","time":%q,"setting":"threshold","old_value":0.5,"new_value":0.%d}`, at, i%10)
}

// fill appends n events concurrently and returns the receipts by index.
func fill(t testing.TB, l *Ledger, n int) []*Receipt {
	t.Helper()
	rs := make([]*Receipt, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := l.AppendJSON(context.Background(), []byte(event(i)))
			if err != nil {
				errs <- err
				return
			}
			rs[i] = r
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return rs
}

func TestAppendVerifyProveExportForget(t *testing.T) {
	forDrivers(t, testAppendVerifyProveExportForget)
}

func testAppendVerifyProveExportForget(t *testing.T, driver string) {
	l, key := testLedger(t, Config{Driver: driver})
	ctx := context.Background()
	rs := fill(t, l, 300)
	seen := map[uint64]bool{}
	for _, r := range rs {
		if seen[r.Index] {
			t.Fatalf("index %d given twice", r.Index)
		}
		seen[r.Index] = true
		if _, err := openCheckpoint([]byte(r.Checkpoint), key, ""); err != nil {
			t.Fatalf("receipt checkpoint: %v", err)
		}
	}
	rep, err := Verify(ctx, l.Dir(), key, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Size != 300 {
		t.Fatalf("verify: size %d, problems %v", rep.Size, rep.Problems)
	}
	if rep.Incidents != 50 || rep.Overrides != 50 || rep.Serious != 25 {
		t.Errorf("counts: incidents %d (serious %d), overrides %d", rep.Incidents, rep.Serious, rep.Overrides)
	}
	if rep.Checkpoints < 2 {
		t.Errorf("only %d checkpoints checked", rep.Checkpoints)
	}

	p, err := NewProver(ctx, l.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{0, 1, 255, 256, 299} {
		pr, err := p.Prove(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseProof(pr.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := VerifyProof(back, key, ""); err != nil {
			t.Fatalf("proof %d: %v", i, err)
		}
		back.Index++
		if _, _, err := VerifyProof(back, key, ""); err == nil {
			t.Errorf("proof %d accepted at index %d", i, back.Index)
		}
	}

	// the plaintext is in the export, not in the log
	var got []*Exported
	q := Query{Types: []string{TypeInference}, Decision: "approve", ModelVersion: "v0", Proofs: true}
	if err := Export(ctx, l.Dir(), q, func(x *Exported) error { got = append(got, x); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("export selected nothing")
	}
	var forgotten string
	for _, x := range got {
		if x.Event["model_version"] != "v0" || x.Proof == "" {
			t.Fatalf("export: %+v", x)
		}
		in, ok := x.Event["input"].(map[string]any)
		if !ok || in["income"] == nil {
			t.Fatalf("input not revealed: %v", x.Event["input"])
		}
		forgotten, _ = x.Event["subject"].(string)
	}
	raw, _ := p.Entry(ctx, got[0].Index)
	if strings.Contains(string(raw), "income") || strings.Contains(string(raw), "person-") {
		t.Fatalf("personal data in the log: %s", raw)
	}
	n, err := l.Forget(forgotten)
	if err != nil || n == 0 {
		t.Fatalf("forget %q: %d keys, %v", forgotten, n, err)
	}
	erased := 0
	if err := Export(ctx, l.Dir(), q, func(x *Exported) error {
		if x.Event["subject"] == Erased {
			erased++
			if x.Event["input"] != Erased {
				t.Errorf("input of a forgotten subject: %v", x.Event["input"])
			}
			pr, err := ParseProof([]byte(x.Proof))
			if err != nil {
				return err
			}
			if _, _, err := VerifyProof(pr, key, ""); err != nil {
				t.Errorf("proof after forget: %v", err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if erased == 0 {
		t.Error("nothing erased after forget")
	}
	if rep, err := Verify(ctx, l.Dir(), key, VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("verify after forget: %v %v", err, rep.Problems)
	}
}

func TestAppendRejects(t *testing.T) {
	l, _ := testLedger(t, Config{})
	for _, tc := range []struct{ name, in, want string }{
		{"no type", `{"time":"2026-11-01T00:00:00Z"}`, `no "type"`},
		{"unknown type", `{"type":"x","time":"2026-11-01T00:00:00Z"}`, `unknown type "x"`},
		{"missing field", `{"type":"incident","time":"2026-11-01T00:00:00Z","severity":"low","description":"d"}`, "incident_id"},
		{"bad time", `{"type":"config_change","time":"yesterday","setting":"s"}`, "/time"},
		{"extra field", `{"type":"config_change","time":"2026-11-01T00:00:00Z","setting":"s","x":1}`, "x"},
		{"duplicate key", `{"type":"config_change","type":"incident","time":"2026-11-01T00:00:00Z","setting":"s"}`, "duplicate key"},
		{"personal without subject", `{"type":"inference_decision","time":"2026-11-01T00:00:00Z","model_version":"v","decision":"d","input":[1]}`, "needs a \"subject\""},
		{"trailing data", `{"type":"config_change","time":"2026-11-01T00:00:00Z","setting":"s"} {}`, "after the JSON value"},
		{"huge int", `{"type":"data_update","time":"2026-11-01T00:00:00Z","dataset":"d","records":90071992547409930}`, "2^53"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.AppendJSON(context.Background(), []byte(tc.in))
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func hexLeaf(data []byte) string { return fmt.Sprintf("%x", LeafHash(data)) }

func publicPEM(t testing.TB, k *PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestRetentionPrune(t *testing.T) { forDrivers(t, testRetentionPrune) }

func testRetentionPrune(t *testing.T, driver string) {
	l, key := testLedger(t, Config{Driver: driver, Retention: "720h"}) // 30 days
	ctx := context.Background()
	for _, at := range []string{"2026-09-15T10:00:00Z", "2026-10-20T10:00:00Z", "2026-11-25T10:00:00Z"} {
		ev := fmt.Sprintf(`{"type":"human_override","time":%q,"request_id":"r","decision":"approve","operator":"carol"}`, at)
		if _, err := l.AppendJSON(ctx, []byte(ev)); err != nil {
			t.Fatal(err)
		}
	}
	// at 2026-12-03 minus 30 days (2026-11-03), September and October have ended
	n, err := Prune(l.Dir(), time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 2 {
		t.Fatalf("prune: %d keys, %v; want 2", n, err)
	}
	var ops []any
	if err := Export(ctx, l.Dir(), Query{}, func(x *Exported) error { ops = append(ops, x.Event["operator"]); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 3 || ops[0] != Erased || ops[1] != Erased || ops[2] != "carol" {
		t.Fatalf("after prune: %v", ops)
	}
	if rep, err := Verify(ctx, l.Dir(), key, VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("verify after prune: %v %v", err, rep.Problems)
	}
	// no retention: prune deletes nothing
	l2, _ := testLedger(t, Config{Driver: driver})
	if n, err := Prune(l2.Dir(), time.Now().AddDate(5, 0, 0)); err != nil || n != 0 {
		t.Fatalf("prune without retention: %d %v", n, err)
	}
}

func TestConfigRefuses(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{Origin: "o.example/l", Driver: "aws"}, "not built into"},
		{Config{Origin: "o.example/l", Driver: "mysql", DSNEnv: "AIASSURE_TEST_UNSET_DSN"}, "$AIASSURE_TEST_UNSET_DSN, which is not set"},
		{Config{Origin: "o.example/l", Driver: "mysql", DSNEnv: "NO SUCH"}, "not an environment variable"},
		{Config{Origin: "o.example/l", Driver: "mysql", CheckpointInterval: Duration(500 * time.Millisecond)}, "1s"},
		{Config{Origin: "o.example/l", DSNEnv: "X"}, "dsn_env is for driver"},
		{Config{Origin: "o.example/l", Driver: "floppy"}, "unknown driver"},
		{Config{Origin: "has space"}, "origin"},
		{Config{Origin: "o.example/l", Retention: "forever"}, "retention"},
		{Config{Origin: "o.example/l", CheckpointInterval: Duration(time.Millisecond)}, "minimum"},
	} {
		err := Init(context.Background(), t.TempDir(), tc.c)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.c, err, tc.want)
		}
	}
	dir := t.TempDir()
	if err := Init(context.Background(), dir, Config{Origin: "o.example/l"}); err != nil {
		t.Fatal(err)
	}
	if err := Init(context.Background(), dir, Config{Origin: "o.example/l"}); err == nil || !strings.Contains(err.Error(), "already holds a ledger") {
		t.Errorf("second init: %v", err)
	}
	if _, err := Open(context.Background(), t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "no ledger") {
		t.Errorf("open of an empty directory: %v", err)
	}
	ec, _ := lineage.GenerateKey(lineage.KeyECDSAP256)
	if _, err := Open(context.Background(), dir, Options{Signer: ec}); err == nil || !strings.Contains(err.Error(), "Ed25519") {
		t.Errorf("open with an ECDSA key: %v", err)
	}
}
