package backdoor

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestAnomalyIndex checks the MAD-based anomaly index against cases worked
// by hand.
func TestAnomalyIndex(t *testing.T) {
	cases := []struct {
		name     string
		v        []float64
		med, mad float64
		index    []float64
	}{
		// median 3; deviations 2 1 0 1 97, their median 1.
		{"odd", []float64{1, 2, 3, 4, 100}, 3, 1.4826, []float64{2 / 1.4826, 1 / 1.4826, 0, 1 / 1.4826, 97 / 1.4826}},
		// median 11.5; deviations 10.5 1.5 0.5 0.5 1.5 2.5, their median 1.5.
		{"even", []float64{1, 10, 11, 12, 13, 14}, 11.5, 1.5 * 1.4826,
			[]float64{10.5 / 2.2239, 1.5 / 2.2239, 0.5 / 2.2239, 0.5 / 2.2239, 1.5 / 2.2239, 2.5 / 2.2239}},
		// more than half equal: MAD 0, the odd one out is infinitely far.
		{"mad-zero", []float64{5, 5, 5, 1}, 5, 0, []float64{0, 0, 0, math.Inf(1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idx, med, mad := AnomalyIndex(c.v)
			if math.Abs(med-c.med) > 1e-12 || math.Abs(mad-c.mad) > 1e-12 {
				t.Errorf("median %g, MAD %g; want %g, %g", med, mad, c.med, c.mad)
			}
			for i, w := range c.index {
				if idx[i] != w && math.Abs(idx[i]-w) > 1e-9 {
					t.Errorf("index[%d] = %g, want %g", i, idx[i], w)
				}
			}
		})
	}
}

// TestStatsReference recomputes scipy's negative hypergeometric tail and
// scikit-learn's ROC AUC (testdata/stats_reference.json, written by
// tools/make_backdoor_models.py).
func TestStatsReference(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "stats_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Tail []struct {
			N, K, M, C int
			P          float64
		}
		AUC []struct {
			Clean, Suspect []float64
			AUC            float64
		}
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Tail) == 0 || len(ref.AUC) == 0 {
		t.Fatal("empty reference")
	}
	for _, c := range ref.Tail {
		if got := exceedP(c.N, c.K, c.M, c.C); math.Abs(got-c.P) > 1e-9*max(1, c.P) && math.Abs(got-c.P)/c.P > 1e-9 {
			t.Errorf("exceedP(n=%d, k=%d, m=%d, c=%d) = %.12g, scipy %.12g", c.N, c.K, c.M, c.C, got, c.P)
		}
	}
	for i, c := range ref.AUC {
		if got := AUC(c.Clean, c.Suspect); math.Abs(got-c.AUC) > 1e-12 {
			t.Errorf("case %d: AUC %.15g, sklearn %.15g", i, got, c.AUC)
		}
	}
	// One suspect below the k-th of n clean values: probability k/(n+1).
	if p := exceedP(199, 2, 1, 1); math.Abs(p-0.01) > 1e-12 {
		t.Errorf("exceedP(199, 2, 1, 1) = %g, want 0.01", p)
	}
}
