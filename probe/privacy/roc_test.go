package privacy

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestROCAgainstSklearn recomputes the cases of testdata/roc_reference.json
// (scikit-learn's roc_auc_score and roc_curve, written by
// tools/make_privacy_models.py) and requires agreement within 1e-9.
func TestROCAgainstSklearn(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "roc_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Name   string    `json:"name"`
			Labels []int     `json:"labels"`
			Scores []float64 `json:"scores"`
			AUC    float64   `json:"roc_auc"`
			T001   float64   `json:"tpr_at_fpr_0.001"`
			T01    float64   `json:"tpr_at_fpr_0.01"`
			T1     float64   `json:"tpr_at_fpr_0.1"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 5 {
		t.Fatalf("%d reference cases", len(ref.Cases))
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var mem, non []float64
			for i, l := range c.Labels {
				if l == 1 {
					mem = append(mem, c.Scores[i])
				} else {
					non = append(non, c.Scores[i])
				}
			}
			r := rocOf(mem, non, 0, 1)
			for _, x := range []struct {
				what      string
				got, want float64
			}{
				{"roc_auc", r.AUC, c.AUC}, {"tpr@0.001", r.TPR001, c.T001}, {"tpr@0.01", r.TPR01, c.T01},
				{"tpr@0.1", r.TPRAt(0.1), c.T1}, {"curve tpr@0.01", r.TPRAt(0.01), c.T01},
			} {
				if math.Abs(x.got-x.want) > 1e-9 {
					t.Errorf("%s = %.12g, scikit-learn %.12g", x.what, x.got, x.want)
				}
			}
		})
	}
}

func TestROCBootstrap(t *testing.T) {
	mem := []float64{0.9, 0.8, 0.75, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2}
	non := []float64{0.85, 0.65, 0.45, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05}
	a := rocOf(mem, non, 500, 3)
	b := rocOf(mem, non, 500, 3)
	if a.AUCCI != b.AUCCI || a.TPR01CI != b.TPR01CI {
		t.Fatal("bootstrap is not deterministic")
	}
	if !(a.AUCCI.Lo <= a.AUC && a.AUC <= a.AUCCI.Hi) || a.AUCCI.Hi-a.AUCCI.Lo < 0.05 {
		t.Errorf("AUC %.3f interval [%.3f, %.3f]", a.AUC, a.AUCCI.Lo, a.AUCCI.Hi)
	}
	if a.MinFPR != 0.1 {
		t.Errorf("min FPR %g, want 0.1", a.MinFPR)
	}
	c := rocOf(mem, non, 500, 4)
	if c.AUCCI == a.AUCCI {
		t.Error("another seed gave the same interval")
	}
	// NaN scores rank lowest and do not break the curve.
	n := rocOf([]float64{math.NaN(), 1}, []float64{0.5, math.NaN()}, 10, 1)
	if n.AUC != 0.625 {
		t.Errorf("AUC with NaN scores %g, want 0.625", n.AUC)
	}
	last := n.Curve[len(n.Curve)-1]
	if last != (ROCPoint{1, 1}) {
		t.Errorf("curve ends at %v", last)
	}
}

func TestThin(t *testing.T) {
	var c []ROCPoint
	for i := range 5000 {
		f := float64(i) / 4999
		c = append(c, ROCPoint{f, math.Sqrt(f)})
	}
	th := thin(c)
	if len(th) > maxCurve+1 || th[len(th)-1] != c[len(c)-1] || th[1] != c[1] {
		t.Fatalf("thin kept %d points, last %v", len(th), th[len(th)-1])
	}
	for i := 1; i < len(th); i++ {
		if th[i].FPR < th[i-1].FPR {
			t.Fatal("thinned curve is not in FPR order")
		}
	}
}
