// Package model defines what aiassure tests: a Target, something that maps a
// batch of inputs to a batch of outputs, and a Differentiable target, one that
// also returns vector-Jacobian products for white-box attacks.
//
// Implementations live in sub-packages: model/onnx runs ONNX files with a
// pure-Go interpreter (and gradients); HTTP targets speak to live inference
// endpoints. Tests, metrics and attacks depend only on the interfaces here.
//
// # Contracts
//
// A Target:
//
//   - MUST accept a batch x of shape [B, InputShape...] (B >= 1) and return a
//     batch of shape [B, OutputShape...] whose row i depends only on row i of x.
//   - MUST NOT modify x, and MUST NOT retain x or return memory that aliases x
//     or any internal buffer: the caller owns the returned tensor.
//   - MUST be safe for concurrent use by several goroutines.
//   - MUST return ctx.Err() (possibly wrapped) promptly once ctx is done.
//   - MUST return an error, never panic, for an input of the wrong shape.
//   - SHOULD be deterministic: the same x gives the same output.
//   - SHOULD describe itself accurately in Info; a dimension that is not known
//     in advance is -1.
//
// A Differentiable target also:
//
//   - MUST return from Gradient(ctx, x, seed) the vector-Jacobian product
//     d(sum(seed * Predict(x)))/dx, a tensor of x's shape, where seed has the
//     shape of Predict(x).
//   - MUST return an error (never a silent zero) when the output does not
//     depend differentiably on the input.
package model

import (
	"context"
	"errors"
	"fmt"
)

// Info describes a target.
type Info struct {
	// Name is a short human-readable name (a file name, a model name).
	Name string `json:"name"`
	// Kind names the backend: "onnx", "oip", "http".
	Kind string `json:"kind"`
	// Input and Output name the tensors the target reads and returns.
	Input  string `json:"input,omitempty"`
	Output string `json:"output,omitempty"`
	// InputShape and OutputShape are the shapes of one sample, without the
	// batch dimension; -1 marks a dimension that is not known in advance.
	InputShape  []int `json:"input_shape"`
	OutputShape []int `json:"output_shape"`
	// Labels, where known, names the classes in the order of the output's
	// last dimension.
	Labels []string `json:"labels,omitempty"`
	// Differentiable is true when the target implements Differentiable and
	// its chosen output depends differentiably on the input.
	Differentiable bool `json:"differentiable"`
}

// Target maps a batch of inputs to a batch of outputs. See the package
// documentation for the contract.
type Target interface {
	Info() Info
	Predict(ctx context.Context, x *Tensor) (*Tensor, error)
}

// Differentiable is a Target that also returns the vector-Jacobian product of
// its output with respect to its input: Gradient returns
// d(sum(seed * Predict(x)))/dx, with the shape of x. seed has the shape of the
// output.
type Differentiable interface {
	Target
	Gradient(ctx context.Context, x, seed *Tensor) (*Tensor, error)
}

// SeedFunc computes the seed of a vector-Jacobian product (usually the
// derivative of a loss with respect to the output) from the output. It must
// not retain out.
type SeedFunc func(out *Tensor) (*Tensor, error)

// ValueGradienter is implemented by differentiable targets that can return the
// output and the gradient of a loss in one forward and one backward pass.
// Callers use ValueAndGradient rather than asserting it themselves.
type ValueGradienter interface {
	ValueAndGradient(ctx context.Context, x *Tensor, seed SeedFunc) (out, grad *Tensor, err error)
}

// ValueAndGradient returns t's output for x and the gradient of the loss whose
// derivative seed computes from that output. It uses one forward pass when t
// implements ValueGradienter, and Predict followed by Gradient otherwise.
func ValueAndGradient(ctx context.Context, t Differentiable, x *Tensor, seed SeedFunc) (out, grad *Tensor, err error) {
	if vg, ok := t.(ValueGradienter); ok {
		return vg.ValueAndGradient(ctx, x, seed)
	}
	out, err = t.Predict(ctx, x)
	if err != nil {
		return nil, nil, err
	}
	s, err := seed(out)
	if err != nil {
		return nil, nil, fmt.Errorf("seed: %w", err)
	}
	grad, err = t.Gradient(ctx, x, s)
	if err != nil {
		return nil, nil, err
	}
	return out, grad, nil
}

// ErrNotDifferentiable is wrapped by Gradient errors of targets or outputs
// that have no gradient.
var ErrNotDifferentiable = errors.New("not differentiable")
