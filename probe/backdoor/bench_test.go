package backdoor

import (
	"context"
	"testing"
)

// BenchmarkCheck runs both checks with the defaults on 225 clean images and
// 405 suspects.
func BenchmarkCheck(b *testing.B) {
	for _, fam := range []string{"cnn", "mlp"} {
		b.Run(fam, func(b *testing.B) {
			x, _ := digits(b, "test-clean.csv", shapeOf(fam)...)
			trig, _ := digits(b, "test-triggered.csv", shapeOf(fam)...)
			cal, _ := halves(x)
			m := load(b, fam+"-trojan.onnx")
			for b.Loop() {
				if _, err := Check(context.Background(), m, cal, nil, Config{Seed: 1, Suspect: trig}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSTRIP runs STRIP alone: 630 inputs, 20 blends each.
func BenchmarkSTRIP(b *testing.B) {
	x, _ := digits(b, "test-clean.csv", 1, 8, 8)
	trig, _ := digits(b, "test-triggered.csv", 1, 8, 8)
	cal, _ := halves(x)
	m := load(b, "cnn-trojan.onnx")
	for b.Loop() {
		if _, err := Check(context.Background(), m, cal, nil, Config{Seed: 1, Suspect: trig, NoCleanse: true}); err != nil {
			b.Fatal(err)
		}
	}
}
