package poisoning

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestDriftMatchesScipy recomputes the KS, PSI and chi-square numbers that
// tools/make_poisoned_data.py got from scipy and numpy on the same rows.
func TestDriftMatchesScipy(t *testing.T) {
	b, err := os.ReadFile("testdata/drift_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Case     string `json:"case"`
			Features []struct {
				Feature string  `json:"feature"`
				D       float64 `json:"ks_d"`
				PAsymp  float64 `json:"ks_p_asymp"`
				PScipy  float64 `json:"ks_p_scipy"`
				PSI     float64 `json:"psi"`
			} `json:"features"`
		} `json:"cases"`
		Labels struct {
			Reference, Candidate []int
			Chi2, P, TV          float64
			DoF                  int
		} `json:"labels"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	d := breastCancer(t)
	worst := 0.0
	for _, c := range ref.Cases {
		for j, f := range c.Features {
			a, bb := make([]float64, 400), make([]float64, d.N-400)
			for i := range d.N {
				v := d.X[i*d.D+j]
				if i < 400 {
					a[i] = v
				} else {
					if c.Case == "scaled-1.1" {
						v = float64(float32(v) * float32(1.1))
					}
					bb[i-400] = v
				}
			}
			ks, p := KS(a, bb)
			psi := PSI(a, bb)
			if math.Abs(ks-f.D) > 1e-12 || math.Abs(p-f.PAsymp) > 1e-9*max(1, f.PAsymp) || math.Abs(psi-f.PSI) > 1e-9 {
				t.Errorf("%s %s: KS %.15g p %.15g PSI %.15g, scipy/numpy %.15g %.15g %.15g", c.Case, f.Feature, ks, p, psi, f.D, f.PAsymp, f.PSI)
			}
			worst = max(worst, math.Abs(p-f.PScipy))
		}
	}
	t.Logf("largest gap between the asymptotic p-value and ks_2samp's default (exact or kstwo) p-value: %.3f", worst)
	l := ref.Labels
	tv, chi2, dof, p := LabelShift(l.Reference, l.Candidate)
	if math.Abs(tv-l.TV) > 1e-12 || math.Abs(chi2-l.Chi2) > 1e-9 || dof != l.DoF || math.Abs(p-l.P) > 1e-9*l.P {
		t.Errorf("labels: tv %g chi2 %g dof %d p %g, scipy %g %g %d %g", tv, chi2, dof, p, l.TV, l.Chi2, l.DoF, l.P)
	}
}

func TestStatsEdges(t *testing.T) {
	if d, p := KS(nil, []float64{1}); d != 0 || p != 1 {
		t.Errorf("empty KS: %g %g", d, p)
	}
	if d, p := KS([]float64{1, 2, 3}, []float64{1, 2, 3}); d != 0 || p != 1 {
		t.Errorf("equal KS: %g %g", d, p)
	}
	if d, _ := KS([]float64{1, 2}, []float64{3, 4}); d != 1 {
		t.Errorf("disjoint KS: %g", d)
	}
	if v := PSI([]float64{5, 5, 5}, []float64{5, 5}); v != 0 {
		t.Errorf("constant PSI: %g", v)
	}
	for _, c := range []struct{ x, k, want float64 }{{3.841458820694124, 1, 0.05}, {18.307038053275146, 10, 0.05}, {0.5, 3, 0.918891411654676}} {
		if got := chi2SF(c.x, c.k); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("chi2SF(%g, %g) = %.15g, want %.15g", c.x, c.k, got, c.want)
		}
	}
}
