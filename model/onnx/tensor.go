package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// dtype is an ONNX TensorProto.DataType value.
type dtype int64

// Data types. FLOAT is held as float32 and DOUBLE as float64; FLOAT16 and
// BFLOAT16 are held as float32 rounded to their type after every operator
// (half.go); the integer types and BOOL are held as int64 and wrapped to
// their range on every store; STRING as Go strings.
const (
	dtUndefined dtype = 0
	dtFloat     dtype = 1
	dtUint8     dtype = 2
	dtInt8      dtype = 3
	dtUint16    dtype = 4
	dtInt16     dtype = 5
	dtInt32     dtype = 6
	dtInt64     dtype = 7
	dtString    dtype = 8
	dtBool      dtype = 9
	dtFloat16   dtype = 10
	dtDouble    dtype = 11
	dtUint32    dtype = 12
	dtUint64    dtype = 13
	dtBfloat16  dtype = 16
)

var dtypeNames = map[dtype]string{
	dtFloat: "FLOAT", dtUint8: "UINT8", dtInt8: "INT8", dtUint16: "UINT16", dtInt16: "INT16",
	dtInt32: "INT32", dtInt64: "INT64", dtString: "STRING", dtBool: "BOOL", dtFloat16: "FLOAT16",
	dtDouble: "DOUBLE", dtUint32: "UINT32", dtUint64: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128",
	dtBfloat16: "BFLOAT16",
	// ONNX 1.14 to 1.22: refused, named in messages.
	17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1",
	24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2",
}

func (d dtype) String() string {
	if s, ok := dtypeNames[d]; ok {
		return s
	}
	return fmt.Sprintf("dtype(%d)", int64(d))
}

// isInt reports whether d is held in int64 storage.
func (d dtype) isInt() bool {
	switch d {
	case dtUint8, dtInt8, dtUint16, dtInt16, dtInt32, dtInt64, dtBool, dtUint32, dtUint64:
		return true
	}
	return false
}

// supported reports whether the interpreter can hold tensors of type d.
func (d dtype) supported() bool { return d.isFloat() || d.isInt() || d == dtString }

// isFloat reports whether d is a floating-point type.
func (d dtype) isFloat() bool {
	return d == dtFloat || d == dtDouble || d == dtFloat16 || d == dtBfloat16
}

// inF reports whether d is held in float32 storage (tensor.f): FLOAT, and
// FLOAT16 and BFLOAT16 rounded to their type.
func (d dtype) inF() bool { return d == dtFloat || d == dtFloat16 || d == dtBfloat16 }

// wrap converts v to the range of integer type d, as a C cast would.
func (d dtype) wrap(v int64) int64 {
	switch d {
	case dtUint8:
		return int64(uint8(v))
	case dtInt8:
		return int64(int8(v))
	case dtUint16:
		return int64(uint16(v))
	case dtInt16:
		return int64(int16(v))
	case dtInt32:
		return int64(int32(v))
	case dtUint32:
		return int64(uint32(v))
	case dtBool:
		if v != 0 {
			return 1
		}
		return 0
	}
	return v
}

// bounds returns the smallest and largest values of integer type d.
func (d dtype) bounds() (int64, int64) {
	switch d {
	case dtUint8:
		return 0, math.MaxUint8
	case dtInt8:
		return math.MinInt8, math.MaxInt8
	case dtUint16:
		return 0, math.MaxUint16
	case dtInt16:
		return math.MinInt16, math.MaxInt16
	case dtInt32:
		return math.MinInt32, math.MaxInt32
	case dtUint32:
		return 0, math.MaxUint32
	case dtBool:
		return 0, 1
	case dtUint64:
		return 0, math.MaxInt64
	}
	return math.MinInt64, math.MaxInt64
}

// tensor is the interpreter's tensor: FLOAT, FLOAT16 and BFLOAT16 data in f,
// DOUBLE data in d, integer and BOOL data in i, STRING data in s. Exactly
// the field of its type is set (nil for an empty tensor).
type tensor struct {
	dt    dtype
	shape []int
	f     []float32
	d     []float64
	i     []int64
	s     []string
	seq   *seqVal // a sequence or optional value (value.go): no type or data of its own
}

func (t *tensor) size() int { return prod(t.shape) }

// len returns the length of the data field of t's type.
func (t *tensor) len() int {
	switch {
	case t.dt.inF():
		return len(t.f)
	case t.dt == dtDouble:
		return len(t.d)
	case t.dt == dtString:
		return len(t.s)
	}
	return len(t.i)
}

// typeSet is a set of data types (bit dt).
type typeSet uint32

func typeBit(dt dtype) typeSet { return 1 << uint(dt) }

// Sets of the types beyond FLOAT, the integer types and BOOL that an
// operator may declare it handles (opDef.types).
const (
	tsHalf   = typeSet(1<<dtFloat16 | 1<<dtBfloat16)
	tsFloats = tsHalf | 1<<dtDouble // DOUBLE, FLOAT16, BFLOAT16
	tsString = typeSet(1 << dtString)
	tsAll    = tsFloats | tsString
)

// extra reports whether d is one of the types an operator must declare.
func (d dtype) extra() bool { return d.supported() && typeBit(d)&tsAll != 0 }

func (t *tensor) rank() int { return len(t.shape) }

func (t *tensor) String() string {
	if t.seq != nil {
		return fmt.Sprintf("%s(%d)", t.kindName(), len(t.seq.elems))
	}
	return fmt.Sprintf("%v%v", t.dt, t.shape)
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// checkedProd returns the product of shape, or an error when a dimension is
// negative or the product exceeds max. Zero dimensions count as one for the
// bound, so that an empty tensor cannot carry huge other dimensions (which
// index tables and loops would be sized by).
func checkedProd(shape []int, max int) (int, error) {
	n, zero := 1, false
	for _, d := range shape {
		switch {
		case d < 0:
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		case d == 0:
			zero = true
		case n > max/d:
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, max)
		default:
			n *= d
		}
	}
	if zero {
		return 0, nil
	}
	return n, nil
}

// clone returns a deep copy of t.
func (t *tensor) clone() *tensor {
	if t.seq != nil {
		return &tensor{seq: t.seq} // its content is never modified
	}
	c := &tensor{dt: t.dt, shape: append([]int(nil), t.shape...)}
	if t.f != nil {
		c.f = append([]float32(nil), t.f...)
	}
	if t.d != nil {
		c.d = append([]float64(nil), t.d...)
	}
	if t.i != nil {
		c.i = append([]int64(nil), t.i...)
	}
	if t.s != nil {
		c.s = append([]string(nil), t.s...)
	}
	return c
}

// ints returns the tensor's values as int64 (integers only).
func (t *tensor) ints() ([]int64, error) {
	if !t.dt.isInt() {
		return nil, fmt.Errorf("want an integer tensor, have %v", t.dt)
	}
	return t.i, nil
}

// scalarFloat returns the single value of a one-element tensor as float64.
func (t *tensor) scalarFloat() (float64, error) {
	if t.size() != 1 {
		return 0, fmt.Errorf("want a scalar, have shape %v", t.shape)
	}
	switch {
	case t.dt.inF():
		return float64(t.f[0]), nil
	case t.dt == dtDouble:
		return t.d[0], nil
	case t.dt.isInt():
		return float64(t.i[0]), nil
	}
	return 0, fmt.Errorf("want a number, have %v", t.dt)
}

// fromProto converts a TensorProto into a tensor, checking its size against
// maxElems.
func fromProto(p *tensorProto, maxElems, maxRank int) (*tensor, error) {
	if p.external {
		return nil, errors.New("external tensor data is not supported")
	}
	if p.segment {
		return nil, errors.New("segmented tensors are not supported")
	}
	if len(p.dims) > maxRank {
		return nil, fmt.Errorf("rank %d exceeds the limit of %d", len(p.dims), maxRank)
	}
	shape := make([]int, len(p.dims))
	for i, d := range p.dims {
		if d < 0 || d > int64(maxElems) {
			return nil, fmt.Errorf("dimension %d out of range", d)
		}
		shape[i] = int(d)
	}
	n, err := checkedProd(shape, maxElems)
	if err != nil {
		return nil, err
	}
	dt := dtype(p.dataType)
	t := &tensor{dt: dt, shape: shape}
	switch {
	case dt == dtFloat:
		switch {
		case p.hasRaw:
			if len(p.rawData) != 4*n {
				return nil, fmt.Errorf("raw data has %d bytes, want %d", len(p.rawData), 4*n)
			}
			t.f = make([]float32, n)
			for i := range t.f {
				t.f[i] = math.Float32frombits(binary.LittleEndian.Uint32(p.rawData[4*i:]))
			}
		case len(p.floatData) == n:
			t.f = append([]float32(nil), p.floatData...)
		default:
			return nil, fmt.Errorf("tensor has %d float values, want %d", len(p.floatData), n)
		}
	case dt.isInt():
		w := map[dtype]int{dtUint8: 1, dtInt8: 1, dtBool: 1, dtUint16: 2, dtInt16: 2, dtInt32: 4, dtUint32: 4, dtInt64: 8, dtUint64: 8}[dt]
		t.i = make([]int64, n)
		switch {
		case p.hasRaw:
			if len(p.rawData) != w*n {
				return nil, fmt.Errorf("raw data has %d bytes, want %d", len(p.rawData), w*n)
			}
			for i := range t.i {
				b := p.rawData[w*i:]
				var v int64
				switch w {
				case 1:
					v = int64(b[0])
				case 2:
					v = int64(binary.LittleEndian.Uint16(b))
				case 4:
					v = int64(binary.LittleEndian.Uint32(b))
				case 8:
					v = int64(binary.LittleEndian.Uint64(b))
				}
				t.i[i] = dt.wrap(v)
			}
		default:
			src := p.int32Data
			switch dt {
			case dtInt64:
				src = p.int64Data
			case dtUint32, dtUint64:
				src = p.uint64Data
			}
			if len(src) != n {
				return nil, fmt.Errorf("tensor has %d %v values, want %d", len(src), dt, n)
			}
			for i, v := range src {
				t.i[i] = dt.wrap(v)
			}
		}
	case dt == dtDouble:
		switch {
		case p.hasRaw:
			if len(p.rawData) != 8*n {
				return nil, fmt.Errorf("raw data has %d bytes, want %d", len(p.rawData), 8*n)
			}
			t.d = make([]float64, n)
			for i := range t.d {
				t.d[i] = math.Float64frombits(binary.LittleEndian.Uint64(p.rawData[8*i:]))
			}
		case len(p.doubleData) == n:
			t.d = append([]float64(nil), p.doubleData...)
		default:
			return nil, fmt.Errorf("tensor has %d double values, want %d", len(p.doubleData), n)
		}
	case dt == dtFloat16 || dt == dtBfloat16:
		// Raw: two bytes per value; otherwise the bit patterns in int32_data.
		if p.hasRaw && len(p.rawData) != 2*n || !p.hasRaw && len(p.int32Data) != n {
			return nil, fmt.Errorf("tensor has the wrong amount of %v data for %d values", dt, n)
		}
		t.f = make([]float32, n)
		for i := range t.f {
			var bits uint16
			if p.hasRaw {
				bits = binary.LittleEndian.Uint16(p.rawData[2*i:])
			} else {
				bits = uint16(p.int32Data[i])
			}
			t.f[i] = halfToF32(dt, bits)
		}
	case dt == dtString:
		if p.hasRaw || len(p.stringData) != n {
			return nil, fmt.Errorf("tensor has %d strings, want %d", len(p.stringData), n)
		}
		t.s = make([]string, n)
		for i, b := range p.stringData {
			t.s[i] = string(b)
		}
	default:
		return nil, fmt.Errorf("data type %v is not supported", dt)
	}
	return t, nil
}

// protoFloat64s returns the values of a FLOAT or DOUBLE TensorProto as
// float64 (used for the *_as_tensor attributes of ai.onnx.ml operators).
func protoFloat64s(p *tensorProto, maxElems int) ([]float64, error) {
	t, err := fromProto(p, maxElems, 8)
	if err != nil {
		return nil, err
	}
	switch t.dt {
	case dtDouble:
		return t.d, nil
	case dtFloat:
		out := make([]float64, len(t.f))
		for i, v := range t.f {
			out[i] = float64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want FLOAT or DOUBLE, have %v", t.dt)
}
