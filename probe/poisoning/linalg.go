package poisoning

import (
	"math"
	"math/rand/v2"
	"slices"
)

// pca holds the leading principal components of a set of rows.
type pca struct {
	mean   []float64   // d
	vecs   [][]float64 // k unit vectors of length d, by decreasing variance
	values []float64   // their variances (denominator n-1, as scikit-learn's explained_variance_)
}

// fitPCA returns the k leading principal components of the n rows of x
// (row-major, d columns): the eigenvectors of the covariance (or, when
// n < d, of the Gram matrix of the centred rows), by subspace iteration
// with Rayleigh-Ritz steps until the Ritz values settle to 1e-10 of the largest.
func fitPCA(x []float64, n, d, k int) pca {
	mean := make([]float64, d)
	for i := range n {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	c := make([]float64, n*d)
	for i := range n {
		for j := range d {
			c[i*d+j] = x[i*d+j] - mean[j]
		}
	}
	gram := n < d
	m := d
	if gram {
		m = n
	}
	s := make([]float64, m*m) // the covariance times n-1, or the Gram matrix
	if gram {
		for p := range n {
			for q := 0; q <= p; q++ {
				s[p*m+q] = dot(c[p*d:(p+1)*d], c[q*d:(q+1)*d])
			}
		}
	} else {
		for i := range n {
			r := c[i*d : (i+1)*d]
			for p, vp := range r {
				if vp == 0 {
					continue
				}
				row := s[p*m : p*m+p+1]
				for q := range row {
					row[q] += vp * r[q]
				}
			}
		}
	}
	for p := range m {
		for q := range p {
			s[q*m+p] = s[p*m+q]
		}
	}
	k = min(k, m, max(n-1, 1))
	vals, vecs := topEigen(s, m, k)
	out := pca{mean: mean, values: make([]float64, k), vecs: make([][]float64, k)}
	for t := range k {
		out.values[t] = vals[t] / float64(max(n-1, 1))
		if !gram {
			out.vecs[t] = vecs[t]
			continue
		}
		// A Gram eigenvector u gives the component Cᵀu / ‖Cᵀu‖.
		v := make([]float64, d)
		for i, ui := range vecs[t] {
			for j, cv := range c[i*d : (i+1)*d] {
				v[j] += ui * cv
			}
		}
		normalise(v)
		out.vecs[t] = v
	}
	return out
}

// project returns row r's coordinates on the components.
func (p pca) project(r []float64) []float64 {
	out := make([]float64, len(p.vecs))
	for t, v := range p.vecs {
		s := 0.0
		for j, x := range r {
			s += (x - p.mean[j]) * v[j]
		}
		out[t] = s
	}
	return out
}

// topEigen returns the k largest eigenvalues of the symmetric m×m matrix
// s and their eigenvectors, by orthogonal (subspace) iteration on k+4
// vectors with a Rayleigh-Ritz step each round.
func topEigen(s []float64, m, k int) ([]float64, [][]float64) {
	b := min(k+4, m)
	q := make([][]float64, b)
	for t := range b {
		q[t] = make([]float64, m)
		for j := range m {
			// A fixed start with no structure shared with the data.
			q[t][j] = math.Sin(float64((t+1)*(j+1))*0.7071) + 0.01*float64(t)
		}
	}
	orthonormalise(q)
	prev := make([]float64, b)
	var vals []float64
	for it := range 2000 {
		z := make([][]float64, b)
		for t := range b {
			z[t] = matVec(s, m, q[t])
		}
		orthonormalise(z)
		// Rayleigh-Ritz: H = Zᵀ S Z, rotate Z by H's eigenvectors.
		sz := make([][]float64, b)
		for t := range b {
			sz[t] = matVec(s, m, z[t])
		}
		h := make([]float64, b*b)
		for p := range b {
			for r := range b {
				h[p*b+r] = dot(z[p], sz[r])
			}
		}
		hv, hw := jacobiEigen(h, b)
		for t := range b {
			v := make([]float64, m)
			for p := range b {
				w := hw[p*b+t]
				for j := range m {
					v[j] += w * z[p][j]
				}
			}
			q[t] = v
		}
		vals = hv
		done := it > 2
		for t := range k {
			if math.Abs(vals[t]-prev[t]) > 1e-10*max(math.Abs(vals[0]), 1e-300) {
				done = false
			}
		}
		copy(prev, vals)
		if done {
			break
		}
	}
	return vals[:k], q[:k]
}

// jacobiEigen diagonalises the symmetric b×b matrix h by cyclic Jacobi
// rotations: the eigenvalues in decreasing order and the eigenvectors as
// the columns of w (row-major b×b), in the same order.
func jacobiEigen(h []float64, b int) ([]float64, []float64) {
	a := slices.Clone(h)
	w := make([]float64, b*b)
	for i := range b {
		w[i*b+i] = 1
	}
	for range 100 {
		off := 0.0
		for p := range b {
			for q := p + 1; q < b; q++ {
				off += a[p*b+q] * a[p*b+q]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := range b {
			for q := p + 1; q < b; q++ {
				apq := a[p*b+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				theta := (a[q*b+q] - a[p*b+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				sn := t * c
				for r := range b {
					arp, arq := a[r*b+p], a[r*b+q]
					a[r*b+p], a[r*b+q] = c*arp-sn*arq, sn*arp+c*arq
				}
				for r := range b {
					apr, aqr := a[p*b+r], a[q*b+r]
					a[p*b+r], a[q*b+r] = c*apr-sn*aqr, sn*apr+c*aqr
				}
				for r := range b {
					wrp, wrq := w[r*b+p], w[r*b+q]
					w[r*b+p], w[r*b+q] = c*wrp-sn*wrq, sn*wrp+c*wrq
				}
			}
		}
	}
	order := make([]int, b)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmpDesc(a[i*b+i], a[j*b+j]) })
	vals := make([]float64, b)
	vecs := make([]float64, b*b)
	for t, i := range order {
		vals[t] = a[i*b+i]
		for r := range b {
			vecs[r*b+t] = w[r*b+i]
		}
	}
	return vals, vecs
}

func cmpDesc(x, y float64) int {
	switch {
	case x > y:
		return -1
	case x < y:
		return 1
	}
	return 0
}

func matVec(s []float64, m int, v []float64) []float64 {
	out := make([]float64, m)
	for p := range m {
		out[p] = dot(s[p*m:(p+1)*m], v)
	}
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

func normalise(v []float64) {
	n := math.Sqrt(dot(v, v))
	if n == 0 {
		return
	}
	for j := range v {
		v[j] /= n
	}
}

// orthonormalise applies modified Gram-Schmidt to the vectors in place
// (twice, for stability); a vector that vanishes stays zero.
func orthonormalise(q [][]float64) {
	for range 2 {
		for t := range q {
			for p := range t {
				s := dot(q[t], q[p])
				for j := range q[t] {
					q[t][j] -= s * q[p][j]
				}
			}
			normalise(q[t])
		}
	}
}

// kmeans2 splits the n rows of x (d columns) into two clusters by Lloyd's
// algorithm from restarts k-means++ starts drawn from seed, keeping the
// split of least inertia (within-cluster sum of squares). It returns each
// row's cluster (0 or 1) and the inertia.
func kmeans2(x []float64, n, d, restarts int, seed uint64) ([]int, float64) {
	rng := rand.New(rand.NewPCG(seed, 0x6b6d65616e73))
	var best []int
	bestIn := math.Inf(1)
	row := func(i int) []float64 { return x[i*d : (i+1)*d] }
	for range max(restarts, 1) {
		// k-means++: the first centre at random, the second with
		// probability proportional to the squared distance.
		c0 := slices.Clone(row(rng.IntN(n)))
		dist := make([]float64, n)
		total := 0.0
		for i := range n {
			dist[i] = sqDist(row(i), c0)
			total += dist[i]
		}
		pick := n - 1
		u := rng.Float64() * total
		for i, v := range dist {
			if u -= v; u < 0 {
				pick = i
				break
			}
		}
		cent := [2][]float64{c0, slices.Clone(row(pick))}
		lab := make([]int, n)
		for i := range lab {
			lab[i] = -1
		}
		inertia := 0.0
		for range 300 {
			changed := false
			inertia = 0
			for i := range n {
				a, b := sqDist(row(i), cent[0]), sqDist(row(i), cent[1])
				l := 0
				if b < a {
					l, a = 1, b
				}
				inertia += a
				if lab[i] != l {
					lab[i], changed = l, true
				}
			}
			if !changed {
				break
			}
			var cnt [2]int
			for k := range 2 {
				clear(cent[k])
			}
			for i, l := range lab {
				cnt[l]++
				for j, v := range row(i) {
					cent[l][j] += v
				}
			}
			for k := range 2 {
				if cnt[k] == 0 { // an empty cluster: restart from the farthest row
					cent[k] = slices.Clone(row(farthest(x, n, d, cent[1-k])))
					continue
				}
				for j := range cent[k] {
					cent[k][j] /= float64(cnt[k])
				}
			}
		}
		if inertia < bestIn {
			bestIn, best = inertia, lab
		}
	}
	return best, bestIn
}

func farthest(x []float64, n, d int, c []float64) int {
	far, fd := 0, -1.0
	for i := range n {
		if v := sqDist(x[i*d:(i+1)*d], c); v > fd {
			far, fd = i, v
		}
	}
	return far
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i, x := range a {
		t := x - b[i]
		s += t * t
	}
	return s
}

// silhouettes returns each row's silhouette (b - a) / max(a, b) for a
// two-cluster labelling (a: mean Euclidean distance to the other rows of
// its cluster, b: to the rows of the other cluster; 0 for a row alone in
// its cluster), as scikit-learn's silhouette_samples.
func silhouettes(x []float64, n, d int, lab []int) []float64 {
	var cnt [2]int
	for _, l := range lab {
		cnt[l]++
	}
	out := make([]float64, n)
	for i := range n {
		var sum [2]float64
		ri := x[i*d : (i+1)*d]
		for j := range n {
			if j != i {
				sum[lab[j]] += math.Sqrt(sqDist(ri, x[j*d:(j+1)*d]))
			}
		}
		own := lab[i]
		if cnt[own] <= 1 || cnt[1-own] == 0 {
			continue
		}
		a := sum[own] / float64(cnt[own]-1)
		b := sum[1-own] / float64(cnt[1-own])
		if m := max(a, b); m > 0 {
			out[i] = (b - a) / m
		}
	}
	return out
}

// fisherGreater is the one-sided p-value of Fisher's exact test on the
// 2×2 table [[a, b], [c, d]] against the alternative that the odds ratio
// exceeds 1 (the first row's share in the first column is larger), as
// scipy.stats.fisher_exact(table, alternative="greater"): the upper tail
// P(X >= a) of the hypergeometric law of the first cell given the margins.
func fisherGreater(a, b, c, d int) float64 {
	r1, c1, n := a+b, a+c, a+b+c+d
	lchoose := func(n, k int) float64 {
		x, _ := math.Lgamma(float64(n + 1))
		y, _ := math.Lgamma(float64(k + 1))
		z, _ := math.Lgamma(float64(n - k + 1))
		return x - y - z
	}
	base := lchoose(n, c1)
	p := 0.0
	for x := a; x <= min(r1, c1); x++ {
		if c1-x > n-r1 {
			continue
		}
		p += math.Exp(lchoose(r1, x) + lchoose(n-r1, c1-x) - base)
	}
	return min(p, 1)
}
