package poisoning

import (
	"context"
	"encoding/binary"
	"math"
	"testing"
)

// dataFrom builds a small data set from fuzz bytes: a header byte for the
// shape, then one byte per value (or 8 for raw float64 bits when raw).
func dataFrom(b []byte, raw bool) *Data {
	if len(b) < 2 {
		return nil
	}
	d := int(b[0]%4) + 1
	k := int(b[1]%3) + 2
	b = b[2:]
	step := d + 1
	if raw {
		step = 8*d + 1
	}
	n := min(len(b)/step, 60)
	x := &Data{N: n, D: d, K: k, X: make([]float64, 0, n*d), Y: make([]int, 0, n)}
	for i := range n {
		r := b[i*step : (i+1)*step]
		for j := range d {
			if raw {
				x.X = append(x.X, math.Float64frombits(binary.LittleEndian.Uint64(r[8*j:])))
			} else {
				x.X = append(x.X, float64(int8(r[j]))/8)
			}
		}
		x.Y = append(x.Y, int(r[len(r)-1])%(k+1)) // k is out of range on purpose
	}
	return x
}

// FuzzGate runs the gate and the scan on arbitrary small data: they return
// a report or an error, never panic, and never report NaN rates.
func FuzzGate(f *testing.F) {
	f.Add([]byte{1, 0, 1, 2, 0, 3, 4, 1, 5, 6, 0, 7, 8, 1, 1, 2, 0, 3, 4, 1, 5, 6, 0, 7, 8, 1, 9, 9, 0, 9, 9, 1}, []byte{1, 0, 1, 2, 0, 3, 4, 1}, false)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, []byte{0, 0, 0xff, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, a, b []byte, raw bool) {
		ref, cand := dataFrom(a, raw), dataFrom(b, raw)
		ctx := context.Background()
		o := Options{Train: trainFast, Folds: 2}
		if r, err := Gate(ctx, ref, cand, GateOptions{Scan: o}); err == nil {
			if r.Poison != nil && (math.IsNaN(r.Poison.LabelRate) || math.IsNaN(r.Poison.OutlierRate)) {
				t.Errorf("NaN rate: %+v", r.Poison)
			}
			if !r.Accept && len(r.Reasons) == 0 {
				t.Error("rejected without a reason")
			}
		}
		if ref != nil {
			Scan(ctx, ref, o)
		}
	})
}
