package onnx

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// The ai.onnx.ml operators that scikit-learn exports of tree and linear
// models use. They run forward only: none has a gradient, so a model that
// uses one is a black box for the attacks. Class labels are returned as
// INT64: the labels themselves when they are integers, their index in the
// label list when they are strings.

var opsML = map[string]opDef{
	"TreeEnsembleClassifier": {since: []int{1, 3}, min: 1, minIn: 1, maxIn: 1, maxOut: 2, make: makeTreeClassifier},
	"TreeEnsembleRegressor":  {since: []int{1, 3}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeTreeRegressor},
	"LinearClassifier":       {since: []int{1}, min: 1, minIn: 1, maxIn: 1, maxOut: 2, make: makeLinearClassifier},
	"Scaler":                 {since: []int{1}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeScaler},
	"Normalizer":             {since: []int{1}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeNormalizer},
	"ZipMap":                 {since: []int{1}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeZipMap},
}

// classLabels holds integer or string class labels.
type classLabels struct {
	ints []int64
	strs []string
}

// readLabels reads the class labels; intName is the integer attribute's
// name (classlabels_int64s, or classlabels_ints for LinearClassifier).
func readLabels(a *attrs, intName string) classLabels {
	var l classLabels
	l.ints, _ = a.ints(intName)
	l.strs, _ = a.strs("classlabels_strings")
	if l.ints != nil && l.strs != nil {
		a.fail("both integer and string class labels")
	}
	return l
}

func (l classLabels) n() int { return max(len(l.ints), len(l.strs)) }

// label returns the INT64 output for class index i.
func (l classLabels) label(i int) int64 {
	if l.ints != nil {
		return l.ints[i]
	}
	return int64(i)
}

func (l classLabels) labels() []string {
	if l.strs != nil {
		return append([]string(nil), l.strs...)
	}
	out := make([]string, len(l.ints))
	for i, v := range l.ints {
		out[i] = strconv.FormatInt(v, 10)
	}
	return out
}

// features returns the rows and columns of a classifier or regressor input
// (a matrix, or a vector taken as one row) as float32.
func features(x *tensor) (rows, cols int, f []float32, err error) {
	switch x.rank() {
	case 1:
		rows, cols = 1, x.shape[0]
	case 2:
		rows, cols = x.shape[0], x.shape[1]
	default:
		return 0, 0, nil, fmt.Errorf("input %v must be a matrix", x.shape)
	}
	if x.dt == dtFloat {
		return rows, cols, x.f, nil
	}
	f = make([]float32, len(x.i))
	for i, v := range x.i {
		f[i] = float32(v)
	}
	return rows, cols, f, nil
}

// Post transforms.
const (
	postNone = iota
	postSoftmax
	postLogistic
	postSoftmaxZero
	postProbit
)

func readPost(a *attrs) int {
	switch s := a.str("post_transform", "NONE"); s {
	case "NONE":
		return postNone
	case "SOFTMAX":
		return postSoftmax
	case "LOGISTIC":
		return postLogistic
	case "SOFTMAX_ZERO":
		return postSoftmaxZero
	case "PROBIT":
		return postProbit
	default:
		a.fail("post_transform %q is not supported", s)
		return postNone
	}
}

func logistic(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

func probit(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// transform applies a post transform to the scores of one row.
func transform(post int, s []float64) {
	switch post {
	case postLogistic:
		for i, v := range s {
			s[i] = logistic(v)
		}
	case postProbit:
		for i, v := range s {
			s[i] = probit(v)
		}
	case postSoftmax, postSoftmaxZero:
		mx := math.Inf(-1)
		for _, v := range s {
			if !(post == postSoftmaxZero && v == 0) {
				mx = math.Max(mx, v)
			}
		}
		var sum float64
		for i, v := range s {
			if post == postSoftmaxZero && v == 0 {
				continue
			}
			s[i] = math.Exp(v - mx)
			sum += s[i]
		}
		for i, v := range s {
			if !(post == postSoftmaxZero && v == 0) && sum > 0 {
				s[i] = v / sum
			}
		}
	}
}

type linearClassifier struct {
	cl         classLabels
	coef, icpt []float64
	post       int
	classes    int // rows of coefficients
}

func makeLinearClassifier(a *attrs) (kernel, error) {
	k := &linearClassifier{cl: readLabels(a, "classlabels_ints"), post: readPost(a)}
	k.coef, _ = floatsAttr(a, "coefficients")
	k.icpt, _ = floatsAttr(a, "intercepts")
	if a.err != nil {
		return nil, a.err
	}
	k.classes = k.cl.n()
	if k.classes == 2 && len(k.icpt) == 1 {
		k.classes = 1
	}
	if k.classes == 0 || len(k.coef) == 0 || len(k.coef)%k.classes != 0 {
		return nil, fmt.Errorf("%d coefficients do not fit %d classes", len(k.coef), k.classes)
	}
	if len(k.icpt) != 0 && len(k.icpt) != k.classes {
		return nil, fmt.Errorf("%d intercepts for %d classes", len(k.icpt), k.classes)
	}
	return k, nil
}

func (k *linearClassifier) labels() []string { return k.cl.labels() }

func (k *linearClassifier) outType(j int, _ []dtype) dtype {
	if j == 0 {
		return dtInt64
	}
	return dtFloat
}

func (k *linearClassifier) run(r *runner, n *node) error {
	rows, cols, xf, err := features(r.in(n, 0))
	if err != nil {
		return err
	}
	nf := len(k.coef) / k.classes
	if nf != cols {
		return fmt.Errorf("input has %d features, coefficients %d", cols, nf)
	}
	width := k.classes
	if width == 1 && k.cl.n() == 2 {
		width = 2
	}
	y, err := r.out(n, 0, dtInt64, []int{rows})
	if err != nil {
		return err
	}
	z, err := r.out(n, 1, dtFloat, []int{rows, width})
	if err != nil {
		return err
	}
	s := make([]float64, max(k.classes, 2))
	for i := range rows {
		x := xf[i*cols : (i+1)*cols]
		for c := range k.classes {
			v := 0.0
			if len(k.icpt) > 0 {
				v = k.icpt[c]
			}
			for j, w := range k.coef[c*nf : (c+1)*nf] {
				v += w * float64(x[j])
			}
			s[c] = v
		}
		if k.classes == 1 {
			v := s[0]
			if v > 0 {
				y.i[i] = k.cl.label(min(1, k.cl.n()-1))
			} else {
				y.i[i] = k.cl.label(0)
			}
			if width == 2 {
				if k.post == postLogistic {
					v = logistic(v)
				} else if k.post != postNone {
					t := []float64{v}
					transform(k.post, t)
					v = t[0]
				}
				z.f[i*2], z.f[i*2+1] = float32(1-v), float32(v)
			} else {
				z.f[i] = float32(v)
			}
			continue
		}
		best := 0
		for c := range k.classes {
			if s[c] > s[best] {
				best = c
			}
		}
		y.i[i] = k.cl.label(best)
		t := s[:k.classes]
		transform(k.post, t)
		for c, v := range t {
			z.f[i*width+c] = float32(v)
		}
	}
	return nil
}

type scaler struct{ offset, scale []float32 }

func makeScaler(a *attrs) (kernel, error) {
	k := &scaler{}
	k.offset, _ = a.floats("offset")
	k.scale, _ = a.floats("scale")
	return k, nil
}

func (k *scaler) outType(int, []dtype) dtype { return dtFloat }

func (k *scaler) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.rank() == 0 {
		return errors.New("scalar input")
	}
	_, cols, xf, err := features(&tensor{dt: x.dt, shape: []int{x.size() / max(1, x.shape[x.rank()-1]), x.shape[x.rank()-1]}, f: x.f, i: x.i})
	if err != nil {
		return err
	}
	for _, p := range [][]float32{k.offset, k.scale} {
		if len(p) > 1 && len(p) != cols {
			return fmt.Errorf("%d parameters for %d features", len(p), cols)
		}
	}
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	param := func(p []float32, j int, def float32) float32 {
		switch len(p) {
		case 0:
			return def
		case 1:
			return p[0]
		}
		return p[j]
	}
	for i, v := range xf {
		j := i % max(cols, 1)
		y.f[i] = (v - param(k.offset, j, 0)) * param(k.scale, j, 1)
	}
	return nil
}

type normalizer struct{ norm string }

func makeNormalizer(a *attrs) (kernel, error) {
	k := &normalizer{norm: a.str("norm", "MAX")}
	switch k.norm {
	case "MAX", "L1", "L2":
		return k, nil
	}
	return nil, fmt.Errorf("norm %q is not supported", k.norm)
}

func (k *normalizer) outType(int, []dtype) dtype { return dtFloat }

func (k *normalizer) run(r *runner, n *node) error {
	rows, cols, xf, err := features(r.in(n, 0))
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, dtFloat, r.in(n, 0).shape)
	if err != nil {
		return err
	}
	for i := range rows {
		x, out := xf[i*cols:(i+1)*cols], y.f[i*cols:(i+1)*cols]
		var d float64
		switch k.norm {
		case "MAX":
			d = math.Inf(-1)
			for _, v := range x {
				d = math.Max(d, float64(v))
			}
		case "L1":
			for _, v := range x {
				d += math.Abs(float64(v))
			}
		case "L2":
			for _, v := range x {
				d += float64(v) * float64(v)
			}
			d = math.Sqrt(d)
		}
		for j, v := range x {
			if d != 0 && !math.IsInf(d, 0) {
				out[j] = float32(float64(v) / d)
			} else {
				out[j] = v
			}
		}
	}
	return nil
}

// zipMap stands for ZipMap: ONNX defines its output as a sequence of maps
// from class label to probability; the interpreter returns the input
// probability matrix unchanged and reports the labels in the model's Info.
type zipMap struct{ cl classLabels }

func makeZipMap(a *attrs) (kernel, error) {
	k := &zipMap{cl: readLabels(a, "classlabels_int64s")}
	if k.cl.n() == 0 {
		return nil, errors.New("no class labels")
	}
	return k, nil
}

func (k *zipMap) labels() []string { return k.cl.labels() }

func (k *zipMap) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat || x.rank() != 2 || x.shape[1] != k.cl.n() {
		return fmt.Errorf("input %v does not match %d class labels", x, k.cl.n())
	}
	return r.alias(n, 0, x, x.shape)
}
