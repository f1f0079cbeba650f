package backdoor

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
)

// digits reads a test CSV of tools/make_backdoor_models.py: 64 pixels and a
// label per row, returned as a [N, shape...] tensor.
func digits(tb testing.TB, file string, shape ...int) (*model.Tensor, []int) {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	rows = rows[1:]
	x := &model.Tensor{Shape: append([]int{len(rows)}, shape...), Data: make([]float32, 0, 64*len(rows))}
	var y []int
	for _, r := range rows {
		for _, v := range r[:64] {
			p, err := strconv.ParseFloat(v, 32)
			if err != nil {
				tb.Fatal(err)
			}
			x.Data = append(x.Data, float32(p))
		}
		l, err := strconv.Atoi(r[64])
		if err != nil {
			tb.Fatal(err)
		}
		y = append(y, l)
	}
	return x, y
}

func load(tb testing.TB, file string) *onnx.Model {
	tb.Helper()
	m, err := onnx.Load(filepath.Join("testdata", file))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// shapeOf returns the sample shape of the models of a family.
func shapeOf(family string) []int {
	if family == "cnn" {
		return []int{1, 8, 8}
	}
	return []int{64}
}

// halves splits x into its first and second half.
func halves(x *model.Tensor) (*model.Tensor, *model.Tensor) {
	n := x.Batch() / 2
	a, _ := x.Slice(0, n)
	b, _ := x.Slice(n, x.Batch())
	return a, b
}

func nanF() float64 { return math.NaN() }
