package ledger

import (
	"context"
	"testing"
)

// benchLedger makes a ledger of 2000 entries for one benchmark.
func benchLedger(b *testing.B) (string, *PublicKey) {
	l, k := testLedger(b, Config{})
	fill(b, l, 2000)
	l.Close(context.Background())
	return l.Dir(), k
}

func BenchmarkProve(b *testing.B) {
	dir, _ := benchLedger(b)
	p, err := NewProver(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := p.Prove(context.Background(), uint64(i*7919)%p.Size()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyProof(b *testing.B) {
	dir, key := benchLedger(b)
	p, _ := NewProver(context.Background(), dir)
	pr, err := p.Prove(context.Background(), 1234)
	if err != nil {
		b.Fatal(err)
	}
	raw := pr.Marshal()
	b.ResetTimer()
	for b.Loop() {
		q, err := ParseProof(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := VerifyProof(q, key, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyLedger(b *testing.B) {
	dir, key := benchLedger(b)
	b.ResetTimer()
	for b.Loop() {
		rep, err := Verify(context.Background(), dir, key, VerifyOptions{})
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Problems)
		}
	}
	b.ReportMetric(2000, "entries/op")
}

// BenchmarkAppend appends from 256 goroutines per CPU at once, without
// HTTP: what the ledger itself sustains (durable appends, no personal data),
// on each driver.
func BenchmarkAppend(b *testing.B) {
	for _, d := range testDrivers {
		b.Run(d, func(b *testing.B) { benchAppend(b, d) })
	}
}

func benchAppend(b *testing.B, driver string) {
	l, _ := testLedger(b, Config{Driver: driver})
	ev := []byte(`{"type":"inference_decision","time":"2026-12-03T10:00:00Z","model_version":"v3","request_id":"r1","decision":"approve","score":0.91}`)
	b.SetParallelism(256)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.AppendJSON(context.Background(), ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
