// Command inferbench times batch inference of the example ONNX models in
// model/onnx (one thread) and compares it with ONNX Runtime's timings, which
// bench/inference/ort.mjs records on the same inputs. bench/inference/run.sh
// drives it; see bench/inference/README.md.
//
//	inferbench -dir D -run K   writes D/cases.json and the inputs (first run),
//	                           times aiassure and writes D/go-K.json and outputs
//	inferbench -dir D -report  prints the table from every D/go-*.json and
//	                           D/ort-*.json, and checks the outputs agree
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
)

// rows is the number of input rows (the .ort.json rows, repeated); the
// batch-1 loop walks through them one by one.
const rows = 256

var models = []string{
	"examples/border-biometrics/model/mlp.onnx",
	"examples/border-biometrics/model/cnn.onnx",
	"examples/credit-scoring/model/mlp.onnx",
	"examples/credit-scoring/model/gbt.onnx",
	"examples/medical-diagnosis/model/logreg.onnx",
}

var batches = []int{1, rows}

// benchCase is one model of cases.json, shared with ort.mjs.
type benchCase struct {
	Name   string `json:"name"`
	Model  string `json:"model"`  // absolute path
	Input  string `json:"input"`  // graph input name
	Output string `json:"output"` // graph output compared and returned
	Shape  []int  `json:"shape"`  // [rows, sample dims...]
	In     string `json:"in"`     // little-endian float32 file of the inputs
}

// result holds one runtime's samples per second, one value per repetition.
type result struct {
	Runtime string                          `json:"runtime"`
	Rates   map[string]map[string][]float64 `json:"rates"` // case name, batch, rates
}

func main() {
	dir := flag.String("dir", "", "scratch directory (required)")
	run := flag.Int("run", 0, "run number: time aiassure into DIR/go-RUN.json")
	report := flag.Bool("report", false, "print the table from DIR's results")
	reps := flag.Int("reps", 5, "timed repetitions per case")
	repTime := flag.Duration("rep", 300*time.Millisecond, "length of one repetition (and of the warm-up)")
	tol := flag.Float64("tol", 1e-5, "largest allowed absolute difference from ONNX Runtime")
	flag.Parse()
	var err error
	switch {
	case *dir == "":
		err = errors.New("usage: inferbench -dir D (-run K | -report)")
	case *report:
		err = printReport(*dir, *tol)
	default:
		err = bench(*dir, *run, *reps, *repTime)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inferbench:", err)
		os.Exit(1)
	}
}

// prepare writes cases.json and the inputs: the rows recorded in each
// model's .ort.json, repeated to 256.
func prepare(dir string) ([]benchCase, error) {
	var cases []benchCase
	for _, p := range models {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		var ref struct {
			Inputs []struct {
				Name string    `json:"name"`
				Dims []int     `json:"dims"`
				Data []float32 `json:"data"`
			} `json:"inputs"`
			Outputs []struct {
				Name  string `json:"name"`
				DType string `json:"dtype"`
			} `json:"outputs"`
		}
		b, err := os.ReadFile(strings.TrimSuffix(abs, ".onnx") + ".ort.json")
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &ref); err != nil || len(ref.Inputs) != 1 {
			return nil, fmt.Errorf("%s: bad .ort.json: %v", p, err)
		}
		c := benchCase{
			Name:  strings.TrimSuffix(strings.TrimPrefix(p, "examples/"), ".onnx"),
			Model: abs, Input: ref.Inputs[0].Name,
			Shape: append([]int{rows}, ref.Inputs[0].Dims[1:]...),
		}
		c.Name = strings.Replace(c.Name, "/model/", "/", 1)
		for _, o := range ref.Outputs {
			if o.DType == "float32" && c.Output == "" {
				c.Output = o.Name
			}
		}
		in := ref.Inputs[0].Data
		data := make([]float32, 0, len(in)/ref.Inputs[0].Dims[0]*rows)
		for len(data) < cap(data) {
			data = append(data, in[:min(len(in), cap(data)-len(data))]...)
		}
		c.In = filepath.Join(dir, strings.ReplaceAll(c.Name, "/", "_")+".in.f32")
		if err := writeF32(c.In, data); err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	b, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		return nil, err
	}
	return cases, os.WriteFile(filepath.Join(dir, "cases.json"), b, 0o644)
}

func bench(dir string, run, reps int, repTime time.Duration) error {
	var cases []benchCase
	if b, err := os.ReadFile(filepath.Join(dir, "cases.json")); err == nil {
		err = json.Unmarshal(b, &cases)
		if err != nil {
			return err
		}
	} else if cases, err = prepare(dir); err != nil {
		return err
	}
	ctx := context.Background()
	res := result{Runtime: "aiassure model/onnx", Rates: map[string]map[string][]float64{}}
	for _, c := range cases {
		m, err := onnx.Load(c.Model, onnx.WithThreads(1), onnx.WithInput(c.Input), onnx.WithOutput(c.Output))
		if err != nil {
			return err
		}
		data, err := readF32(c.In)
		if err != nil {
			return err
		}
		res.Rates[c.Name] = map[string][]float64{}
		for _, bs := range batches {
			// The inputs, made once: call i feeds xs[i % len(xs)].
			var xs []*model.Tensor
			per := len(data) / rows
			for lo := 0; lo < rows; lo += bs {
				shape := append([]int{bs}, c.Shape[1:]...)
				xs = append(xs, &model.Tensor{Shape: shape, Data: data[lo*per : (lo+bs)*per]})
			}
			var out []float32
			for _, x := range xs {
				y, err := m.Predict(ctx, x)
				if err != nil {
					return fmt.Errorf("%s: %w", c.Name, err)
				}
				out = append(out, y.Data...)
			}
			if err := writeF32(filepath.Join(dir, fmt.Sprintf("%s.b%d.go.f32", strings.ReplaceAll(c.Name, "/", "_"), bs)), out); err != nil {
				return err
			}
			// calls runs n calls, call i feeding xs[i % len(xs)].
			calls := func(n int) error {
				for i := range n {
					if _, err := m.Predict(ctx, xs[i%len(xs)]); err != nil {
						return err
					}
				}
				return nil
			}
			// Warm-up, which also sets the calls per repetition.
			n := 0
			for start := time.Now(); time.Since(start) < repTime; n += 16 {
				if err := calls(16); err != nil {
					return err
				}
			}
			for range reps {
				start := time.Now()
				if err := calls(n); err != nil {
					return err
				}
				rate := float64(n*bs) / time.Since(start).Seconds()
				res.Rates[c.Name][fmt.Sprint(bs)] = append(res.Rates[c.Name][fmt.Sprint(bs)], rate)
			}
			fmt.Fprintf(os.Stderr, "aiassure %-28s batch %3d: %12.0f samples/s\n", c.Name, bs, median(res.Rates[c.Name][fmt.Sprint(bs)]))
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, fmt.Sprintf("go-%d.json", run)), b, 0o644)
}

func printReport(dir string, tol float64) error {
	var cases []benchCase
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		return err
	}
	goR, err := gather(dir, "go-*.json")
	if err != nil {
		return err
	}
	ortR, err := gather(dir, "ort-*.json")
	if err != nil {
		return err
	}
	fmt.Println("samples/s: median of all repetitions of all runs [min-max]; ratio = aiassure / ORT (above 1: aiassure faster)")
	fmt.Printf("%-28s %5s %30s %30s %6s %9s\n", "model", "batch", "aiassure", "ONNX Runtime", "ratio", "max diff")
	bad := 0
	for _, c := range cases {
		for _, bs := range batches {
			k := fmt.Sprint(bs)
			a, o := goR[c.Name][k], ortR[c.Name][k]
			if len(a) == 0 || len(o) == 0 {
				return fmt.Errorf("%s batch %d: no results", c.Name, bs)
			}
			base := filepath.Join(dir, fmt.Sprintf("%s.b%d", strings.ReplaceAll(c.Name, "/", "_"), bs))
			d, err := maxDiff(base+".go.f32", base+".ort.f32")
			if err != nil {
				return err
			}
			if !(d <= tol) {
				bad++
			}
			fmt.Printf("%-28s %5d %30s %30s %6.2f %9.2g\n", c.Name, bs, span(a), span(o), median(a)/median(o), d)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d cases differ from ONNX Runtime by more than %g", bad, tol)
	}
	fmt.Printf("outputs agree with ONNX Runtime within %g on all %d rows of every case\n", tol, rows)
	return nil
}

// gather merges the rates of the result files matching pattern.
func gather(dir, pattern string) (map[string]map[string][]float64, error) {
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no %s in %s", pattern, dir)
	}
	all := map[string]map[string][]float64{}
	for _, f := range files {
		var r result
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for c, m := range r.Rates {
			if all[c] == nil {
				all[c] = map[string][]float64{}
			}
			for k, v := range m {
				all[c][k] = append(all[c][k], v...)
			}
		}
	}
	return all, nil
}

func maxDiff(a, b string) (float64, error) {
	x, err := readF32(a)
	if err != nil {
		return 0, err
	}
	y, err := readF32(b)
	if err != nil {
		return 0, err
	}
	if len(x) != len(y) || len(x) == 0 {
		return 0, fmt.Errorf("%s has %d values, %s %d", a, len(x), b, len(y))
	}
	d := 0.0
	for i := range x {
		e := math.Abs(float64(x[i]) - float64(y[i]))
		if e > d || math.IsNaN(e) {
			d = e
		}
	}
	return d, nil
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func span(v []float64) string {
	return fmt.Sprintf("%s [%s-%s]", si(median(v)), si(slices.Min(v)), si(slices.Max(v)))
}

// si formats a rate with three significant digits and a k or M suffix.
func si(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

func writeF32(path string, v []float32) error {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return os.WriteFile(path, b, 0o644)
}

func readF32(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not a float32 array", path, len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
