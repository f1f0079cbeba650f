package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
)

const predictUsage = "(-model MODEL.onnx | -endpoint URL [-protocol oip|json] [-timeout D] [-request-timeout D] ...) -data DATA [-label COL] [-format csv|json] [-batch N] [-o FILE]"

var predictCmd = &command{
	name:    "predict",
	usage:   predictUsage,
	summary: "print a model's outputs for a data set (CSV or JSON lines), to compare with another runtime",
	run:     runPredict,
}

func runPredict(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	var tf targetFlags
	tf.register(fs)
	data := fs.String("data", "", "the data set: CSV, NPY, ARFF or a folder of images")
	label := fs.String("label", "", "the label column (CSV) or attribute (ARFF); default label/class")
	unlabelled := fs.Bool("unlabelled", false, "the CSV has no label column")
	batch := fs.Int("batch", 256, "samples per batch")
	o := addOutput(fs, predictFormats, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *data == "" {
		return usagef("give -data and -model or -endpoint\nusage: aiassure predict %s", predictUsage)
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	if *batch < 1 {
		return usagef("-batch must be at least 1")
	}
	if err := tf.deadline.check(); err != nil {
		return err
	}
	ctx, cancel := tf.deadline.context(ctx, tf.endpoint != "")
	defer cancel()
	m, err := tf.open(ctx)
	if err != nil {
		return explain(ctx, err)
	}
	r, err := dataset.Open(*data, dataset.Options{Label: *label, Unlabelled: *unlabelled, Limits: tf.limits.data()})
	if err != nil {
		return usageError{err}
	}
	defer r.Close()
	w, closeOut, err := o.open(e)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	rows, err := predict(ctx, m, r, *batch, format, bw)
	if err != nil {
		closeOut()
		return explain(ctx, err)
	}
	if err := bw.Flush(); err != nil {
		closeOut()
		return err
	}
	if err := closeOut(); err != nil {
		return err
	}
	o.wrote(e, format, fmt.Sprintf("%d rows", rows))
	return nil
}

// predict streams the data set through the target batch by batch, so memory
// grows with the batch, not the data set. An error in the data is an input
// error (exit 2); a failure of the target, a NaN or an infinity among its
// outputs included, is an error of the rows it concerns (exit 1).
func predict(ctx context.Context, t model.Target, r dataset.Reader, size int, format string, w *bufio.Writer) (int, error) {
	row := 0
	header := false
	for b, err := range dataset.Batches(ctx, r, size) {
		if err != nil {
			if ctx.Err() != nil {
				return row, err
			}
			return row, usageError{err}
		}
		x := b.X
		if in := t.Info().InputShape; len(in) > 1 && len(x.Shape) == 2 && sampleSize(in) == x.RowLen() {
			// flat rows (an image per CSV row) in the model's sample shape
			x = &model.Tensor{Shape: append([]int{x.Batch()}, in...), Data: x.Data}
		}
		y, err := t.Predict(ctx, x)
		if err == nil {
			err = y.CheckFinite()
		}
		if err != nil {
			return row, fmt.Errorf("rows %d to %d: %w", row, row+b.X.Batch()-1, err)
		}
		pred := y.ArgMax()
		for i := range y.Batch() {
			outs := y.Row(i)
			lbl := -1
			if b.Y != nil {
				lbl = b.Y[i]
			}
			switch format {
			case "csv":
				if !header {
					w.WriteString("index,label,pred")
					for j := range outs {
						fmt.Fprintf(w, ",out_%d", j)
					}
					w.WriteByte('\n')
					header = true
				}
				fmt.Fprintf(w, "%d,%d,%d", row, lbl, pred[i])
				for _, v := range outs {
					w.WriteByte(',')
					w.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
				}
				w.WriteByte('\n')
			case "json":
				rec := struct {
					Index  int       `json:"index"`
					Label  *int      `json:"label,omitempty"`
					Pred   int       `json:"pred"`
					Output []float32 `json:"output"`
				}{Index: row, Pred: pred[i], Output: outs}
				if b.Y != nil {
					rec.Label = &lbl
				}
				bs, err := json.Marshal(rec)
				if err != nil {
					return row, err
				}
				w.Write(bs)
				w.WriteByte('\n')
			}
			row++
		}
	}
	return row, nil
}

// sampleSize is the number of values of a per-sample shape, or -1 when a
// dimension is unknown (zero or negative) or the shape is too large.
func sampleSize(s []int) int {
	n, err := model.NumElements(s)
	if err != nil || n == 0 {
		return -1
	}
	return n
}
