package onnx

import (
	"context"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// TestLegacyBroadcastRefused checks that opset-6 operators keep their
// version's rules: no broadcasting without broadcast=1, none at all for the
// variadic ones.
func TestLegacyBroadcastRefused(t *testing.T) {
	w := tb{name: "W", shape: []int{3}, f: []float32{1, 2, 3}}
	for _, c := range []struct {
		name  string
		nodes []nb
		want  string
	}{
		{"Add without broadcast", one("Add", []string{"X", "W"}), "broadcast is not set"},
		{"Add axis out of range", one("Add", []string{"X", "W"}, aInt("broadcast", 1), aInt("axis", 2)), "does not fit"},
		{"Sum of two shapes", one("Sum", []string{"X", "W"}), "no broadcasting before version 8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mb := mbuild{opset: 6, nodes: c.nodes, inits: []tb{w},
				inputs: []vi{{name: "X", dt: dtFloat, dims: []int{-1, 3}}}, outputs: []vi{{name: "Y", dt: dtFloat}}}
			// The load-time probe runs the model, so Parse already fails.
			m, err := Parse(mb.encode())
			if err == nil {
				x, _ := model.Zeros(2, 3)
				_, err = m.Predict(context.Background(), x)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
