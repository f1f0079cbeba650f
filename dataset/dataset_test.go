package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/model"
)

var examples = []string{"credit-scoring", "medical-diagnosis", "border-biometrics", "minimal-risk"}

func exampleDir(name string) string { return filepath.Join("..", "examples", name, "data") }

// TestExamplesLoad reads every example's test.csv and features.json and
// checks the shapes, the row counts that features.json records and that
// every row satisfies the declared constraints.
func TestExamplesLoad(t *testing.T) {
	ctx := context.Background()
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			c, err := LoadConstraints(filepath.Join(exampleDir(ex), "features.json"))
			if err != nil {
				t.Fatal(err)
			}
			d, err := Load(ctx, filepath.Join(exampleDir(ex), "test.csv"), Options{Classes: c.Classes})
			if err != nil {
				t.Fatal(err)
			}
			var meta struct {
				Split struct {
					TestRows int `json:"test_rows"`
				} `json:"split"`
			}
			b, _ := os.ReadFile(filepath.Join(exampleDir(ex), "features.json"))
			if err := json.Unmarshal(b, &meta); err != nil {
				t.Fatal(err)
			}
			if d.Len() != meta.Split.TestRows {
				t.Errorf("rows = %d, features.json says %d", d.Len(), meta.Split.TestRows)
			}
			if diff := cmp.Diff(c.InputShape, d.Info.Shape); diff != "" {
				t.Errorf("shape (-features.json +csv):\n%s", diff)
			}
			if diff := cmp.Diff(c.Features, d.Info.Features); diff != "" {
				t.Errorf("feature names (-features.json +csv):\n%s", diff)
			}
			if err := c.Check(d.X, d.X, 1e-6); err != nil {
				t.Errorf("test data violates its constraints: %v", err)
			}
			for _, y := range d.Y {
				if y < 0 || y >= len(c.Classes) {
					t.Fatalf("label %d out of range", y)
				}
			}
		})
	}
}

func TestCSVBatchesEqualReadAll(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(exampleDir("medical-diagnosis"), "test.csv")
	all, err := Load(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 7, 64, 1000} {
		r, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var data []float32
		var y []int
		batches := 0
		for b, err := range Batches(ctx, r, size) {
			if err != nil {
				t.Fatal(err)
			}
			if b.X.Batch() > size {
				t.Fatalf("batch of %d rows, asked for %d", b.X.Batch(), size)
			}
			data = append(data, b.X.Data...)
			y = append(y, b.Y...)
			batches++
		}
		r.Close()
		if !slices.Equal(data, all.X.Data) || !slices.Equal(y, all.Y) {
			t.Errorf("size %d: batches differ from ReadAll", size)
		}
		if want := (all.Len() + size - 1) / size; batches != want {
			t.Errorf("size %d: %d batches, want %d", size, batches, want)
		}
	}
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name, in string
		opt      Options
		want     *Dataset
		err      string
	}{
		{name: "ok", in: "a,b,label\n1,2.5,0\n-3,4e2,1\n", want: &Dataset{
			X: &model.Tensor{Shape: []int{2, 2}, Data: []float32{1, 2.5, -3, 400}}, Y: []int{0, 1}}},
		{name: "label first, spaces, class names", in: "y, a\nbad, 1\ngood,2\n", opt: Options{Label: "y", Classes: []string{"good", "bad"}},
			want: &Dataset{X: &model.Tensor{Shape: []int{2, 1}, Data: []float32{1, 2}}, Y: []int{1, 0}}},
		{name: "integral float label", in: "a,label\n1,2.0\n", want: &Dataset{X: &model.Tensor{Shape: []int{1, 1}, Data: []float32{1}}, Y: []int{2}}},
		{name: "unlabelled", in: "a,b\n1,2\n", opt: Options{Unlabelled: true}, want: &Dataset{X: &model.Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}}},
		{name: "header only", in: "a,label\n", want: &Dataset{X: &model.Tensor{Shape: []int{0, 1}, Data: []float32{}}, Y: []int{}}},
		{name: "no label", in: "a,b\n1,2\n", err: `t.csv:1: no label column "label"`},
		{name: "bad number", in: "a,label\n1,0\nx1,0\n", err: `t.csv:3:1: "x1" is not a number`},
		{name: "missing value", in: "a,b,label\n1,,0\n", err: "t.csv:2:3: missing value"},
		{name: "nan", in: "a,label\nNaN,0\n", err: "not a finite number"},
		{name: "bad label", in: "a,label\n1,cat\n", err: `t.csv:2:3: label: "cat" is not a class index`},
		{name: "negative label", in: "a,label\n1,-1\n", err: "out of range"},
		{name: "label beyond classes", in: "a,label\n1,2\n", opt: Options{Classes: []string{"x", "y"}}, err: "out of range"},
		{name: "fractional label", in: "a,label\n1,0.5\n", err: "not a class index"},
		{name: "short row", in: "a,b,label\n1,2\n", err: "wrong number of fields"},
		{name: "empty", in: "", err: "empty file"},
		{name: "duplicate column", in: "a,a,label\n", err: `column "a" appears twice`},
		{name: "only label", in: "label\n0\n", err: "no feature columns"},
		{name: "too many rows", in: "a,label\n1,0\n2,0\n3,0\n", opt: Options{Limits: Limits{MaxRows: 2}}, err: "t.csv:4: more than 2 rows"},
		{name: "too many columns", in: "a,b,c,label\n", opt: Options{Limits: Limits{MaxCols: 2}}, err: "more than the limit"},
		{name: "long line", in: "a,label\n" + strings.Repeat("1", 100) + ",0\n", opt: Options{Limits: Limits{MaxLineBytes: 50}}, err: "longer than 50 bytes"},
		{name: "long file", in: "a,label\n1,0\n2,0\n", opt: Options{Limits: Limits{MaxBytes: 12}}, err: "longer than 12 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewCSV(strings.NewReader(tc.in), "t.csv", tc.opt)
			var d *Dataset
			if err == nil {
				d, err = ReadAll(context.Background(), r)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want.X, d.X); diff != "" {
				t.Errorf("X (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want.Y, d.Y); diff != "" {
				t.Errorf("Y (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLimitErrorsWrapErrLimit(t *testing.T) {
	_, err := NewCSV(strings.NewReader("a,b,c,label\n"), "t", Options{Limits: Limits{MaxCols: 1}})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("err = %v, want ErrLimit", err)
	}
	r, err := NewCSV(strings.NewReader("a,label\n1,0\n2,0\n"), "t", Options{Limits: Limits{MaxRows: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAll(context.Background(), r); !errors.Is(err, ErrLimit) {
		t.Errorf("err = %v, want ErrLimit", err)
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := NewCSV(strings.NewReader("a,label\n1,0\n"), "t", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestOpenUnknownFormat(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.parquet")
	os.WriteFile(p, []byte("x"), 0o644)
	if _, err := Open(p, Options{}); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("err = %v", err)
	}
}

// writeFile writes b to a temporary file and returns its path.
func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func npyBytes(t *testing.T, shape []int, data []float32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteNPY(&buf, shape, data); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
