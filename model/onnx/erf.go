package onnx

import "math"

// erfSmall is erf(x) = x·P(x²) on [0, 1); erfPieces[k] a polynomial in
// x − (k + ½) on [k, k+1) for k = 1, 2, 3, and 1 from 4 on (1 − erf(4) is
// 1.5e-8, under half of float32's spacing below 1). Fitted to math.Erf by
// Chebyshev interpolation (numpy); absolute error at most 4e-9, a fifteenth
// of float32's spacing below 1 (TestErf32).
var (
	erfSmall  = [7]float64{1.1283791664453724, -0.3761262975303929, 0.11283628436788612, -0.026855629386836742, 0.0051918269029893474, -0.0008041438517807866, 7.95878049807274e-05}
	erfPieces = [5][10]float64{
		{},
		{0.9661051464019808, 0.11893028698500964, -0.17839541789438385, 0.13875218995222321, -0.04459941755702081, -0.014870582272740613, 0.01933321989616118, -0.004702630798885149, -0.0024014886203586458, 0.0015431428640850606},
		{0.9995930480971258, 0.0021782843077154564, -0.005445734625421801, 0.008350083234564602, -0.008621572935474628, 0.006117490439725155, -0.0028078417472053295, 0.000541130716560581, 0.0003055314739124498, -0.00024549470527908347},
		{0.9999992568945011, 5.399428854441996e-06, -1.8896500861893006e-05, 4.229533089581364e-05, -6.776743757791045e-05, 8.212063796795636e-05, -7.71689082909582e-05, 5.814832418930506e-05, -3.698853365261322e-05, 1.5541885268874787e-05},
		{1},
	}
)

// erf32 is erf for results rounded to float32 (the Erf operator and the fused
// GELU): polynomials only, several times cheaper than math.Erf.
func erf32(x float64) float64 {
	a := math.Abs(x)
	if a < 1 {
		c, u := &erfSmall, a*a
		return x * (c[0] + u*(c[1]+u*(c[2]+u*(c[3]+u*(c[4]+u*(c[5]+u*c[6]))))))
	}
	if !(a < 4) {
		if a != a {
			return x // NaN
		}
		a = 4
	}
	k := int(a)
	c, t := &erfPieces[k], a-float64(k)-0.5
	y := c[0] + t*(c[1]+t*(c[2]+t*(c[3]+t*(c[4]+t*(c[5]+t*(c[6]+t*(c[7]+t*(c[8]+t*c[9]))))))))
	return math.Copysign(y, x)
}
