package onnx

import (
	"context"

	"github.com/aiassure/aiassure/model"
)

// Work runs the model on x, as Predict does, and returns a deterministic
// count of the work the run did instead of its output: the number of
// elements every node produced plus, for tree ensembles, the number of tree
// nodes each row visited. The count does not depend on timing, threads or
// the machine, so the sponge search of probe/availability can compare
// inputs by it. For a model whose work does not depend on the values of its
// input (an MLP, a CNN) it is the same for every input of one shape.
func (m *Model) Work(ctx context.Context, x *model.Tensor) (int64, error) {
	in, err := m.feed(x)
	if err != nil {
		return 0, err
	}
	parts, err := m.chunks(x.Batch())
	if err != nil {
		return 0, err
	}
	r := m.runners.Get().(*runner)
	defer func() {
		r.release()
		m.runners.Put(r)
	}()
	r.work = 0
	for _, p := range parts {
		if err := r.forward(ctx, []*tensor{m.part(in, p, len(parts))}); err != nil {
			return 0, err
		}
	}
	return r.work, nil
}
