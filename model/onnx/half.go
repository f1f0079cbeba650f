package onnx

import "math"

// FLOAT16 (IEEE 754 binary16) and BFLOAT16 (the upper half of a binary32)
// tensors are held as float32 values that are exactly representable in
// their type: an operator computes in float32 (or float64) and its output is
// rounded to the type, to nearest with ties to even, with subnormals,
// infinities and NaN, as a kernel working natively in the type would store
// it (ONNX Runtime's CPU kernels also compute most 16-bit operators in
// float32 and round once per operator).

// Bit layouts: stored mantissa bits and exponent bits.
const (
	f16Mant, f16Exp   = 10, 5
	bf16Mant, bf16Exp = 7, 8
)

func halfLayout(dt dtype) (mant, exp uint) {
	if dt == dtBfloat16 {
		return bf16Mant, bf16Exp
	}
	return f16Mant, f16Exp
}

// toSmallFloat rounds x to the binary format with mant stored mantissa bits
// and exp exponent bits (IEEE layout) and returns its bit pattern: ties to
// even, gradual underflow, overflow to infinity, NaN kept quiet with its
// sign.
func toSmallFloat(x float64, mant, exp uint) uint16 {
	b := math.Float64bits(x)
	sign := uint16(b>>63) << (mant + exp)
	infBits := uint16(1<<exp-1) << mant
	switch {
	case math.IsNaN(x):
		return sign | infBits | 1<<(mant-1)
	case math.IsInf(x, 0):
		return sign | infBits
	}
	bias := 1<<(exp-1) - 1
	e := int(b>>52&0x7ff) - 1023
	m := b&(1<<52-1) | 1<<52 // 53 significant bits (a double subnormal is far below any result)
	if b&^(1<<63) == 0 {
		return sign
	}
	shift := uint(52 - mant)
	if e < 1-bias { // a subnormal of the small format
		shift += uint(1 - bias - e)
	}
	if shift > 53 {
		return sign // below half the smallest subnormal
	}
	q, rem, half := m>>shift, m&(1<<shift-1), uint64(1)<<(shift-1)
	if rem > half || rem == half && q&1 == 1 {
		q++
	}
	if e < 1-bias {
		// q counts subnormal steps; q == 1<<mant is the smallest normal,
		// which the same bits encode.
		return sign | uint16(q)
	}
	if q == 1<<(mant+1) {
		q >>= 1
		e++
	}
	if e > bias {
		return sign | infBits
	}
	return sign | uint16(e+bias)<<mant | uint16(q)&(1<<mant-1)
}

// halfToF32 returns the value of a FLOAT16 or BFLOAT16 bit pattern.
func halfToF32(dt dtype, h uint16) float32 {
	if dt == dtBfloat16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	e := uint32(h>>10) & 0x1f
	m := uint32(h) & 0x3ff
	switch {
	case e == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | m<<13)
	case e != 0:
		return math.Float32frombits(sign | (e+127-15)<<23 | m<<13)
	}
	v := float32(m) * (1.0 / (1 << 24)) // subnormal: m * 2^-24, exact
	if sign != 0 {
		v = -v
	}
	return v
}

// roundHalf returns x rounded to dt (FLOAT16 or BFLOAT16) as a float32.
func roundHalf(dt dtype, x float64) float32 {
	mant, exp := halfLayout(dt)
	return halfToF32(dt, toSmallFloat(x, mant, exp))
}

// roundHalfs rounds every value of v to dt in place.
func roundHalfs(dt dtype, v []float32) {
	mant, exp := halfLayout(dt)
	for i, x := range v {
		v[i] = halfToF32(dt, toSmallFloat(float64(x), mant, exp))
	}
}
