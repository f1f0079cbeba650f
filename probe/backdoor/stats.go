package backdoor

import (
	"math"
	"slices"
)

// MADConstant makes the median absolute deviation a consistent estimator of
// the standard deviation of normal data (1/Φ⁻¹(3/4)).
const MADConstant = 1.4826

// median returns the median of sorted values.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// AnomalyIndex returns, for each value, |v - median| / (MADConstant * MAD),
// with the median and the scaled MAD (Wang et al. 2019, after Hampel). When
// the MAD is 0 (more than half of the values equal), a value equal to the
// median has index 0 and any other +Inf.
func AnomalyIndex(v []float64) (index []float64, med, mad float64) {
	s := slices.Sorted(slices.Values(v))
	med = median(s)
	dev := make([]float64, len(v))
	for i, x := range v {
		dev[i] = math.Abs(x - med)
	}
	slices.Sort(dev)
	mad = MADConstant * median(dev)
	index = make([]float64, len(v))
	for i, x := range v {
		d := math.Abs(x - med)
		switch {
		case d == 0:
		case mad == 0:
			index[i] = math.Inf(1)
		default:
			index[i] = d / mad
		}
	}
	return index, med, mad
}

// exceedP returns P(C >= c), where C counts the m suspects below the k-th
// smallest of n clean values when all n+m values are exchangeable and
// distinct: P(C = j) = C(k-1+j, j) C(n-k+m-j, m-j) / C(n+m, m), the
// negative hypergeometric law of the rank of the k-th clean value.
func exceedP(n, k, m, c int) float64 {
	if c <= 0 {
		return 1
	}
	lc := func(a, b int) float64 { // log of the binomial coefficient C(a, b)
		x, _ := math.Lgamma(float64(a + 1))
		y, _ := math.Lgamma(float64(b + 1))
		z, _ := math.Lgamma(float64(a - b + 1))
		return x - y - z
	}
	total := lc(n+m, m)
	p := 0.0
	for j := c; j <= m; j++ {
		p += math.Exp(lc(k-1+j, j) + lc(n-k+m-j, m-j) - total)
	}
	return min(p, 1)
}

// AUC returns the area under the ROC curve of scoring "suspect" by low
// entropy: the share of (clean, suspect) pairs in which the clean value is
// larger, ties counting one half (the Mann–Whitney statistic over n·m).
func AUC(clean, suspect []float64) float64 {
	if len(clean) == 0 || len(suspect) == 0 {
		return math.NaN()
	}
	c := slices.Sorted(slices.Values(clean))
	sum := 0.0
	for _, s := range suspect {
		lo, _ := slices.BinarySearch(c, s) // clean values < s
		hi := lo
		for hi < len(c) && c[hi] == s {
			hi++
		}
		sum += float64(len(c)-hi) + 0.5*float64(hi-lo)
	}
	return sum / float64(len(c)*len(suspect))
}
