package poisoning

import (
	"fmt"
	"math"
	"slices"
)

// ridge is added to the diagonal of the covariance of standardised
// features, which one-hot columns and collinear features make singular.
const ridge = 1e-2

// mahalanobis fits the covariance of the standardised trusted rows zt (n
// rows of d) and returns a function of a standardised row's squared
// Mahalanobis distance, or nil when the covariance cannot be factored.
func mahalanobis(zt []float64, n, d int) func([]float64) float64 {
	cov := make([]float64, d*d)
	for i := range n {
		r := zt[i*d : (i+1)*d]
		for p, vp := range r {
			if vp == 0 {
				continue
			}
			row := cov[p*d : p*d+p+1]
			for q := range row {
				row[q] += vp * r[q]
			}
		}
	}
	for p := range d {
		for q := 0; q <= p; q++ {
			cov[p*d+q] /= float64(n)
			cov[q*d+p] = cov[p*d+q]
		}
		cov[p*d+p] += ridge
	}
	// Cholesky: cov = L Lᵀ, L in the lower triangle.
	for j := range d {
		s := cov[j*d+j]
		for k := range j {
			s -= cov[j*d+k] * cov[j*d+k]
		}
		if s <= 0 {
			return nil
		}
		cov[j*d+j] = math.Sqrt(s)
		for i := j + 1; i < d; i++ {
			t := cov[i*d+j]
			for k := range j {
				t -= cov[i*d+k] * cov[j*d+k]
			}
			cov[i*d+j] = t / cov[j*d+j]
		}
	}
	return func(r []float64) float64 {
		y := make([]float64, d)
		s := 0.0
		for i := range d {
			t := r[i]
			for k := range i {
				t -= cov[i*d+k] * y[k]
			}
			y[i] = t / cov[i*d+i]
			s += y[i] * y[i]
		}
		return s
	}
}

// fence returns the Tukey far-out fence Q3 + 3 IQR of v.
func fence(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	q1, q3 := quantile(s, 0.25), quantile(s, 0.75)
	return q3 + 3*(q3-q1)
}

// quantile is the linearly interpolated quantile of sorted s (numpy's
// default).
func quantile(s []float64, p float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	h := p * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// outliers flags rows of zb whose squared Mahalanobis distance under the
// trusted rows zt exceeds both the chi-square bound at tail o.OutlierP and
// the far-out fence of the trusted distances.
func outliers(zt []float64, nt int, zb []float64, nb, d int, o Options) []Suspect {
	m := mahalanobis(zt, nt, d)
	if m == nil {
		return nil
	}
	dt := make([]float64, nt)
	for i := range nt {
		dt[i] = m(zt[i*d : (i+1)*d])
	}
	bound := max(chi2Quantile(1-o.OutlierP, float64(d)), fence(dt))
	var out []Suspect
	for i := range nb {
		v := m(zb[i*d : (i+1)*d])
		if v > bound {
			out = append(out, Suspect{Row: i, Check: CheckOutlier, Score: v / bound,
				Reason: fmt.Sprintf("squared Mahalanobis distance %.1f over the bound %.1f (chi-square tail %.0e, far-out fence of the trusted rows)", v, bound, o.OutlierP)})
		}
	}
	return out
}

// chi2Quantile approximates the p-quantile of the chi-square distribution
// with k degrees of freedom (Wilson-Hilferty).
func chi2Quantile(p, k float64) float64 {
	z := normQuantile(p)
	a := 2 / (9 * k)
	return k * math.Pow(1-a+z*math.Sqrt(a), 3)
}

// normQuantile is the standard normal quantile.
func normQuantile(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// spectral flags, per class, the rows of the batch whose squared
// projection on the top singular vector of the class's centred trusted
// rows is beyond the far-out fence of the trusted scores of that class,
// and among the top 1.5·PoisonFrac of the batch's rows of the class
// (Tran, Li and Madry, 2018, on input features rather than activations).
// zt/yt are the trusted rows, zb/yb the batch (the same slices in a scan).
func spectral(zt []float64, yt []int, zb []float64, yb []int, d, k int, o Options, name func(int) string) []Suspect {
	var out []Suspect
	for c := range k {
		var tr, br []int
		for i, y := range yt {
			if y == c {
				tr = append(tr, i)
			}
		}
		for i, y := range yb {
			if y == c {
				br = append(br, i)
			}
		}
		if len(tr) < 10 || len(br) == 0 {
			continue
		}
		mean := make([]float64, d)
		for _, i := range tr {
			for j, v := range zt[i*d : (i+1)*d] {
				mean[j] += v
			}
		}
		for j := range mean {
			mean[j] /= float64(len(tr))
		}
		v := topVector(zt, tr, mean, d)
		score := func(z []float64, i int) float64 {
			s := 0.0
			for j, x := range z[i*d : (i+1)*d] {
				s += (x - mean[j]) * v[j]
			}
			return s * s
		}
		st := make([]float64, len(tr))
		for q, i := range tr {
			st[q] = score(zt, i)
		}
		sorted := slices.Clone(st)
		slices.Sort(sorted)
		med := max(quantile(sorted, 0.5), 1e-12)
		f := fence(st)
		sb := make([]float64, len(br))
		for q, i := range br {
			sb[q] = score(zb, i)
		}
		top := slices.Clone(sb)
		slices.Sort(top)
		keep := max(1, int(math.Ceil(1.5*o.PoisonFrac*float64(len(br)))))
		cut := top[max(len(top)-keep, 0)]
		for q, i := range br {
			if sb[q] > f && sb[q] >= cut {
				out = append(out, Suspect{Row: i, Check: CheckSpectral, Score: sb[q] / med,
					Reason: fmt.Sprintf("spectral score %.1f× the median of class %s, beyond its far-out fence %.1f×", sb[q]/med, name(c), f/med)})
			}
		}
	}
	slices.SortFunc(out, func(a, b Suspect) int { return a.Row - b.Row })
	return out
}

// topVector returns the top right singular vector of the centred rows idx
// of z by power iteration on their covariance.
func topVector(z []float64, idx []int, mean []float64, d int) []float64 {
	v := make([]float64, d)
	for j := range v {
		v[j] = 1 / math.Sqrt(float64(d)) * (1 + 0.01*float64(j%7))
	}
	w := make([]float64, d)
	c := make([]float64, d)
	for range 100 {
		clear(w)
		for _, i := range idx {
			r := z[i*d : (i+1)*d]
			s := 0.0
			for j, x := range r {
				c[j] = x - mean[j]
				s += c[j] * v[j]
			}
			for j := range w {
				w[j] += s * c[j]
			}
		}
		norm := 0.0
		for _, x := range w {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			return v
		}
		diff := 0.0
		for j := range v {
			x := w[j] / norm
			diff += math.Abs(x - v[j])
			v[j] = x
		}
		if diff < 1e-10 {
			break
		}
	}
	return v
}
