package poisoning

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// rowKey is the exact bit pattern of a row's features.
func rowKey(r []float64, buf []byte) string {
	buf = buf[:0]
	for _, v := range r {
		if v == 0 {
			v = 0 // -0 and +0 are the same value
		}
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	}
	return string(buf)
}

// duplicates flags rows of b (or of a, when b is nil) whose features repeat
// an earlier row exactly, or lie within o.NearEps RMS standardised distance
// of one. With b, earlier rows are every row of a and the rows of b before
// it; Of then indexes a for a match in a, and is len(a)+j for row j of b.
// z holds the standardised rows of a followed by those of b.
func duplicates(a, b *Data, z []float64, o Options) []Suspect {
	d := a.D
	na := a.N
	n := na
	label := func(i int) int { return a.Y[i] }
	if b != nil {
		n += b.N
		label = func(i int) int {
			if i < na {
				return a.Y[i]
			}
			return b.Y[i-na]
		}
	}
	raw := func(i int) []float64 {
		if i < na {
			return a.row(i)
		}
		return b.row(i - na)
	}
	first := na // rows that can be flagged: b's, or all of a
	if b == nil {
		first = 0
	}
	var out []Suspect
	seen := make(map[string]int, n)
	exact := make([]bool, n)
	buf := make([]byte, 0, 8*d)
	for i := range n {
		k := rowKey(raw(i), buf)
		j, ok := seen[k]
		if !ok {
			seen[k] = i
			continue
		}
		exact[i] = true
		if i < first {
			continue
		}
		out = append(out, dupSuspect(a, i-first, CheckExact, 0, o.NearEps, j, label(i), label(j)))
	}
	// Near duplicates among rows that are not exact copies.
	eps2 := o.NearEps * o.NearEps * float64(d)
	zr := func(i int) []float64 { return z[i*d : (i+1)*d] }
	match := make([]int, n)
	dist := make([]float64, n)
	for i := range match {
		match[i] = -1
	}
	pairs := float64(n) * float64(n-1) / 2
	if pairs <= float64(o.MaxPairs) {
		workers := runtime.GOMAXPROCS(0)
		var wg sync.WaitGroup
		next := make(chan int, 64)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					zi := zr(i)
					for j := range i {
						if exact[j] {
							continue
						}
						s := 0.0
						zj := zr(j)
						for q, v := range zi {
							dv := v - zj[q]
							s += dv * dv
							if s >= eps2 {
								break
							}
						}
						if s < eps2 && s > 0 {
							match[i], dist[i] = j, s
							break
						}
					}
				}
			}()
		}
		for i := first; i < n; i++ {
			if !exact[i] {
				next <- i
			}
		}
		close(next)
		wg.Wait()
	} else {
		// Quantised hashing: rows in the same cell of side NearEps are near;
		// a pair split by a cell boundary is missed.
		cells := make(map[string]int, n)
		for i := range n {
			if exact[i] {
				continue
			}
			buf = buf[:0]
			for _, v := range zr(i) {
				buf = binary.LittleEndian.AppendUint64(buf, uint64(int64(math.Floor(v/o.NearEps))))
			}
			k := string(buf)
			if j, ok := cells[k]; ok {
				s := 0.0
				for q, v := range zr(i) {
					dv := v - zr(j)[q]
					s += dv * dv
				}
				match[i], dist[i] = j, s
				continue
			}
			cells[k] = i
		}
	}
	for i := first; i < n; i++ {
		if j := match[i]; j >= 0 {
			out = append(out, dupSuspect(a, i-first, CheckNear, math.Sqrt(dist[i]/float64(d)), o.NearEps, j, label(i), label(j)))
		}
	}
	return out
}

// dupSuspect reports a duplicate at RMS standardised distance rms (0 for
// an exact copy); its score is 1 - rms/eps, 1 for an exact copy.
func dupSuspect(a *Data, row int, check string, rms, eps float64, of, li, lj int) Suspect {
	what := "an exact copy"
	if check == CheckNear {
		what = fmt.Sprintf("within RMS standardised distance %.4f", rms)
	}
	s := Suspect{Row: row, Check: check, Score: 1 - rms/eps, Of: &of}
	if li != lj {
		s.Reason = fmt.Sprintf("%s of row %d with a different label (%s, there %s)", what, of, a.className(li), a.className(lj))
	} else {
		s.Reason = fmt.Sprintf("%s of row %d", what, of)
	}
	return s
}
