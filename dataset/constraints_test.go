package dataset

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/model"
)

func tensor(rows int, data ...float32) *model.Tensor {
	return &model.Tensor{Shape: []int{rows, len(data) / rows}, Data: data}
}

func TestProject(t *testing.T) {
	inf := math.Inf(1)
	// Features: 0 real [0,1]; 1 integer [1,4]; 2..4 one-hot group (4 may not be 1);
	// 5 immutable; 6..7 group with an immutable member.
	c := &Constraints{
		Min:       []float64{0, 1, 0, 0, 0, -inf, 0, 0},
		Max:       []float64{1, 4, 1, 1, 0, inf, 1, 1},
		Integer:   []bool{false, true, true, true, true, false, true, true},
		Immutable: []bool{false, false, false, false, false, true, false, true},
		Groups:    []Group{{"g", []int{2, 3, 4}}, {"h", []int{6, 7}}},
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	x0 := tensor(2,
		0.5, 2, 1, 0, 0, 7, 0, 1,
		0.5, 2, 0, 1, 0, -3, 1, 0)
	x := tensor(2,
		1.7, 2.6, 0.2, 0.7, 0.9, 8, 0.9, 0.1,
		float32(math.NaN()), 9, 0.5, 0.5, 5, 0, 0, 0)
	if err := c.Project(x, x0); err != nil {
		t.Fatal(err)
	}
	want := tensor(2,
		1, 3, 0, 1, 0, 7, 0, 1,
		0.5, 4, 1, 0, 0, -3, 1, 0)
	if diff := cmp.Diff(want, x); diff != "" {
		t.Errorf("Project (-want +got):\n%s", diff)
	}
	if err := c.Check(x, x0, 1e-6); err != nil {
		t.Errorf("projected batch infeasible: %v", err)
	}
	if err := c.Project(x, nil); err == nil || !strings.Contains(err.Error(), "need the original") {
		t.Errorf("nil x0 with immutables: err = %v", err)
	}
	if err := c.Project(tensor(1, 1, 2), nil); err == nil {
		t.Error("wrong row length accepted")
	}
	// A group member that cannot be 0 wins whatever the values say.
	c3 := &Constraints{Min: []float64{0, 1}, Max: []float64{1, 1}, Integer: []bool{false, false}, Immutable: []bool{false, false}, Groups: []Group{{"f", []int{0, 1}}}}
	if err := c3.Validate(); err != nil {
		t.Fatal(err)
	}
	x3 := tensor(1, 0.9, 0.1)
	if err := c3.Project(x3, nil); err != nil || !slices.Equal(x3.Data, []float32{0, 1}) || c3.Check(x3, nil, 0) != nil {
		t.Errorf("forced member: %v, %v", x3.Data, err)
	}
	// Integer feature whose range has non-integer ends.
	c2 := &Constraints{Min: []float64{0.5}, Max: []float64{2.5}, Integer: []bool{true}, Immutable: []bool{false}}
	x2 := tensor(3, 0, 2.5, 100)
	c2.Project(x2, nil)
	if !slices.Equal(x2.Data, []float32{1, 2, 2}) {
		t.Errorf("rounded within range: %v", x2.Data)
	}
}

// TestProjectExamples perturbs every example's test data with large noise
// and checks that Project restores feasibility.
func TestProjectExamples(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			c, err := LoadConstraints(filepath.Join(exampleDir(ex), "features.json"))
			if err != nil {
				t.Fatal(err)
			}
			d, err := Load(context.Background(), filepath.Join(exampleDir(ex), "test.csv"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			x := d.X.Clone()
			rng := newRand(1)
			for i := range x.Data {
				x.Data[i] += float32(rng.NormFloat64() * 50)
			}
			if err := c.Check(x, d.X, 1e-6); err == nil {
				t.Fatal("noise left the data feasible; the test proves nothing")
			}
			if err := c.Project(x, d.X); err != nil {
				t.Fatal(err)
			}
			if err := c.Check(x, d.X, 1e-6); err != nil {
				t.Errorf("after Project: %v", err)
			}
			// Projecting feasible data leaves it unchanged.
			y := d.X.Clone()
			c.Project(y, d.X)
			if !slices.Equal(y.Data, d.X.Data) {
				t.Error("Project changed feasible data")
			}
		})
	}
}

func TestParseConstraints(t *testing.T) {
	c, err := LoadConstraints(filepath.Join(exampleDir("credit-scoring"), "features.json"))
	if err != nil {
		t.Fatal(err)
	}
	idx := func(n string) int { return slices.Index(c.Features, n) }
	if len(c.Groups) != 13 || !c.Integer[idx("age")] || !c.Immutable[idx("age")] || c.Immutable[idx("duration")] {
		t.Errorf("credit constraints: %d groups, age integer %v immutable %v", len(c.Groups), c.Integer[idx("age")], c.Immutable[idx("age")])
	}
	img, err := LoadConstraints(filepath.Join(exampleDir("border-biometrics"), "features.json"))
	if err != nil {
		t.Fatal(err)
	}
	if img.Image == nil || img.Image.Height != 8 || img.Image.Max != 1 || img.Max[63] != 1 {
		t.Errorf("image constraints: %+v", img.Image)
	}
	for _, tc := range []struct{ in, err string }{
		{`{"features": []}`, "no features"},
		{`{"features": [{"name": "a", "min": 2, "max": 1}]}`, "is empty"},
		{`{"features": [{"name": "a"}, {"name": "a"}]}`, "twice"},
		{`{"features": [{"name": "a"}], "integer": ["b"]}`, `unknown feature "b"`},
		{`{"features": [{"name": "a", "type": "text"}]}`, "unknown type"},
		{`{"features": [{"name": "a"}], "one_hot_groups": [{"name": "g", "features": []}]}`, "empty"},
		{`{"features": [{"name": "a"}], "one_hot_groups": [{"name": "g", "features": ["a"]}, {"name": "h", "features": ["a"]}]}`, "two one-hot groups"},
		{`{"features": [{"name": "a"}], "image": {"channels": 1, "height": 2, "width": 2}}`, "does not match"},
		{`{"features": [{"name": "a", "min": 2, "group": "g"}, {"name": "b", "group": "g"}]}`, "admits neither 0 nor 1"},
		{`{"features": [{"name": "a", "min": 1, "group": "g"}, {"name": "b", "min": 0.5, "group": "g"}]}`, "both cannot be 0"},
		{`{"features": [{"name": "a", "max": 0, "group": "g"}, {"name": "b", "max": 0.5, "group": "g"}]}`, "no member's range admits 1"},
		{`[`, "features file"},
	} {
		if _, err := ParseConstraints([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.in, err, tc.err)
		}
	}
	// Groups from the per-feature "group" field when one_hot_groups is absent.
	g, err := ParseConstraints([]byte(`{"features": [{"name": "a", "group": "g"}, {"name": "b"}, {"name": "c", "group": "g"}]}`))
	if err != nil || len(g.Groups) != 1 || !slices.Equal(g.Groups[0].Columns, []int{0, 2}) {
		t.Errorf("groups from fields: %+v, %v", g, err)
	}
}

func TestInfer(t *testing.T) {
	d := &Dataset{Info: Info{Features: []string{"a", "b"}, Shape: []int{2}, Label: "label"},
		X: tensor(3, 1, 0.5, 3, 2, 2, -1), Y: []int{0, 1, 0}}
	c, err := Infer(context.Background(), d.Reader(), InferOptions{Integers: true, Immutable: []string{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Min, []float64{1, -1}) || !slices.Equal(c.Max, []float64{3, 2}) ||
		!slices.Equal(c.Integer, []bool{true, false}) || !slices.Equal(c.Immutable, []bool{false, true}) {
		t.Errorf("inferred %+v", c)
	}
	if _, err := Infer(context.Background(), d.Reader(), InferOptions{Immutable: []string{"z"}}); err == nil {
		t.Error("unknown immutable accepted")
	}
}

func TestSample(t *testing.T) {
	n := 100
	x := make([]float32, n)
	y := make([]int, n)
	for i := range n {
		x[i] = float32(i)
		if i >= 80 {
			y[i] = 1
		}
	}
	d := &Dataset{Info: Info{Shape: []int{1}, Label: "label"}, X: &model.Tensor{Shape: []int{n, 1}, Data: x}, Y: y}
	a, _ := d.Sample(10, 42)
	b, _ := d.Sample(10, 42)
	c, _ := d.Sample(10, 43)
	if !slices.Equal(a.X.Data, b.X.Data) {
		t.Error("same seed, different samples")
	}
	if slices.Equal(a.X.Data, c.X.Data) {
		t.Error("different seeds, same sample")
	}
	if a.Len() != 10 || !slices.IsSorted(a.X.Data) || len(slices.Compact(slices.Clone(a.X.Data))) != 10 {
		t.Errorf("sample %v: want 10 distinct rows in order", a.X.Data)
	}
	for i, v := range a.X.Data {
		if a.Y[i] != y[int(v)] {
			t.Fatal("labels do not follow their rows")
		}
	}
	s, err := d.SampleStratified(10, 7)
	if err != nil {
		t.Fatal(err)
	}
	ones := 0
	for _, v := range s.Y {
		ones += v
	}
	if s.Len() != 10 || ones != 2 {
		t.Errorf("stratified: %d rows, %d of class 1; want 10 and 2", s.Len(), ones)
	}
	s2, _ := d.SampleStratified(7, 7) // 5.6 and 1.4: class 0 gets the extra one
	ones = 0
	for _, v := range s2.Y {
		ones += v
	}
	if s2.Len() != 7 || ones != 1 {
		t.Errorf("stratified 7: %d rows, %d of class 1", s2.Len(), ones)
	}
	all, _ := d.Sample(1000, 1)
	if all.Len() != n {
		t.Errorf("oversized sample has %d rows", all.Len())
	}
	r1, err := SampleReader(context.Background(), d.Reader(), 10, 5)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := SampleReader(context.Background(), d.Reader(), 10, 5)
	if r1.Len() != 10 || !slices.Equal(r1.X.Data, r2.X.Data) || !slices.IsSorted(r1.X.Data) {
		t.Errorf("reservoir sample %v / %v", r1.X.Data, r2.X.Data)
	}
	if _, err := (&Dataset{X: d.X}).SampleStratified(3, 1); err == nil {
		t.Error("stratified sample of unlabelled data accepted")
	}
}
