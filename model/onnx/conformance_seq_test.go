package onnx

import (
	"errors"
	"fmt"
	"os"
)

// The backend tests store a sequence input or output as a SequenceProto and
// an optional one as an OptionalProto (onnx.proto3 in ONNX 1.12):
//
//	SequenceProto { name = 1; elem_type = 2; tensor_values = 3; sequence_values = 5; optional_values = 7; ... }
//	OptionalProto { name = 1; elem_type = 2; tensor_value = 3; sequence_value = 5; optional_value = 7; ... }
//
// with elem_type TENSOR = 1, SEQUENCE = 3, OPTIONAL = 5. They are read with
// the package's own wire reader; sparse tensors and maps are refused.

const (
	protoElemTensor   = 1
	protoElemSequence = 3
	protoElemOptional = 5
)

// readValueFile reads a test's input or output file as the kind that v
// declares: a TensorProto, SequenceProto or OptionalProto.
func readValueFile(path string, v *value) (*tensor, error) {
	if !v.typ.isSeqKind() {
		t, err := readTensorFile(path)
		if err != nil {
			return nil, err
		}
		return bf16View(t, v), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return readSeqProto(b, v.typ.kind == typeOptional, 0)
}

// readSeqProto decodes a SequenceProto, or an OptionalProto when opt.
func readSeqProto(b []byte, opt bool, depth int) (*tensor, error) {
	if depth > 4 {
		return nil, errors.New("sequences nested too deep")
	}
	var elems []*tensor
	r := pb{b: b}
	d := decoder{lim: DefaultLimits()}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return nil, err
		}
		if f != 3 && f != 5 && f != 7 {
			if f == 4 || f == 6 {
				return nil, fmt.Errorf("field %d (a sparse tensor or map) is not supported", f)
			}
			if err := r.skip(wt); err != nil {
				return nil, err
			}
			continue
		}
		body, err := lenField(&r, wt)
		if err != nil {
			return nil, err
		}
		var e *tensor
		if f == 3 {
			var p *tensorProto
			if p, err = d.tensor(body); err == nil {
				e, err = fromProto(p, d.lim.MaxTensorElements, d.lim.MaxRank)
			}
		} else {
			e, err = readSeqProto(body, f == 7, depth+1)
		}
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
	}
	if opt {
		if len(elems) > 1 {
			return nil, errors.New("optional with more than one value")
		}
		if len(elems) == 0 {
			return newOptional(nil), nil
		}
		return newOptional(elems[0]), nil
	}
	s := &seqVal{elems: elems}
	if len(elems) > 0 {
		s.elemDT = elems[0].dt
	}
	return &tensor{seq: s}, nil
}

// compareValues compares tensors with compareTensors, and sequences and
// optionals element by element.
func compareValues(got, want *tensor, rtol, atol float64) error {
	if got.kindName() != want.kindName() {
		return fmt.Errorf("a %s, want a %s", got.kindName(), want.kindName())
	}
	if want.isPlain() {
		return compareTensors(got, want, rtol, atol)
	}
	if len(got.seq.elems) != len(want.seq.elems) {
		return fmt.Errorf("%d elements, want %d", len(got.seq.elems), len(want.seq.elems))
	}
	for i, w := range want.seq.elems {
		if err := compareValues(got.seq.elems[i], w, rtol, atol); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	return nil
}
