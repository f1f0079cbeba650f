package privacy

import (
	"context"
	"math/rand/v2"
	"testing"
)

// benchRun runs the suite on the memorising credit model with the given
// attacks and the plans' basic settings.
func benchRun(b *testing.B, attacks ...string) {
	in := testInput(b, "overfit.onnx")
	in.Config = Config{Attacks: attacks, References: 8, Resamples: 1000, Budget: 800, InversionRecords: 200, Seed: 1}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// The reference models dominate the membership attacks: each benchmark
// trains its own 8.
func BenchmarkThreshold(b *testing.B)  { benchRun(b, AttackThreshold) }
func BenchmarkCalibrated(b *testing.B) { benchRun(b, AttackCalibrated) }
func BenchmarkShadow(b *testing.B)     { benchRun(b, AttackShadow) }
func BenchmarkLiRA(b *testing.B)       { benchRun(b, AttackLiRA) }
func BenchmarkRMIA(b *testing.B)       { benchRun(b, AttackRMIA) }
func BenchmarkLabelOnly(b *testing.B)  { benchRun(b, AttackLabelOnly) }
func BenchmarkExtraction(b *testing.B) { benchRun(b, AttackExtraction) }
func BenchmarkInversion(b *testing.B)  { benchRun(b, AttackInversion) }
func BenchmarkSuite(b *testing.B)      { benchRun(b) }

// BenchmarkROC is the ROC of 800 scores with 1000 bootstrap resamples.
func BenchmarkROC(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	mem, non := make([]float64, 400), make([]float64, 400)
	for i := range mem {
		mem[i], non[i] = rng.NormFloat64()+0.5, rng.NormFloat64()
	}
	for b.Loop() {
		rocOf(mem, non, 1000, 1)
	}
}

// BenchmarkTrainMLP trains one reference MLP (16 hidden units, 60 epochs)
// on 500 credit records.
func BenchmarkTrainMLP(b *testing.B) {
	in := testInput(b, "overfit.onnx")
	s, err := toSet(in.Members, "members", in.Members.X.RowLen())
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig().Reference
	t := oneHot(s.y, 2)
	for b.Loop() {
		train(context.Background(), s.x, t, 2, cfg, 1)
	}
}
