package onnx

import (
	"errors"
	"fmt"
)

// Sequences and optionals. A graph value is a tensor, a sequence of tensors
// or an optional (holding a tensor, a sequence, or nothing). The runner
// keeps all three in *tensor headers: a sequence or optional has seq set and
// no type or data of its own. A seqVal is never modified once made, and its
// elements are copies owned by sequences (never a runner's buffer, which
// the next run or loop iteration overwrites), so sequences share elements
// freely: SequenceInsert copies the new tensor and the list of pointers,
// not the other elements. Only operators whose opDef declares tsSeq see
// such values (runner.checkTypes); the others refuse them by name.
//
// Limits: a sequence holds at most MaxTensorElements elements in all
// (an empty tensor counts as one, so that its length is bounded too); the
// copies of tensors put into sequences and the lists of element pointers
// count against MaxRunBytes until the run ends.

// seqVal is the content of a sequence or an optional value.
type seqVal struct {
	opt    bool      // an optional: elems holds its one element, or none when empty
	elems  []*tensor // plain tensors (an optional's element may be a sequence)
	elemDT dtype     // a sequence's element type, dtUndefined while unknown
}

// tsSeq marks an operator that takes sequence and optional values
// (opDef.types); its kernel checks the kind of every input itself.
const tsSeq = typeSet(1 << 31)

// kindName names the kind of value t.
func (t *tensor) kindName() string {
	switch {
	case t.seq == nil:
		return "tensor"
	case t.seq.opt:
		return "optional"
	}
	return "sequence"
}

// isPlain reports whether t is a tensor (not a sequence or optional).
func (t *tensor) isPlain() bool { return t.seq == nil }

// typeKindName names a declared type kind.
func typeKindName(kind int) string {
	switch kind {
	case typeTensor:
		return "tensor"
	case typeSequence:
		return "sequence"
	case typeOptional:
		return "optional"
	case typeMap:
		return "map"
	case typeSparse:
		return "sparse tensor"
	}
	return fmt.Sprintf("type kind %d", kind)
}

// isSeqKind reports whether a declared type is a sequence or an optional.
func (t *typeProto) isSeqKind() bool {
	return t != nil && (t.kind == typeSequence || t.kind == typeOptional)
}

// setValue makes node output k the value v (a sequence, an optional, or a
// tensor that is not a runner buffer).
func (r *runner) setValue(n *node, k int, v *tensor) {
	if r.wantOut(n, k) {
		r.vals[n.out[k]] = v
	}
}

// elemBytes is what an element of a sequence costs beyond its data: its
// tensor header and shape, counted against MaxRunBytes with the data.
const elemBytes = 192

// own returns a copy of tensor t that a sequence may hold, counted against
// the run's byte budget (strings by their headers and bytes).
func (r *runner) own(t *tensor) (*tensor, error) {
	b := int64(t.len())*8 + elemBytes
	for _, s := range t.s {
		b += int64(len(s)) + 8
	}
	if err := r.accountTemp(b); err != nil {
		return nil, err
	}
	return t.clone(), nil
}

// newSeq makes a sequence of elems (owned copies or elements of other
// sequences) of element type dt (dtUndefined: the elements' type, if any).
func (r *runner) newSeq(elems []*tensor, dt dtype) (*tensor, error) {
	total := 0
	for _, e := range elems {
		if !e.isPlain() {
			return nil, fmt.Errorf("a sequence holds tensors, not a %s", e.kindName())
		}
		if dt == dtUndefined {
			dt = e.dt
		}
		if e.dt != dt {
			return nil, fmt.Errorf("a sequence of %v cannot hold %v", dt, e)
		}
		if total += max(e.size(), 1); total > r.g.lim.MaxTensorElements {
			return nil, fmt.Errorf("sequence has more than %d elements in all", r.g.lim.MaxTensorElements)
		}
	}
	if err := r.accountTemp(int64(len(elems)) * 8); err != nil {
		return nil, err
	}
	return &tensor{seq: &seqVal{elems: elems, elemDT: dt}}, nil
}

// newOptional makes an optional holding v (nil: empty).
func newOptional(v *tensor) *tensor {
	o := &seqVal{opt: true}
	if v != nil {
		o.elems = []*tensor{v}
	}
	return &tensor{seq: o}
}

// seqIn returns node input k, which must be a sequence.
func (r *runner) seqIn(n *node, k int) (*seqVal, error) {
	t := r.in(n, k)
	if t == nil {
		return nil, fmt.Errorf("input %d is missing", k)
	}
	if t.seq == nil || t.seq.opt {
		return nil, fmt.Errorf("input %d must be a sequence, have a %s", k, t.kindName())
	}
	return t.seq, nil
}

// plainIn returns node input k (nil when absent), which must be a tensor.
func (r *runner) plainIn(n *node, k int) (*tensor, error) {
	t := r.in(n, k)
	if t != nil && !t.isPlain() {
		return nil, fmt.Errorf("input %d must be a tensor, have a %s", k, t.kindName())
	}
	return t, nil
}

// feedValue checks a sequence or optional fed to graph input vi (or a
// tensor fed where the graph declares a sequence or optional). A value
// declared optional may also be fed its element (a Loop carries an
// optional sequence as a plain sequence after its first iteration, and
// OptionalHasElement takes either). The content of a sequence fed from
// outside is checked against the limits; those the interpreter makes were
// checked when they were made.
func (r *runner) feedValue(vi int, t *tensor) error {
	v := r.g.values[vi]
	if typ := v.typ; typ != nil && typ.kind != 0 && typ.kind != typeOptional {
		if want := typeKindName(typ.kind); want != t.kindName() {
			return fmt.Errorf("input %q: got a %s, the graph declares a %s", v.name, t.kindName(), want)
		}
	}
	if r.sub || t.isPlain() {
		return nil
	}
	return checkSeq(t, r.g.lim, 0)
}

// checkSeq checks a sequence or optional from outside the interpreter:
// its elements' shapes and data against the limits.
func checkSeq(t *tensor, lim Limits, depth int) error {
	if depth > 1 {
		return errors.New("optionals and sequences nest at most two deep")
	}
	total := 0
	for _, e := range t.seq.elems {
		switch {
		case e == nil:
			return errors.New("missing element")
		case !e.isPlain():
			if !t.seq.opt {
				return fmt.Errorf("a sequence holds tensors, not a %s", e.kindName())
			}
			if err := checkSeq(e, lim, depth+1); err != nil {
				return err
			}
			continue
		case !e.dt.supported():
			return fmt.Errorf("element type %v is not supported", e.dt)
		case len(e.shape) > lim.MaxRank:
			return fmt.Errorf("element rank %d exceeds the limit of %d", len(e.shape), lim.MaxRank)
		}
		if _, err := checkedProd(e.shape, lim.MaxTensorElements); err != nil {
			return err
		}
		if e.size() != e.len() {
			return fmt.Errorf("element data does not match shape %v", e.shape)
		}
		if !t.seq.opt && t.seq.elemDT != dtUndefined && e.dt != t.seq.elemDT {
			return fmt.Errorf("a sequence of %v holds %v", t.seq.elemDT, e)
		}
		if total += max(e.size(), 1); total > lim.MaxTensorElements {
			return fmt.Errorf("sequence has more than %d elements in all", lim.MaxTensorElements)
		}
	}
	return nil
}
