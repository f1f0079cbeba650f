package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/probe/evasion"
	"github.com/aiassure/aiassure/profile"
)

func TestPlans(t *testing.T) {
	var prev Plan
	for i, level := range Levels() {
		p, err := PlanFor(level)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", level, err)
		}
		if !p.Has(SuiteMetrics) || !p.Has(SuiteEvasion) {
			t.Errorf("%s: suites %v", level, p.Suites)
		}
		if i > 0 {
			// Stronger as the level rises: more samples, budget, grid.
			if p.Samples < prev.Samples || p.Budget < prev.Budget || len(p.Epsilons) < len(prev.Epsilons) {
				t.Errorf("%s is not at least as strong as %s", level, prev.Level)
			}
		}
		prev = p
	}
	names := func(l string) []string {
		p, _ := PlanFor(l)
		var n []string
		for _, a := range p.Attacks {
			n = append(n, a.Name)
		}
		return n
	}
	if got := names("basic"); !cmp.Equal(got, []string{"fgsm", "square-linf"}) {
		t.Errorf("basic attacks %v", got)
	}
	if got := names("substantial"); !slices.Contains(got, "pgd-linf") || !slices.Contains(got, "deepfool-linf") || !slices.Contains(got, "square-linf") {
		t.Errorf("substantial attacks %v", got)
	}
	var all []string
	for _, a := range evasion.All() {
		all = append(all, a.Name())
	}
	if got := names("high"); !cmp.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(all))) {
		t.Errorf("high attacks %v, want all of %v", got, all)
	}
	if p, _ := PlanFor(""); p.Level != "basic" {
		t.Errorf("default plan %q", p.Level)
	}
	if _, err := PlanFor("extreme"); err == nil {
		t.Error("unknown level accepted")
	}
	// PlanFor returns copies: changing one leaves the table alone.
	p, _ := PlanFor("high")
	p.Attacks[0].Name = "x"
	p.Epsilons[0] = 9
	if q, _ := PlanFor("high"); q.Attacks[0].Name == "x" || q.Epsilons[0] == 9 {
		t.Error("PlanFor shares the table's slices")
	}
}

func TestPlanValidate(t *testing.T) {
	base, _ := PlanFor("basic")
	cases := map[string]func(*Plan){
		"no suite":       func(p *Plan) { p.Suites = nil },
		"bad suite":      func(p *Plan) { p.Suites = []string{"fuzzing"} },
		"one fold":       func(p *Plan) { p.Poisoning.Folds = 1 },
		"limit above 1":  func(p *Plan) { p.Poisoning.Limits.MaxLabelNoise = 1.5 },
		"NaN limit":      func(p *Plan) { p.Poisoning.Limits.MaxDuplicates = math.NaN() },
		"unknown attack": func(p *Plan) { p.Attacks = []AttackSpec{{Name: "cw-l2"}} },
		"no attack":      func(p *Plan) { p.Attacks = nil },
		"zero epsilon":   func(p *Plan) { p.Epsilons = []float64{0} },
		"NaN epsilon":    func(p *Plan) { p.Epsilons = []float64{math.NaN()} },
		"negative steps": func(p *Plan) { p.Attacks[0].Steps = -1 },
		"negative count": func(p *Plan) { p.Samples = -1 },
		"bad basis":      func(p *Plan) { p.Basis = "median" },
	}
	for name, f := range cases {
		p := base.clone()
		f(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p := base.clone()
	p.Suites = []string{SuiteMetrics}
	p.Attacks = nil
	if err := p.Validate(); err != nil {
		t.Errorf("metrics-only plan: %v", err)
	}
}

func TestGrid(t *testing.T) {
	pl, _ := PlanFor("basic")
	eps, j := grid(pl, evasion.Linf, 4, nil)
	if !cmp.Equal(eps, []float64{0.01, 0.02, 0.05, 0.1}) || j.Epsilon != 0.05 || j.MinRobustAccuracy != 0 {
		t.Errorf("linf: %v %+v", eps, j)
	}
	eps, j = grid(pl, evasion.L2, 4, nil)
	if !cmp.Equal(eps, []float64{0.04, 0.08, 0.2, 0.4}) || j.Epsilon != 0.2 {
		t.Errorf("l2: %v %+v", eps, j)
	}
	decl := []profile.Declared{{Metric: "accuracy", Value: 0.9}, {Metric: "robust_accuracy", Value: 0.7, Epsilon: 0.03, Norm: "linf"}}
	eps, j = grid(pl, evasion.Linf, 4, decl)
	if !cmp.Equal(eps, []float64{0.01, 0.02, 0.03, 0.05, 0.1}) || j.Epsilon != 0.03 || j.MinRobustAccuracy != 0.7 || j.Basis != pl.Basis {
		t.Errorf("declared linf: %v %+v", eps, j)
	}
	// A declaration in L∞ does not judge an L2 attack.
	if _, j = grid(pl, evasion.L2, 4, decl); j.MinRobustAccuracy != 0 || j.Epsilon != 0.2 {
		t.Errorf("declared linf judged l2: %+v", j)
	}
}

// load returns an example's model, data reader and constraints.
func load(t *testing.T, example, file string) (*onnx.Model, dataset.Reader, *dataset.Constraints) {
	t.Helper()
	root := filepath.Join("..", "examples", example)
	m, err := onnx.Load(filepath.Join(root, "model", file))
	if err != nil {
		t.Fatal(err)
	}
	c, err := dataset.LoadConstraints(filepath.Join(root, "data", "features.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := dataset.Open(filepath.Join(root, "data", "test.csv"), dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return m, r, c
}

func quick(level string) Plan {
	p, _ := PlanFor(level)
	Quick(&p)
	return p
}

func TestCheckExamples(t *testing.T) {
	// The majority class of each example's test set, counted by hand from
	// its label column: what always answering it achieves.
	majority := map[string]struct {
		rate  float64
		class string
		n     int
	}{
		"minimal-risk":      {15.0 / 45, "setosa", 45},
		"credit-scoring":    {210.0 / 300, "good", 300},
		"medical-diagnosis": {90.0 / 143, "benign", 143},
		"border-biometrics": {46.0 / 450, "subject-1", 450},
	}
	for _, ex := range []string{"minimal-risk", "credit-scoring", "medical-diagnosis", "border-biometrics"} {
		t.Run(ex, func(t *testing.T) {
			p, err := profile.Load(filepath.Join("..", "examples", ex, "profile.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			run := func() []aiassure.Result {
				rs, err := Check(context.Background(), p, nil, WithPlan(Quick))
				if err != nil {
					t.Fatal(err)
				}
				return rs
			}
			rs := run()
			if diff := cmp.Diff(rs, run()); diff != "" {
				t.Errorf("two runs differ (-first +second):\n%s", diff)
			}
			pl, _ := PlanFor(p.Assurance)
			var ev, ens int
			for _, r := range rs {
				// Only an inconclusive verdict (the interval contains the
				// limit) may be unknown.
				if r.Status == aiassure.Unknown && r.Metrics["inconclusive"] != 1 {
					t.Errorf("%s: unknown: %s", r.ID, r.Reason)
				}
				if _, ok := r.Metrics["wall_seconds"]; ok {
					t.Errorf("%s carries a timing", r.ID)
				}
				want := []string{p.Artefacts.Model, p.Artefacts.Data}
				switch {
				case strings.HasPrefix(r.ID, "privacy/"): // the privacy tests rest on the members and non-members
					want = []string{p.Artefacts.Model, p.Artefacts.TrainData, p.Artefacts.HeldoutData}
				case strings.HasPrefix(r.ID, "poisoning/activation-"): // the model's activations on both sets
					want = []string{p.Artefacts.Model, p.Artefacts.Data, p.Artefacts.TrainData}
				case strings.HasPrefix(r.ID, "poisoning/"): // the poisoning checks on the training set
					want = []string{p.Artefacts.TrainData}
				}
				if !cmp.Equal(r.Evidence, want) {
					t.Errorf("%s: evidence %v", r.ID, r.Evidence)
				}
				if strings.HasPrefix(r.ID, "evasion/gradient-masking-") {
					// No example model masks its gradients.
					if r.Status != aiassure.Pass || r.Metrics["tests"] < 1 {
						t.Errorf("%s: %s: %s", r.ID, r.Status, r.Summary)
					}
					continue
				}
				if strings.HasPrefix(r.ID, "evasion/ensemble-") {
					ens++
				} else if strings.HasPrefix(r.ID, "evasion/") {
					ev++
				}
				if strings.HasPrefix(r.ID, "evasion/") {
					checkCurve(t, r)
					checkCriterion(t, r, p.Performance)
					want := majority[ex]
					if math.Abs(r.Metrics["baseline_majority_rate"]-want.rate) > 1e-12 || r.Metrics["baseline_samples"] != float64(want.n) ||
						!strings.Contains(r.Reason, fmt.Sprintf("majority-class rate %.3f (class %s of the test set, n=%d)", want.rate, want.class, want.n)) {
						t.Errorf("%s: baseline %g of %g samples, want %g of %d: %s", r.ID, r.Metrics["baseline_majority_rate"], r.Metrics["baseline_samples"], want.rate, want.n, r.Reason)
					}
				}
			}
			if ev != len(pl.Attacks) {
				t.Errorf("%d evasion results, plan has %d attacks", ev, len(pl.Attacks))
			}
			norms := map[string]int{}
			for _, a := range pl.Attacks {
				x, _ := a.attack()
				norms[string(x.Metric())]++
			}
			want := 0
			for _, c := range norms {
				if c >= 2 {
					want++
				}
			}
			if ens != want {
				t.Errorf("%d ensemble results, want %d (one per norm with two attacks or more)", ens, want)
			}
			if ex == "credit-scoring" {
				i := slices.IndexFunc(rs, func(r aiassure.Result) bool { return r.ID == "metrics/accuracy" })
				if i < 0 || rs[i].Status != aiassure.Fail || rs[i].Metrics["accuracy"] > 0.75 {
					t.Errorf("credit-scoring accuracy (declared 0.75, MLP 0.74) did not fail: %+v", rs)
				}
			}
		})
	}
}

// checkCriterion checks that an evasion Result states the criterion it was
// judged by: the declared robust accuracy of its norm where the profile
// gives one, else the majority-class baseline.
func checkCriterion(t *testing.T, r aiassure.Result, declared []profile.Declared) {
	t.Helper()
	norm := "linf"
	if r.Metrics["norm_l2"] == 1 {
		norm = "l2"
	}
	var need float64
	for _, d := range declared {
		if d.Metric == "robust_accuracy" && normOf(d.Norm) == norm {
			need = d.Value
		}
	}
	want := "criterion: no robust accuracy declared"
	if need > 0 {
		want = fmt.Sprintf("criterion: the declared robust accuracy %.3g", need)
		if r.Metrics["threshold"] != need {
			t.Errorf("%s: threshold %g, declared %g", r.ID, r.Metrics["threshold"], need)
		}
	} else if r.Metrics["threshold"] != r.Metrics["baseline"] {
		t.Errorf("%s: threshold %g, baseline %g", r.ID, r.Metrics["threshold"], r.Metrics["baseline"])
	}
	_, limited := r.Metrics["threshold"]
	if !strings.Contains(r.Reason, want) || limited != strings.Contains(r.Summary, "limit ") {
		t.Errorf("%s: the criterion %q is not stated:\n%s\n%s", r.ID, want, r.Summary, r.Reason)
	}
}

// checkCurve checks the curve keys of an evasion Result.
func checkCurve(t *testing.T, r aiassure.Result) {
	t.Helper()
	norms := 0
	for _, k := range []string{"norm_linf", "norm_l2"} {
		if r.Metrics[k] == 1 {
			norms++
		}
	}
	if norms != 1 {
		t.Errorf("%s: %d norm flags", r.ID, norms)
	}
	points := 0
	for k, v := range r.Metrics {
		e, ok := strings.CutPrefix(k, "robust_accuracy@")
		if !ok {
			continue
		}
		points++
		if _, err := strconv.ParseFloat(e, 64); err != nil {
			t.Errorf("%s: key %q", r.ID, k)
		}
		lo, okl := r.Metrics["robust_accuracy_lo@"+e]
		hi, okh := r.Metrics["robust_accuracy_hi@"+e]
		if !okl || !okh || lo > v || v > hi || lo < 0 || hi > 1 {
			t.Errorf("%s at %s: %g not in [%g, %g]", r.ID, e, v, lo, hi)
		}
	}
	if points < 4 {
		t.Errorf("%s: %d curve points", r.ID, points)
	}
	if r.Status == aiassure.Pass || r.Status == aiassure.Fail {
		if _, ok := r.Metrics["robust_accuracy"]; !ok {
			t.Errorf("%s: judged without robust_accuracy", r.ID)
		}
	}
}

func TestCheckUnknown(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.onnx")
	os.WriteFile(bad, []byte("not a model"), 0o644)
	data, _ := filepath.Abs("../examples/minimal-risk/data/test.csv")
	cases := map[string]profile.Profile{
		"no artefacts":  {},
		"no data":       {Artefacts: profile.Artefacts{Model: bad}},
		"endpoint only": {Artefacts: profile.Artefacts{Endpoint: "https://example.invalid/v2/models/m", Data: data}},
		"bad model":     {Artefacts: profile.Artefacts{Model: bad, Data: data}, Path: filepath.Join(dir, "p.yaml")},
		"missing data":  {Artefacts: profile.Artefacts{Model: "../examples/minimal-risk/model/mlp.onnx", Data: filepath.Join(dir, "none.csv")}},
		"bad level":     {Artefacts: profile.Artefacts{Model: "../examples/minimal-risk/model/mlp.onnx", Data: data}, Assurance: "extreme"},
	}
	for name, p := range cases {
		rs, err := Check(context.Background(), &p, nil)
		if err != nil {
			t.Errorf("%s: error %v; want an unknown Result", name, err)
			continue
		}
		if len(rs) != 1 || rs[0].Status != aiassure.Unknown || rs[0].Reason == "" || rs[0].ID != CheckName {
			t.Errorf("%s: %+v", name, rs)
		}
	}
}

// TestBlackBox: a tree ensemble gives no gradients, so the white-box attacks
// are not applicable and the black-box ones (with the substitutes) run.
func TestBlackBox(t *testing.T) {
	m, r, c := load(t, "credit-scoring", "gbt.onnx")
	pl := quick("substantial")
	rs, sum, err := Run(context.Background(), RunInput{Target: m, Data: r, Constraints: c, Plan: pl})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]aiassure.Status{}
	for _, r := range rs {
		got[r.ID] = r.Status
	}
	want := map[string]aiassure.Status{
		"metrics/measured": aiassure.NotApplicable, "evasion/pgd-linf": aiassure.NotApplicable, "evasion/deepfool-linf": aiassure.NotApplicable,
	}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}
	for _, r := range rs {
		if r.ID != "evasion/square-linf" && r.ID != "evasion/hopskipjump-linf" {
			continue
		}
		// On 40 samples the GBT's clean accuracy is that of the majority
		// class: no skill to attack.
		if r.Status != aiassure.Pass && r.Status != aiassure.Fail && r.Metrics["inconclusive"] != 1 && r.Metrics["no_skill"] != 1 {
			t.Errorf("%s: %q, want a verdict: %s", r.ID, r.Status, r.Reason)
		}
		checkCriterion(t, r, nil)
	}
	// The two white-box attacks, the privacy suite (no member data) and
	// the poisoning suite (no training set).
	if len(sum.Skipped) != 4 || sum.Attacked != 40 || sum.Samples != 300 {
		t.Errorf("summary: skipped %v, attacked %d, samples %d", sum.Skipped, sum.Attacked, sum.Samples)
	}
	for _, rep := range sum.Evasion {
		if len(rep.Members) > 0 {
			continue // an ensemble adds up its attacks' queries
		}
		if rep.Budget != pl.Budget {
			t.Errorf("%s ran with budget %d, want %d", rep.Attack, rep.Budget, pl.Budget)
		}
		for _, p := range rep.Points {
			if p.Queries.Max > pl.Budget {
				t.Errorf("%s spent %d queries on a sample, budget %d", rep.Attack, p.Queries.Max, pl.Budget)
			}
		}
	}
}

// TestInterrupt cancels the run once the first attack has finished: its
// Result is kept, the rest is not run, and an unknown Result says so.
func TestInterrupt(t *testing.T) {
	m, r, c := load(t, "medical-diagnosis", "logreg.onnx")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pl := quick("high")
	var whats []string
	prog := func(done, total int, what string) {
		if done > total {
			t.Errorf("progress %d of %d", done, total)
		}
		if len(whats) == 0 || whats[len(whats)-1] != what {
			whats = append(whats, what)
		}
		if what == pl.Attacks[1].Name {
			cancel()
		}
	}
	rs, sum, err := Run(ctx, RunInput{Target: m, Data: r, Constraints: c, Plan: pl, Progress: prog})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if !sum.Interrupted {
		t.Error("summary does not say interrupted")
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	last := rs[len(rs)-1]
	if last.ID != InterruptedID || last.Status != aiassure.Unknown {
		t.Errorf("last result %+v", last)
	}
	if !slices.Contains(ids, "metrics/measured") || !slices.Contains(ids, "evasion/fgsm") {
		t.Errorf("finished work lost: %v", ids)
	}
	if slices.Contains(ids, "evasion/square-linf") || slices.Contains(ids, "evasion/hopskipjump-l2") {
		t.Errorf("work after the interrupt ran: %v", ids)
	}
	if whats[0] != "reading data" {
		t.Errorf("progress steps %v", whats)
	}
}

func TestRunInputErrors(t *testing.T) {
	pl := quick("basic")
	m, _, c := load(t, "minimal-risk", "mlp.onnx")
	_, other, _ := load(t, "medical-diagnosis", "logreg.onnx")
	if _, _, err := Run(context.Background(), RunInput{Target: m, Data: other, Plan: pl}); !errors.Is(err, ErrInput) {
		t.Errorf("model and data that do not fit: %v", err)
	}
	_, r, _ := load(t, "minimal-risk", "mlp.onnx")
	wide := *c
	wide.Min = append(slices.Clone(c.Min), 0)
	if _, _, err := Run(context.Background(), RunInput{Target: m, Data: r, Constraints: &wide, Plan: pl}); !errors.Is(err, ErrInput) {
		t.Errorf("bad constraints: %v", err)
	}
	un, err := dataset.Open("../examples/minimal-risk/data/test.csv", dataset.Options{Label: "sepal_length"})
	if err != nil {
		t.Fatal(err)
	}
	defer un.Close()
	if _, _, err := Run(context.Background(), RunInput{Target: m, Data: un, Plan: pl}); err == nil {
		t.Error("labels out of the model's classes accepted")
	}
	if _, _, err := Run(context.Background(), RunInput{Data: un, Plan: pl}); err == nil {
		t.Error("nil target accepted")
	}
}

// TestNoConstraints infers the feasible set from the observed ranges.
func TestNoConstraints(t *testing.T) {
	m, r, _ := load(t, "minimal-risk", "mlp.onnx")
	pl := quick("basic")
	pl.Suites = []string{SuiteEvasion}
	rs, sum, err := Run(context.Background(), RunInput{Target: m, Data: r, Plan: pl})
	if err != nil {
		t.Fatal(err)
	}
	// FGSM, Square, their ensemble and the gradient-masking check.
	if sum.Metrics != nil || len(rs) != 4 {
		t.Errorf("evasion-only run gave metrics or %d results", len(rs))
	}
	for _, r := range rs[:3] {
		checkCurve(t, r)
	}
}

// TestScaledGradient: the gradient in the unit space is the model's
// gradient times each feature's span (checked against finite differences).
func TestScaledGradient(t *testing.T) {
	m, r, c := load(t, "medical-diagnosis", "mlp.onnx")
	d, err := dataset.ReadAll(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	sc := newScale(c, nil, nil, m.Info().InputShape)
	w := wrap(m, sc)
	dw, ok := w.(model.Differentiable)
	if !ok {
		t.Fatal("wrapped MLP is not differentiable")
	}
	b, _ := d.Batch(0, 3)
	z := sc.unit(b.X)
	out, err := w.Predict(context.Background(), z)
	if err != nil {
		t.Fatal(err)
	}
	seed := &model.Tensor{Shape: out.Shape, Data: make([]float32, len(out.Data))}
	for i := range out.Batch() {
		seed.Data[i*out.RowLen()] = 1 // d(score of class 0)
	}
	g, err := dw.Gradient(context.Background(), z, seed)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-2
	for _, j := range []int{0, 3, 7, 21} {
		zp, zm := clone(z), clone(z)
		zp.Data[j] += h
		zm.Data[j] -= h
		op, _ := w.Predict(context.Background(), zp)
		om, _ := w.Predict(context.Background(), zm)
		fd := float64(op.Data[0]-om.Data[0]) / (2 * h)
		if diff := math.Abs(fd - float64(g.Data[j])); diff > 1e-2*math.Max(1, math.Abs(fd)) {
			t.Errorf("feature %d: gradient %g, finite difference %g", j, g.Data[j], fd)
		}
	}
	// Round trip: the unit space maps back to the data.
	x, err := sc.toModel(z)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.Data {
		if math.Abs(float64(x.Data[i]-b.X.Data[i])) > 1e-3*math.Max(1, math.Abs(float64(b.X.Data[i]))) {
			t.Fatalf("value %d: %g back as %g", i, b.X.Data[i], x.Data[i])
		}
	}
}

func clone(x *model.Tensor) *model.Tensor {
	return &model.Tensor{Shape: slices.Clone(x.Shape), Data: slices.Clone(x.Data)}
}

// TestUnitConstraint: projection in the unit space respects the data's
// constraints, keeps pinned features bit-identical and stays in [0, 1].
func TestUnitConstraint(t *testing.T) {
	_, r, c := load(t, "credit-scoring", "mlp.onnx")
	d, err := dataset.ReadAll(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	sc := newScale(c, nil, nil, []int{c.Len()})
	u := newUnitConstraint(c, sc)
	if !slices.Contains(u.pinned, true) {
		t.Fatal("credit-scoring has no immutable feature to test")
	}
	b, _ := d.Batch(0, 20)
	z0 := sc.unit(b.X)
	z := clone(z0)
	for i := range z.Data {
		z.Data[i] += float32(0.3 * math.Sin(float64(i)))
	}
	if err := u.Project(z, z0); err != nil {
		t.Fatal(err)
	}
	n := c.Len()
	for i, v := range z.Data {
		if v < -1e-6 || v > 1+1e-6 {
			t.Fatalf("value %d = %g outside [0, 1]", i, v)
		}
		if u.pinned[i%n] && v != z0.Data[i] {
			t.Fatalf("pinned feature %s changed: %g -> %g", c.Features[i%n], z0.Data[i], v)
		}
	}
	x, _ := sc.toModel(z)
	if err := c.Check(x, b.X, 1e-4); err != nil {
		t.Errorf("projected batch violates the constraints: %v", err)
	}
}

func TestProbabilities(t *testing.T) {
	cases := []struct {
		name string
		in   *model.Tensor
		want [][]float64
	}{
		{"probabilities kept", &model.Tensor{Shape: []int{1, 2}, Data: []float32{0.25, 0.75}}, [][]float64{{0.25, 0.75}}},
		{"logits softmaxed", &model.Tensor{Shape: []int{1, 2}, Data: []float32{0, 0}}, [][]float64{{0.5, 0.5}}},
		{"one probability", &model.Tensor{Shape: []int{1, 1}, Data: []float32{0.75}}, [][]float64{{0.25, 0.75}}},
		{"one logit", &model.Tensor{Shape: []int{1, 1}, Data: []float32{0 - 2}}, [][]float64{{1 - 1/(1+math.Exp(2)), 1 / (1 + math.Exp(2))}}},
	}
	for _, c := range cases {
		got, err := probabilities(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if diff := cmp.Diff(c.want, got, cmpApprox); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	if _, err := probabilities(&model.Tensor{Shape: []int{1, 2}, Data: []float32{float32(math.NaN()), 1}}); err == nil {
		t.Error("NaN output accepted")
	}
}

var cmpApprox = cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-6 })
