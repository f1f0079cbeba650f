package ledger

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

func TestCheck(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	if rs, err := Check(context.Background(), &profile.Profile{}, c, now); err != nil || rs != nil {
		t.Fatalf("no ledger in the profile: %v %v", rs, err)
	}
	l, key := testLedger(t, Config{})
	fill(t, l, 12)
	l.Close(context.Background())
	pubPEM := publicPEM(t, key)
	dir := l.Dir()
	os.WriteFile(filepath.Join(dir, "..", "ledger.pub"), pubPEM, 0o644)
	p := &profile.Profile{Path: filepath.Join(dir, "..", "profile.yaml")}
	p.Artefacts.Ledger = filepath.Base(dir)
	p.Artefacts.LedgerPublicKey = "ledger.pub"

	rs, err := Check(context.Background(), p, c, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Status != aiassure.Pass || rs[1].Status != aiassure.Pass {
		t.Fatalf("a good ledger: %+v", rs)
	}
	if rs[0].Controls[0] != "c-log-integrity" || rs[1].Controls[0] != "c-event-logging" || rs[0].Check != "log" {
		t.Errorf("controls: %v %v check %s", rs[0].Controls, rs[1].Controls, rs[0].Check)
	}
	if rs[1].Metrics["incidents"] != 2 || rs[1].Metrics["human_overrides"] != 2 || rs[1].Metrics["entries"] != 12 {
		t.Errorf("metrics: %v", rs[1].Metrics)
	}

	// a changed entry fails both
	b := bundlePath(dir, 0, 12)
	mutateFile(t, b, func(d []byte) []byte { d[len(d)-3] ^= 1; return d })
	rs, _ = Check(context.Background(), p, c, now)
	if rs[0].Status != aiassure.Fail || rs[1].Status != aiassure.Fail || rs[0].Reason == "" {
		t.Fatalf("a tampered ledger: %+v", rs)
	}

	// no key: unknown
	p.Artefacts.LedgerPublicKey = ""
	rs, _ = Check(context.Background(), p, c, now)
	if len(rs) != 2 || rs[0].Status != aiassure.Unknown {
		t.Fatalf("no key: %+v", rs)
	}
}
