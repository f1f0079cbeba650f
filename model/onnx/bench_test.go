package onnx

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// Inference and gradient benchmarks on the example digits models (a 64-64-10
// MLP and a Conv-BN-ReLU-MaxPool CNN), at batch 1 and 256, on one thread and
// on GOMAXPROCS threads. samples/s is the figure to compare with ONNX Runtime.

var benchModels = []struct{ name, path string }{
	{"mlp", filepath.Join("..", "..", "examples", "border-biometrics", "model", "mlp.onnx")},
	{"cnn", filepath.Join("..", "..", "examples", "border-biometrics", "model", "cnn.onnx")},
}

func benchInput(b *testing.B, m *Model, batch int) *model.Tensor {
	shape := append([]int{batch}, m.Info().InputShape...)
	x, err := model.Zeros(shape...)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	return x
}

func BenchmarkPredict(b *testing.B) {
	for _, bm := range benchModels {
		for _, threads := range []int{1, 0} {
			for _, batch := range []int{1, 256} {
				name := fmt.Sprintf("%s/batch=%d/threads=%s", bm.name, batch, threadName(threads))
				b.Run(name, func(b *testing.B) {
					opts := []Option{}
					if threads > 0 {
						opts = append(opts, WithThreads(threads))
					}
					m, err := Load(bm.path, opts...)
					if err != nil {
						b.Skip(err)
					}
					x := benchInput(b, m, batch)
					ctx := context.Background()
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						if _, err := m.Predict(ctx, x); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
				})
			}
		}
	}
}

func BenchmarkGradient(b *testing.B) {
	for _, bm := range benchModels {
		for _, batch := range []int{1, 256} {
			b.Run(fmt.Sprintf("%s/batch=%d", bm.name, batch), func(b *testing.B) {
				m, err := Load(bm.path)
				if err != nil {
					b.Skip(err)
				}
				x := benchInput(b, m, batch)
				ctx := context.Background()
				y, err := m.Predict(ctx, x)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := m.Gradient(ctx, x, y); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

func threadName(n int) string {
	if n == 0 {
		return "max"
	}
	return fmt.Sprint(n)
}
