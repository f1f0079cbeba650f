package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file reads the protobuf wire format: just enough to decode the ONNX
// messages by hand, so that no protobuf package named "onnx" is registered.

// Wire types.
const (
	wtVarint = 0
	wtI64    = 1
	wtLen    = 2
	wtI32    = 5
)

var errTruncated = errors.New("truncated protobuf message")

// pb reads one protobuf message from b.
type pb struct {
	b []byte
	i int
}

func (r *pb) more() bool { return r.i < len(r.b) }

func (r *pb) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.i >= len(r.b) {
			return 0, errTruncated
		}
		c := r.b[r.i]
		r.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("varint longer than 10 bytes")
}

// key reads a field key.
func (r *pb) key() (field int, wt int, err error) {
	k, err := r.varint()
	if err != nil {
		return 0, 0, err
	}
	field = int(k >> 3)
	wt = int(k & 7)
	if field <= 0 || k>>3 > math.MaxInt32 {
		return 0, 0, fmt.Errorf("invalid field number %d", k>>3)
	}
	return field, wt, nil
}

// bytes reads a length-delimited field. The result aliases the input.
func (r *pb) bytes() ([]byte, error) {
	n, err := r.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.b)-r.i) {
		return nil, errTruncated
	}
	b := r.b[r.i : r.i+int(n) : r.i+int(n)]
	r.i += int(n)
	return b, nil
}

func (r *pb) fixed32() (uint32, error) {
	if len(r.b)-r.i < 4 {
		return 0, errTruncated
	}
	v := binary.LittleEndian.Uint32(r.b[r.i:])
	r.i += 4
	return v, nil
}

func (r *pb) fixed64() (uint64, error) {
	if len(r.b)-r.i < 8 {
		return 0, errTruncated
	}
	v := binary.LittleEndian.Uint64(r.b[r.i:])
	r.i += 8
	return v, nil
}

// skip skips a field of wire type wt.
func (r *pb) skip(wt int) error {
	var err error
	switch wt {
	case wtVarint:
		_, err = r.varint()
	case wtI64:
		_, err = r.fixed64()
	case wtLen:
		_, err = r.bytes()
	case wtI32:
		_, err = r.fixed32()
	default:
		err = fmt.Errorf("unsupported wire type %d", wt)
	}
	return err
}

func (r *pb) str(wt int) (string, error) {
	if wt != wtLen {
		return "", fmt.Errorf("wire type %d for a string field", wt)
	}
	b, err := r.bytes()
	return string(b), err
}

func (r *pb) int64v(wt int) (int64, error) {
	if wt != wtVarint {
		return 0, fmt.Errorf("wire type %d for an integer field", wt)
	}
	v, err := r.varint()
	return int64(v), err
}

func (r *pb) float32v(wt int) (float32, error) {
	if wt != wtI32 {
		return 0, fmt.Errorf("wire type %d for a float field", wt)
	}
	v, err := r.fixed32()
	return math.Float32frombits(v), err
}

// appendInt64s reads a repeated int64 (or int32, uint64) field, packed or not.
// max bounds the total number of elements.
func (r *pb) appendInt64s(dst []int64, wt, max int) ([]int64, error) {
	switch wt {
	case wtVarint:
		v, err := r.varint()
		if err != nil {
			return dst, err
		}
		if len(dst) >= max {
			return dst, fmt.Errorf("more than %d elements in a repeated field", max)
		}
		return append(dst, int64(v)), nil
	case wtLen:
		b, err := r.bytes()
		if err != nil {
			return dst, err
		}
		n := 0
		for _, c := range b {
			if c < 0x80 {
				n++
			}
		}
		if len(dst)+n > max {
			return dst, fmt.Errorf("more than %d elements in a repeated field", max)
		}
		dst = grow(dst, n)
		sub := pb{b: b}
		for sub.more() {
			v, err := sub.varint()
			if err != nil {
				return dst, err
			}
			dst = append(dst, int64(v))
		}
		return dst, nil
	}
	return dst, fmt.Errorf("wire type %d for a repeated integer field", wt)
}

// appendFloat32s reads a repeated float field, packed or not.
func (r *pb) appendFloat32s(dst []float32, wt, max int) ([]float32, error) {
	switch wt {
	case wtI32:
		v, err := r.fixed32()
		if err != nil {
			return dst, err
		}
		if len(dst) >= max {
			return dst, fmt.Errorf("more than %d elements in a repeated field", max)
		}
		return append(dst, math.Float32frombits(v)), nil
	case wtLen:
		b, err := r.bytes()
		if err != nil {
			return dst, err
		}
		if len(b)%4 != 0 {
			return dst, errors.New("packed float field length is not a multiple of 4")
		}
		n := len(b) / 4
		if len(dst)+n > max {
			return dst, fmt.Errorf("more than %d elements in a repeated field", max)
		}
		dst = grow(dst, n)
		for i := 0; i < n; i++ {
			dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
		return dst, nil
	}
	return dst, fmt.Errorf("wire type %d for a repeated float field", wt)
}

// appendFloat64s reads a repeated double field, packed or not.
func (r *pb) appendFloat64s(dst []float64, wt, max int) ([]float64, error) {
	switch wt {
	case wtI64:
		v, err := r.fixed64()
		if err != nil {
			return dst, err
		}
		if len(dst) >= max {
			return dst, fmt.Errorf("more than %d elements in a repeated field", max)
		}
		return append(dst, math.Float64frombits(v)), nil
	case wtLen:
		b, err := r.bytes()
		if err != nil {
			return dst, err
		}
		if len(b)%8 != 0 {
			return dst, errors.New("packed double field length is not a multiple of 8")
		}
		n := len(b) / 8
		if len(dst)+n > max {
			return dst, fmt.Errorf("more than %d elements in a repeated field", max)
		}
		dst = grow(dst, n)
		for i := 0; i < n; i++ {
			dst = append(dst, math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
		return dst, nil
	}
	return dst, fmt.Errorf("wire type %d for a repeated double field", wt)
}

func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	t := make([]T, len(s), len(s)+n)
	copy(t, s)
	return t
}
