package onnx

import "math"

// erfPoly are the pieces of erf32: x·P(x²) on [0, 1), then a polynomial in
// x − (k + ½) on [k, k+1) for k = 1, 2, 3; from 4 on, 1 (1 − erf(4) is
// 1.5e-8, under half of float32's spacing below 1).
// Fitted to math.Erf by Chebyshev interpolation (numpy), absolute error at
// most 2.7e-9, a twentieth of float32's spacing below 1 (TestErf32).
var erfPoly = [4][]float64{
	{1.1283791664453724, -0.3761262975303929, 0.11283628436788612, -0.026855629386836742, 0.0051918269029893474, -0.0008041438517807866, 7.95878049807274e-05},
	{0.96610514640197, 0.11893028698468881, -0.17839541789279637, 0.13875218997354766, -0.04459941759633937, -0.014870582642348267, 0.019333220198617024, -0.004702628486771781, -0.0024014893292910655, 0.0015431381367100258},
	{0.9995930480971411, 0.002178314253334668, -0.005445734628358447, 0.008348419317488004, -0.008621572861941703, 0.00614222100949005, -0.002807842313353488, 0.00040586226991367886, 0.00030553280096628225},
	{0.999999257871323, 5.397533043427692e-06, -1.9028325831782353e-05, 4.240067090907023e-05, -6.502702850935232e-05, 8.055498404421752e-05, -9.523457105014111e-05, 6.671195845294821e-05},
}

// erf32 is erf for results rounded to float32 (the Erf operator and the fused
// GELU): polynomials only, several times cheaper than math.Erf.
func erf32(x float64) float64 {
	a := math.Abs(x)
	var c []float64
	var t float64
	switch {
	case a < 1:
		c, t = erfPoly[0], a*a
	case a < 4:
		k := int(a)
		c, t = erfPoly[k], a-float64(k)-0.5
	case a >= 4:
		return math.Copysign(1, x)
	default: // NaN
		return x
	}
	y := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		y = y*t + c[i]
	}
	if a < 1 {
		y *= a
	}
	return math.Copysign(y, x)
}
