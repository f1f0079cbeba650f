// Package metrics computes classification metrics in the manner of ISO/IEC TS
// 4213 (assessment of machine learning classification performance) from true
// labels and predicted labels or scores, with confidence intervals, and
// compares them with the performance levels a provider declares (AI Act
// Art. 13(3)(b)(ii)).
//
// Definitions follow scikit-learn 1.2 so that results can be checked against
// it (tools/metrics_reference.py writes the reference vectors the tests use):
// the confusion matrix has true classes in rows; precision, recall and F1 of
// a class whose denominator is zero take Options.ZeroDivision (sklearn's
// zero_division, default 0); macro averages run over the classes that occur
// in the true or predicted labels; ROC AUC counts tied scores as half, as
// sklearn's trapezoidal rule does. docs/metrics.md gives every definition,
// the interval methods and the pass rule of Compare.
package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Options configure Compute. The zero value gives the defaults.
type Options struct {
	Classes []string // class names by index; default "0", "1", ...
	// Positive is the positive class of a binary task (default 1, sklearn's
	// pos_label). It picks the score column of ROC AUC and Brier score and
	// the class of an unqualified precision, recall, F1, FPR or FNR claim.
	Positive *int
	// ZeroDivision is the value of a ratio whose denominator is zero
	// (precision of a class never predicted, recall of a class absent from
	// the labels); sklearn's zero_division: 0 (default) or 1.
	ZeroDivision float64
	// Confidence is the level of the intervals; default 0.95.
	Confidence float64
	// Resamples is the number of bootstrap resamples; default 1000; a
	// negative value turns the bootstrap off (intervals equal the point).
	Resamples int
	// Seed seeds the bootstrap. The same seed gives the same intervals,
	// whatever the number of CPUs.
	Seed uint64
	// Unstratified resamples all samples together instead of within each
	// true class (stratified is the default: class sizes stay fixed).
	Unstratified bool
	// Bins is the number of equal-width confidence bins of the expected
	// calibration error; default 10.
	Bins int
}

func (o Options) withDefaults() Options {
	if o.Confidence <= 0 || o.Confidence >= 1 {
		o.Confidence = 0.95
	}
	if o.Resamples == 0 {
		o.Resamples = 1000
	}
	if o.Bins <= 0 {
		o.Bins = 10
	}
	return o
}

// Estimate is a measured value with its confidence interval.
type Estimate struct {
	Value  float64 `json:"value"`
	Lower  float64 `json:"lower"`
	Upper  float64 `json:"upper"`
	Method string  `json:"method"` // wilson, bootstrap-percentile, none
}

// Class holds the metrics of one class (one-vs-rest).
type Class struct {
	Name      string   `json:"name"`
	Support   int      `json:"support"`   // samples of this class
	Predicted int      `json:"predicted"` // samples predicted as this class
	Precision Estimate `json:"precision"`
	Recall    Estimate `json:"recall"`
	F1        Estimate `json:"f1"`
	FPR       Estimate `json:"fpr"` // false positive rate FP/(FP+TN)
	FNR       Estimate `json:"fnr"` // false negative rate FN/(FN+TP)
}

// Average holds averaged precision, recall and F1.
type Average struct {
	Precision Estimate `json:"precision"`
	Recall    Estimate `json:"recall"`
	F1        Estimate `json:"f1"`
}

// Report is the result of Compute.
type Report struct {
	N                int       `json:"n"`
	Classes          []string  `json:"classes"`
	Positive         int       `json:"positive"` // -1 unless the task is binary
	Confusion        [][]int   `json:"confusion_matrix"`
	Accuracy         Estimate  `json:"accuracy"`
	BalancedAccuracy Estimate  `json:"balanced_accuracy"`
	PerClass         []Class   `json:"per_class"`
	Macro            Average   `json:"macro"`
	Micro            Average   `json:"micro"`
	Weighted         Average   `json:"weighted"`
	ROCAUC           *Estimate `json:"roc_auc,omitempty"` // binary: AUC of the positive class; more classes: one-vs-rest macro
	ECE              *Estimate `json:"ece,omitempty"`     // top-label expected calibration error, Bins equal-width bins
	Brier            *Estimate `json:"brier,omitempty"`
	LogLoss          *Estimate `json:"log_loss,omitempty"`
	Bins             int       `json:"ece_bins,omitempty"`
	Confidence       float64   `json:"confidence"`
	Resamples        int       `json:"resamples"`
	Seed             uint64    `json:"seed"`
	Notes            []string  `json:"notes,omitempty"` // why a metric is missing
}

// maxClassesCompute bounds the number of classes.
const maxClassesCompute = 100000

// Compute returns the metrics of predictions pred (or, when pred is nil, the
// argmax of scores) against the true labels y. scores, when not nil, holds
// one row of class scores per sample (probabilities for ECE, Brier score and
// log loss); it enables ROC AUC and the calibration metrics.
func Compute(y, pred []int, scores [][]float64, opt Options) (*Report, error) {
	opt = opt.withDefaults()
	n := len(y)
	if n == 0 {
		return nil, errors.New("metrics: no samples")
	}
	if pred == nil && scores == nil {
		return nil, errors.New("metrics: need predicted labels or scores")
	}
	k := len(opt.Classes)
	if scores != nil {
		if len(scores) != n {
			return nil, fmt.Errorf("metrics: %d score rows for %d labels", len(scores), n)
		}
		w := len(scores[0])
		for i, r := range scores {
			if len(r) != w {
				return nil, fmt.Errorf("metrics: score row %d has %d values, row 0 has %d", i, len(r), w)
			}
			for _, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("metrics: score row %d is not finite", i)
				}
			}
		}
		if w < 2 {
			return nil, errors.New("metrics: scores need one column per class (at least two)")
		}
		k = max(k, w)
	}
	if pred == nil {
		pred = make([]int, n)
		for i, r := range scores {
			pred[i] = argmax(r)
		}
	}
	if len(pred) != n {
		return nil, fmt.Errorf("metrics: %d predictions for %d labels", len(pred), n)
	}
	for i := range n {
		if y[i] < 0 || pred[i] < 0 || y[i] >= maxClassesCompute || pred[i] >= maxClassesCompute {
			return nil, fmt.Errorf("metrics: sample %d: class index out of range", i)
		}
		k = max(k, y[i]+1, pred[i]+1)
	}
	if k < 2 {
		k = 2
	}
	if scores != nil && len(scores[0]) != k {
		return nil, fmt.Errorf("metrics: scores have %d columns, the labels %d classes", len(scores[0]), k)
	}
	classes := slices.Clone(opt.Classes)
	for len(classes) < k {
		classes = append(classes, fmt.Sprint(len(classes)))
	}
	pos := -1
	if k == 2 {
		pos = 1
		if opt.Positive != nil {
			pos = *opt.Positive
		}
		if pos < 0 || pos > 1 {
			return nil, fmt.Errorf("metrics: positive class %d of a binary task", pos)
		}
	}
	p := newProblem(y, pred, scores, k, pos, opt)
	w := make([]int32, n)
	for i := range w {
		w[i] = 1
	}
	pt := p.eval(w)
	r := &Report{N: n, Classes: classes, Positive: pos, Confusion: p.confusion(), Bins: opt.Bins,
		Confidence: opt.Confidence, Resamples: max(opt.Resamples, 0), Seed: opt.Seed}
	if scores == nil {
		r.Bins = 0
		r.Notes = append(r.Notes, "no scores: ROC AUC, ECE, Brier score and log loss not computed")
	} else if !pt.aucOK {
		r.Notes = append(r.Notes, "ROC AUC undefined: some class has no samples")
	}
	boot := p.bootstrap(opt)
	b := func(get func(*point) float64) Estimate {
		v := get(&pt)
		if len(boot) == 0 {
			return Estimate{Value: v, Lower: v, Upper: v, Method: "none"}
		}
		lo, hi := percentileInterval(boot, get, opt.Confidence)
		return Estimate{Value: v, Lower: lo, Upper: hi, Method: "bootstrap-percentile"}
	}
	wil := func(v float64, x, m int) Estimate {
		lo, hi := Wilson(x, m, opt.Confidence)
		return Estimate{Value: v, Lower: lo, Upper: hi, Method: "wilson"}
	}
	total := 0
	for c := range k {
		total += p.tp[c]
	}
	r.Accuracy = wil(pt.acc, total, n)
	r.BalancedAccuracy = b(func(q *point) float64 { return q.balAcc })
	for c := range k {
		tp, fp, fn := p.tp[c], p.predCount[c]-p.tp[c], p.support[c]-p.tp[c]
		tn := n - tp - fp - fn
		r.PerClass = append(r.PerClass, Class{
			Name: classes[c], Support: p.support[c], Predicted: p.predCount[c],
			Precision: wil(pt.prec[c], tp, tp+fp),
			Recall:    wil(pt.rec[c], tp, tp+fn),
			F1:        b(func(q *point) float64 { return q.f1[c] }),
			FPR:       wil(pt.fpr[c], fp, fp+tn),
			FNR:       wil(pt.fnr[c], fn, fn+tp),
		})
	}
	r.Macro = Average{b(func(q *point) float64 { return q.macro[0] }), b(func(q *point) float64 { return q.macro[1] }), b(func(q *point) float64 { return q.macro[2] })}
	r.Weighted = Average{b(func(q *point) float64 { return q.weighted[0] }), b(func(q *point) float64 { return q.weighted[1] }), b(func(q *point) float64 { return q.weighted[2] })}
	// Micro precision and recall are both (correct / n) for single-label data.
	r.Micro = Average{wil(pt.micro[0], total, n), wil(pt.micro[1], total, n), wil(pt.micro[2], total, n)}
	if scores != nil {
		if pt.aucOK {
			e := b(func(q *point) float64 { return q.auc })
			r.ROCAUC = &e
		}
		ece := b(func(q *point) float64 { return q.ece })
		brier := b(func(q *point) float64 { return q.brier })
		ll := b(func(q *point) float64 { return q.logloss })
		r.ECE, r.Brier, r.LogLoss = &ece, &brier, &ll
	}
	return r, nil
}

func argmax(r []float64) int {
	best := 0
	for j, v := range r {
		if v > r[best] {
			best = j
		}
	}
	return best
}

// FromProbabilities splits a row-major [n, k] float32 score matrix into rows
// of float64 (for Compute).
func FromProbabilities(data []float32, n, k int) ([][]float64, error) {
	if n < 0 || k <= 0 || len(data) != n*k {
		return nil, fmt.Errorf("metrics: %d values do not form %d rows of %d", len(data), n, k)
	}
	out := make([][]float64, n)
	flat := make([]float64, n*k)
	for i, v := range data {
		flat[i] = float64(v)
	}
	for i := range out {
		out[i] = flat[i*k : (i+1)*k : (i+1)*k]
	}
	return out, nil
}
