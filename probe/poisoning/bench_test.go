package poisoning

import (
	"context"
	"testing"
)

// BenchmarkScan is every check on breast-cancer (569 rows, 30 features)
// with 5% flipped labels, 20 duplicates and 15 trigger rows planted: five
// reference models, all-pairs near duplicates, Mahalanobis, spectral.
func BenchmarkScan(b *testing.B) {
	c, _ := corrupt(breastCancer(b), 0.05, 10, 15, 1)
	for b.Loop() {
		if _, err := Scan(context.Background(), c, Options{Seed: 3}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanCreditG is the scan of credit-g (1000 rows, 61 features
// after one-hot encoding).
func BenchmarkScanCreditG(b *testing.B) {
	d := creditG(b)
	for b.Loop() {
		if _, err := Scan(context.Background(), d, Options{Seed: 3}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGate is the gate on a 70/30 split of breast-cancer, retraining
// comparison included.
func BenchmarkGate(b *testing.B) {
	ref, cand := split(breastCancer(b), 0.3, 1)
	for b.Loop() {
		if _, err := Gate(context.Background(), ref, cand, GateOptions{Scan: Options{Seed: 1}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKS is one two-sample KS test on 400 against 169 values.
func BenchmarkKS(b *testing.B) {
	d := breastCancer(b)
	a, c := make([]float64, 400), make([]float64, d.N-400)
	for i := range d.N {
		if i < 400 {
			a[i] = d.X[i*d.D]
		} else {
			c[i-400] = d.X[i*d.D]
		}
	}
	for b.Loop() {
		KS(a, c)
	}
}

// BenchmarkScanActivations: both activation checks on the back-doored
// CNN's 128 penultimate activations of the 1,347 training images against
// the 450 test images (activations computed once, outside the loop).
func BenchmarkScanActivations(b *testing.B) {
	m := loadModel(b, "cnn-trojan.onnx")
	train, test := digits(b, "train-poisoned.csv"), digits(b, "test-clean.csv")
	tr, rf := activationsOf(b, m, train, train.Y), activationsOf(b, m, test, test.Y)
	for b.Loop() {
		if _, err := ScanActivations(context.Background(), tr, rf, ActivationOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
