package privacy

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// FuzzAnswers feeds arbitrary answer rows (as an endpoint could return
// them) to the output detection, the conversion to probabilities and the
// true-class log-odds: none may panic, and what they return must be sane.
func FuzzAnswers(f *testing.F) {
	row := func(v ...float32) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		return b
	}
	f.Add(row(0.25, 0.75, 0.5, 0.5), uint8(2))
	f.Add(row(1, 0, 0, 1, 1, 0), uint8(2))
	f.Add(row(3, -2, 7), uint8(3))
	f.Add(row(float32(math.NaN()), 1), uint8(1))
	f.Add(row(0.3, 0, 0.7, 0, 0.1, 0.9), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, k uint8) {
		if k == 0 || len(b) < 4*int(k) {
			return
		}
		vals := make([]float32, len(b)/4)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		var rows [][]float32
		for lo := 0; lo+int(k) <= len(vals); lo += int(k) {
			rows = append(rows, vals[lo:lo+int(k)])
		}
		o := detectOutput(rows, int(k))
		if !slices.Contains([]string{OutputScores, OutputRounded, OutputTopK, OutputLabels}, o.Kind) || o.Answers != len(rows) {
			t.Fatalf("output %+v", o)
		}
		for _, r := range rows {
			p, err := probabilities(r)
			if err != nil {
				continue
			}
			sum := 0.0
			for _, v := range p {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("probability %g from %v", v, r)
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Fatalf("probabilities of %v sum to %g", r, sum)
			}
			for y := -1; y <= len(p); y++ {
				if l := logit(p, y); math.IsNaN(l) || math.IsInf(l, 0) {
					t.Fatalf("log-odds %g of class %d from %v", l, y, p)
				}
			}
		}
	})
}
