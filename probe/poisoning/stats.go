package poisoning

import (
	"math"
	"slices"
)

// KS is the two-sample Kolmogorov-Smirnov statistic D (the largest gap
// between the empirical distribution functions, ties handled as scipy's
// ks_2samp does) and its asymptotic two-sided p-value, the Kolmogorov
// survival function at sqrt(n·m/(n+m))·D (scipy's kstwobign.sf).
func KS(a, b []float64) (d, p float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 1
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	i, j := 0, 0
	na, nb := float64(len(x)), float64(len(y))
	for i < len(x) && j < len(y) {
		v := min(x[i], y[j])
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		d = max(d, math.Abs(float64(i)/na-float64(j)/nb))
	}
	en := na * nb / (na + nb)
	return d, kolmogorovSF(math.Sqrt(en) * d)
}

// kolmogorovSF is P(K > x) for the Kolmogorov distribution.
func kolmogorovSF(x float64) float64 {
	if x <= 0 {
		return 1
	}
	if x < 1 {
		// P(K <= x) = sqrt(2π)/x Σ_{k≥1} exp(-(2k-1)²π²/(8x²))
		s := 0.0
		for k := 1; k < 50; k++ {
			t := math.Exp(-float64((2*k-1)*(2*k-1)) * math.Pi * math.Pi / (8 * x * x))
			s += t
			if t < 1e-18 {
				break
			}
		}
		return 1 - math.Sqrt(2*math.Pi)/x*s
	}
	// P(K > x) = 2 Σ_{k≥1} (-1)^(k-1) exp(-2k²x²)
	s, sign := 0.0, 1.0
	for k := 1; k < 100; k++ {
		t := math.Exp(-2 * float64(k*k) * x * x)
		s += sign * t
		sign = -sign
		if t < 1e-18 {
			break
		}
	}
	return max(0, min(1, 2*s))
}

// psiFloor is the smallest bin proportion PSI uses, so that an empty bin
// gives a large finite term.
const psiFloor = 1e-4

// PSI is the population stability index of b against a over bins bounded
// by the reference's deciles (numpy's linear quantiles; repeated edges
// merged): Σ (q−p)·ln(q/p), proportions floored at 1e-4. A value is in the
// bin of the number of edges not above it.
func PSI(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	s := slices.Clone(a)
	slices.Sort(s)
	var edges []float64
	for q := 1; q < 10; q++ {
		e := quantile(s, float64(q)/10)
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	bin := func(v float64) int {
		i, found := slices.BinarySearch(edges, v)
		if found {
			for i < len(edges) && edges[i] <= v {
				i++
			}
		}
		return i
	}
	pa := make([]float64, len(edges)+1)
	pb := make([]float64, len(edges)+1)
	for _, v := range a {
		pa[bin(v)]++
	}
	for _, v := range b {
		pb[bin(v)]++
	}
	psi := 0.0
	for i := range pa {
		p := max(pa[i]/float64(len(a)), psiFloor)
		q := max(pb[i]/float64(len(b)), psiFloor)
		psi += (q - p) * math.Log(q/p)
	}
	return psi
}

// LabelShift compares two label counts over the same classes: the total
// variation distance of the proportions, and Pearson's chi-square test of
// homogeneity on the 2×K table (classes absent from both dropped; no
// continuity correction) with its p-value.
func LabelShift(a, b []int) (tv, chi2 float64, dof int, p float64) {
	var na, nb float64
	for i := range a {
		na += float64(a[i])
		nb += float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0, 0, 0, 1
	}
	n := na + nb
	cols := 0
	for i := range a {
		tv += math.Abs(float64(a[i])/na - float64(b[i])/nb)
		t := float64(a[i] + b[i])
		if t == 0 {
			continue
		}
		cols++
		for _, c := range []struct{ obs, row float64 }{{float64(a[i]), na}, {float64(b[i]), nb}} {
			e := c.row * t / n
			chi2 += (c.obs - e) * (c.obs - e) / e
		}
	}
	dof = cols - 1
	if dof < 1 {
		return tv / 2, 0, 0, 1
	}
	return tv / 2, chi2, dof, chi2SF(chi2, float64(dof))
}

// chi2SF is the chi-square survival function: the regularised upper
// incomplete gamma function Q(k/2, x/2).
func chi2SF(x, k float64) float64 {
	if x <= 0 {
		return 1
	}
	return gammaQ(k/2, x/2)
}

// gammaQ is Q(a, x) by the series of P for x < a+1 and Lentz's continued
// fraction otherwise.
func gammaQ(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 1000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-16 {
				break
			}
		}
		return max(0, 1-sum*math.Exp(-x+a*math.Log(x)-lg))
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return math.Exp(-x+a*math.Log(x)-lg) * h
}
