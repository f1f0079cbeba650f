package availability

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
)

// A fixed-compute model (an MLP) does the same work on every input: the
// honest answer is that no input-dependent work was found.
func TestSpongeFixedCompute(t *testing.T) {
	ex := loadExample(t, "credit-scoring", "mlp.onnx", 30)
	s, err := SearchSponge(context.Background(), ex.model, ex.x, ex.cons, Options{SpongeBudget: 40, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Measure != MeasureWork || s.InputDependent() || s.Distinct != 1 || s.Slowdown != 1 || s.Evaluations != 40 {
		t.Fatalf("sponge %+v: want exactly counted, constant work", s)
	}
	r := SpongeResult(s, 2, "mlp.onnx", nil)
	if r.Status != "pass" || !strings.Contains(r.Summary, "no input-dependent work found") || !strings.Contains(r.Reason, "criterion") {
		t.Errorf("result %q / %q", r.Summary, r.Reason)
	}
}

// A decision tree (scikit-learn, depth 4, on iris) decides setosa at its
// first split and the other classes up to four splits deeper. Given only
// setosa flowers as normal inputs, the search must find, within the feasible
// ranges of iris, inputs that walk the deepest paths; every input it
// reports is feasible, and the same seed gives the same answer.
func TestSpongeDecisionTree(t *testing.T) {
	m, err := onnx.Load(filepath.Join("..", "..", "model", "onnx", "testdata", "ml", "tree_iris.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	setosa := []float32{5.1, 3.5, 1.4, 0.2, 4.9, 3.0, 1.4, 0.2, 4.7, 3.2, 1.3, 0.2, 5.0, 3.6, 1.4, 0.2, 5.4, 3.9, 1.7, 0.4}
	x, _ := model.NewTensor([]int{5, 4}, setosa)
	c := &dataset.Constraints{Features: []string{"sepal_length", "sepal_width", "petal_length", "petal_width"},
		Min: []float64{4.3, 2.0, 1.0, 0.1}, Max: []float64{7.9, 4.4, 6.9, 2.5}, Integer: make([]bool, 4), Immutable: make([]bool, 4)}
	run := func() *Sponge {
		s, err := SearchSponge(context.Background(), m, x, c, Options{SpongeBudget: 80, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := run()
	t.Logf("tree_iris: normal %g, worst %g from %s, slowdown %.3f, %d distinct", s.Normal, s.Worst, s.WorstFrom, s.Slowdown, s.Distinct)
	// 4 output elements per row plus the nodes visited: 2 on setosa's
	// path, 5 on the deepest.
	if !s.InputDependent() || s.Normal != 6 || s.Worst != 9 || s.WorstFrom == "data" {
		t.Fatalf("sponge %+v: want normal work 6 and the deepest path (work 9) found by the search", s)
	}
	wx := &model.Tensor{Shape: []int{1, 4}, Data: s.WorstInput}
	if err := c.Check(wx, nil, 1e-6); err != nil {
		t.Errorf("the worst input is not feasible: %v", err)
	}
	if s2 := run(); s2.Worst != s.Worst || s2.Evaluations != s.Evaluations || !equal(s2.WorstInput, s.WorstInput) {
		t.Errorf("the search is not deterministic: %+v vs %+v", s2, s)
	}
	if r := SpongeResult(s, 2, "tree_iris.onnx", nil); r.Status != "pass" {
		t.Errorf("1.5x is within a 2x criterion: %+v", r)
	}
	if r := SpongeResult(s, 1.2, "tree_iris.onnx", nil); r.Status != "fail" || !strings.Contains(r.Summary, "1.50x") {
		t.Errorf("1.5x exceeds a 1.2x criterion: %+v", r)
	}
}

// A black box whose latency depends on its first feature: the timed search
// (on the fake clock) finds the slow inputs.
func TestSpongeTimed(t *testing.T) {
	clk := &fakeClock{}
	tg := &slowTarget{clk: clk, d: 2}
	x, _ := model.NewTensor([]int{20, 2}, make([]float32, 40))
	for i := range 20 {
		x.Data[2*i], x.Data[2*i+1] = float32(i)/40, 1 // first feature in [0, 0.475]: 1ms
	}
	// The constraints allow the first feature up to 1.5, beyond the data.
	c := &dataset.Constraints{Features: []string{"a", "b"}, Min: []float64{0, 0}, Max: []float64{1.5, 1},
		Integer: make([]bool, 2), Immutable: make([]bool, 2)}
	s, err := SearchSponge(context.Background(), tg, x, c, Options{SpongeBudget: 60, Seed: 3, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	// Normal rows take 1ms; the slowest feasible input 11ms.
	if s.Measure != MeasureSeconds || s.Slowdown < 5 || s.Slowdown > 11+1e-9 || s.WorstInput[0] < 0.9 {
		t.Fatalf("sponge %+v: want a slowdown on inputs with a large first feature", s)
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSpongeCancelledAndBadInput(t *testing.T) {
	ex := loadExample(t, "credit-scoring", "mlp.onnx", 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := SearchSponge(ctx, ex.model, ex.x, ex.cons, Options{SpongeBudget: 40})
	if err != nil || !s.Interrupted {
		t.Fatalf("cancelled search: %+v, %v", s, err)
	}
	if _, err := SearchSponge(context.Background(), ex.model, nil, nil, Options{}); !errors.Is(err, ErrInput) {
		t.Errorf("no rows: %v", err)
	}
	bad := &dataset.Constraints{Features: []string{"a"}, Min: []float64{0}, Max: []float64{1}, Integer: []bool{false}, Immutable: []bool{false}}
	if _, err := SearchSponge(context.Background(), ex.model, ex.x, bad, Options{}); !errors.Is(err, ErrInput) {
		t.Errorf("constraints of another width: %v", err)
	}
}
