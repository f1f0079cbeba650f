package privacy

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// matrix is a dense row-major float64 matrix.
type matrix struct {
	n, d int
	x    []float64
}

func (m *matrix) row(i int) []float64 { return m.x[i*m.d : (i+1)*m.d : (i+1)*m.d] }

// rows returns a copy of the rows idx of m.
func (m *matrix) rows(idx []int) *matrix {
	out := &matrix{n: len(idx), d: m.d, x: make([]float64, 0, len(idx)*m.d)}
	for _, i := range idx {
		out.x = append(out.x, m.row(i)...)
	}
	return out
}

// TrainConfig configures the models aiassure trains itself: the reference
// and shadow models of the membership attacks and the substitutes of
// model extraction. Hidden 0 is multinomial logistic regression; else one
// hidden layer of ReLU units. Training is minibatch Adam on the
// cross-entropy against hard or soft targets, with L2 weight decay, on
// features standardised by the mean and deviation of the data it is given.
type TrainConfig struct {
	Hidden      int     `json:"hidden"`
	Epochs      int     `json:"epochs"`
	BatchSize   int     `json:"batch_size"`
	LR          float64 `json:"learning_rate"`
	WeightDecay float64 `json:"weight_decay"`
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Epochs <= 0 {
		c.Epochs = 100
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 32
	}
	if c.LR <= 0 {
		c.LR = 0.01
	}
	return c
}

// net is a trained logistic regression (no hidden layer) or one-hidden-
// layer MLP on standardised inputs.
type net struct {
	d, h, k   int
	mean, inv []float64 // standardisation
	w1, b1    []float64 // h×d, h (MLP only)
	w2, b2    []float64 // k×in, k; in = h for an MLP, d otherwise
}

func (m *net) in() int {
	if m.h > 0 {
		return m.h
	}
	return m.d
}

// logits writes the k logits of one raw input into out; hid is scratch of
// length h.
func (m *net) logits(x, hid, z, out []float64) {
	for j := range m.d {
		z[j] = (x[j] - m.mean[j]) * m.inv[j]
	}
	in := z[:m.d]
	if m.h > 0 {
		for u := range m.h {
			s := m.b1[u]
			w := m.w1[u*m.d : (u+1)*m.d]
			for j, v := range in {
				s += w[j] * v
			}
			hid[u] = max(s, 0)
		}
		in = hid
	}
	for c := range m.k {
		s := m.b2[c]
		w := m.w2[c*len(in) : (c+1)*len(in)]
		for j, v := range in {
			s += w[j] * v
		}
		out[c] = s
	}
}

// predict returns the class probabilities of every row of x.
func (m *net) predict(x *matrix) [][]float64 {
	hid, z := make([]float64, m.h), make([]float64, m.d)
	out := make([][]float64, x.n)
	for i := range x.n {
		p := make([]float64, m.k)
		m.logits(x.row(i), hid, z, p)
		softmax(p)
		out[i] = p
	}
	return out
}

func softmax(p []float64) {
	mx := math.Inf(-1)
	for _, v := range p {
		mx = max(mx, v)
	}
	s := 0.0
	for i, v := range p {
		p[i] = math.Exp(v - mx)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
}

// train fits a model to x with targets t (n rows of k probabilities: one-hot
// for hard labels) under cfg, seeded. It stops early, returning nil, when
// ctx ends.
func train(ctx context.Context, x *matrix, t [][]float64, k int, cfg TrainConfig, seed uint64) *net {
	cfg = cfg.withDefaults()
	rng := rand.New(rand.NewPCG(seed, 0x7a11ed))
	m := &net{d: x.d, h: cfg.Hidden, k: k, mean: make([]float64, x.d), inv: make([]float64, x.d)}
	for i := range x.n {
		for j, v := range x.row(i) {
			m.mean[j] += v
		}
	}
	for j := range m.mean {
		m.mean[j] /= float64(max(x.n, 1))
	}
	for i := range x.n {
		for j, v := range x.row(i) {
			dv := v - m.mean[j]
			m.inv[j] += dv * dv
		}
	}
	for j := range m.inv {
		sd := math.Sqrt(m.inv[j] / float64(max(x.n, 1)))
		m.inv[j] = 1
		if sd > 1e-9 {
			m.inv[j] = 1 / sd
		}
	}
	in := m.in()
	if m.h > 0 {
		m.w1, m.b1 = make([]float64, m.h*m.d), make([]float64, m.h)
		a := math.Sqrt(6 / float64(m.d)) // He uniform
		for i := range m.w1 {
			m.w1[i] = (2*rng.Float64() - 1) * a
		}
	}
	m.w2, m.b2 = make([]float64, k*in), make([]float64, k)
	if m.h > 0 {
		a := math.Sqrt(6 / float64(in+k))
		for i := range m.w2 {
			m.w2[i] = (2*rng.Float64() - 1) * a
		}
	}
	params := [][]float64{m.w2, m.b2}
	if m.h > 0 {
		params = append(params, m.w1, m.b1)
	}
	grads := make([][]float64, len(params))
	am, av := make([][]float64, len(params)), make([][]float64, len(params))
	for i, p := range params {
		grads[i], am[i], av[i] = make([]float64, len(p)), make([]float64, len(p)), make([]float64, len(p))
	}
	gw2, gb2 := grads[0], grads[1]
	var gw1, gb1 []float64
	if m.h > 0 {
		gw1, gb1 = grads[2], grads[3]
	}
	order := make([]int, x.n)
	for i := range order {
		order[i] = i
	}
	z, hid, dh := make([]float64, m.d), make([]float64, m.h), make([]float64, m.h)
	p := make([]float64, k)
	const b1, b2, eps = 0.9, 0.999, 1e-8
	step := 0
	for epoch := range cfg.Epochs {
		if epoch%10 == 0 && ctx.Err() != nil {
			return nil
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for lo := 0; lo < x.n; lo += cfg.BatchSize {
			hi := min(lo+cfg.BatchSize, x.n)
			for _, g := range grads {
				clear(g)
			}
			for _, i := range order[lo:hi] {
				xi := x.row(i)
				m.logits(xi, hid, z, p)
				softmax(p)
				// z holds the standardised input; the input of the last
				// layer is hid (MLP) or z.
				last := z
				if m.h > 0 {
					last = hid
				}
				clear(dh)
				for c := range k {
					g := p[c] - t[i][c]
					gb2[c] += g
					w := m.w2[c*in : (c+1)*in]
					gw := gw2[c*in : (c+1)*in]
					for j, v := range last {
						gw[j] += g * v
						if m.h > 0 {
							dh[j] += g * w[j]
						}
					}
				}
				for u := range m.h {
					if hid[u] <= 0 {
						continue
					}
					g := dh[u]
					gb1[u] += g
					gw := gw1[u*m.d : (u+1)*m.d]
					for j, v := range z {
						gw[j] += g * v
					}
				}
			}
			step++
			scale := 1 / float64(hi-lo)
			c1 := 1 - math.Pow(b1, float64(step))
			c2 := 1 - math.Pow(b2, float64(step))
			for q, par := range params {
				decay := cfg.WeightDecay
				if q%2 == 1 {
					decay = 0 // no decay on biases
				}
				g, mq, vq := grads[q], am[q], av[q]
				for j := range par {
					gj := g[j]*scale + decay*par[j]
					mq[j] = b1*mq[j] + (1-b1)*gj
					vq[j] = b2*vq[j] + (1-b2)*gj*gj
					par[j] -= cfg.LR * (mq[j] / c1) / (math.Sqrt(vq[j]/c2) + eps)
				}
			}
		}
	}
	return m
}

// trainJob is one model to train.
type trainJob struct {
	x    *matrix
	t    [][]float64
	k    int
	cfg  TrainConfig
	seed uint64
}

// trainAll trains the jobs on up to workers goroutines (0: every core) and
// returns the models in the order of the jobs; each is deterministic in its
// seed, so the result does not depend on scheduling. It returns ctx's error
// when ctx ends first.
func trainAll(ctx context.Context, jobs []trainJob, workers int, done func()) ([]*net, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([]*net, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range min(workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				out[i] = train(ctx, j.x, j.t, j.k, j.cfg, j.seed)
				if done != nil {
					mu.Lock()
					done()
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// oneHot returns one-hot rows of the labels y among k classes.
func oneHot(y []int, k int) [][]float64 {
	out := make([][]float64, len(y))
	for i, c := range y {
		out[i] = make([]float64, k)
		if c >= 0 && c < k {
			out[i][c] = 1
		}
	}
	return out
}
