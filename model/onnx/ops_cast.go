package onnx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Cast converts between every supported type: FLOAT, DOUBLE, FLOAT16,
// BFLOAT16, the integer types, BOOL and STRING. Floats to integers truncate
// toward zero and wrap (as numpy's astype does on this machine); floats to
// FLOAT16 and BFLOAT16 round to nearest even from the source value (no
// double rounding through float32), overflowing to infinity (the saturate
// attribute of opset 19 is beyond the supported opsets); numbers to STRING
// are formatted as numpy's str does, which ONNX's reference implementation
// uses; strings parse as numbers (surrounding spaces allowed, "NaN", "INF",
// "-inf" and so on in any case).
type castOp struct{ to dtype }

func makeCast(a *attrs) (kernel, error) {
	to := dtype(a.int("to", 0))
	if !to.supported() {
		return nil, fmt.Errorf("Cast to %v is not supported", to)
	}
	return &castOp{to: to}, nil
}

func (k *castOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt == k.to {
		return r.alias(n, 0, x, x.shape)
	}
	y, err := r.out(n, 0, k.to, x.shape)
	if err != nil {
		return err
	}
	switch {
	case k.to == dtString:
		for i := range y.s {
			y.s[i] = formatElem(x, i)
		}
		return r.accountStrings(y.s)
	case x.dt == dtString:
		return parseStrings(y, x.s)
	case x.dt.isInt():
		castInts(y, x)
	default:
		castFloats(y, x)
	}
	return nil
}

// castInts converts an integer or BOOL tensor to y's type.
func castInts(y, x *tensor) {
	switch {
	case y.dt.isInt():
		for i, v := range x.i {
			y.i[i] = y.dt.wrap(v)
		}
	default:
		storeFloats(y, len(x.i), func(i int) float64 {
			if x.dt == dtUint64 {
				return float64(uint64(x.i[i]))
			}
			return float64(x.i[i])
		})
	}
}

// castFloats converts a float tensor to y's type (another float type, an
// integer type or BOOL).
func castFloats(y, x *tensor) {
	n := x.size()
	switch {
	case y.dt == dtBool:
		for i := range n {
			y.i[i] = int64(b2f(num(x, i) != 0))
		}
	case y.dt == dtUint64:
		for i := range n {
			y.i[i] = int64(uint64(num(x, i)))
		}
	case y.dt.isInt():
		for i := range n {
			y.i[i] = y.dt.wrap(int64(num(x, i)))
		}
	case y.dt == dtFloat16 || y.dt == dtBfloat16:
		for i := range n {
			y.f[i] = roundHalf(y.dt, num(x, i))
		}
	default:
		storeFloats(y, n, func(i int) float64 { return num(x, i) })
	}
}

// parseStrings parses the strings of s into y's numeric type.
func parseStrings(y *tensor, s []string) error {
	for i, v := range s {
		v = strings.TrimSpace(v)
		switch {
		case y.dt == dtBool:
			b, err := strconv.ParseBool(v)
			if err != nil {
				f, ferr := strconv.ParseFloat(v, 64)
				if ferr != nil {
					return fmt.Errorf("cannot cast %q to BOOL", truncate(v))
				}
				b = f != 0
			}
			y.i[i] = int64(b2f(b))
		case y.dt.isInt():
			var iv int64
			var err error
			if y.dt == dtUint64 {
				var u uint64
				u, err = strconv.ParseUint(v, 10, 64)
				iv = int64(u)
			} else {
				iv, err = strconv.ParseInt(v, 10, 64)
			}
			if err != nil {
				f, ferr := strconv.ParseFloat(v, 64)
				if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return fmt.Errorf("cannot cast %q to %v", truncate(v), y.dt)
				}
				iv = int64(f)
			}
			y.i[i] = y.dt.wrap(iv)
		default:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil && !isRangeErr(err) {
				return fmt.Errorf("cannot cast %q to %v", truncate(v), y.dt)
			}
			switch {
			case y.dt == dtDouble:
				y.d[i] = f
			case y.dt == dtFloat:
				y.f[i] = float32(f)
			default:
				y.f[i] = roundHalf(y.dt, f)
			}
		}
	}
	return nil
}

// isRangeErr reports a value out of float64's range (ParseFloat then
// returns ±Inf or 0, which is the cast's result).
func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// truncate shortens a string quoted in an error message.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// formatElem formats element i of a numeric tensor as numpy's str does.
func formatElem(x *tensor, i int) string {
	switch {
	case x.dt == dtBool:
		if x.i[i] != 0 {
			return "True"
		}
		return "False"
	case x.dt == dtUint64:
		return strconv.FormatUint(uint64(x.i[i]), 10)
	case x.dt.isInt():
		return strconv.FormatInt(x.i[i], 10)
	case x.dt == dtDouble:
		return formatFloat(x.d[i], 64)
	case x.dt == dtFloat:
		return formatFloat(float64(x.f[i]), 32)
	}
	// FLOAT16 and BFLOAT16: the shortest decimal that rounds back to the
	// value in its own type (float32 digits would be longer).
	v := float64(x.f[i])
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return formatFloat(v, 64)
	}
	for p := range 17 {
		w, err := strconv.ParseFloat(strconv.FormatFloat(v, 'e', p, 64), 64)
		if err == nil && float64(roundHalf(x.dt, w)) == v {
			return formatFloat(w, 64)
		}
	}
	return formatFloat(v, 64)
}

// formatFloat formats v as numpy's str of a float32 (bits 32) or float64
// scalar: the shortest digits that read back as the same value, positional
// with at least one decimal ("1.0", "0.0001") when 1e-4 <= |v| < 1e16,
// otherwise scientific with a two-digit exponent ("1e-05", "1.5e+16");
// "nan", "inf", "-inf".
func formatFloat(v float64, bits int) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	if a := math.Abs(v); a == 0 || a >= 1e-4 && a < 1e16 {
		s := strconv.FormatFloat(v, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(v, 'e', -1, bits) // d.ddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	if len(exp) == 2 { // sign and one digit
		exp = exp[:1] + "0" + exp[1:]
	}
	return mant + "e" + exp
}

func (k *castOp) backward(r *runner, n *node) error {
	if k.to != dtFloat || r.in(n, 0).dt != dtFloat {
		return nil
	}
	return addInto(r.gradIn(n, 0), r.gradOut(n, 0))
}
