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

const predictUsage = "(-model MODEL.onnx | -endpoint URL [-protocol oip|json] ...) -data DATA [-label COL] [-format csv|json] [-batch N] [-o FILE]"

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
	format := fs.String("format", "csv", "csv or json (one JSON object per line)")
	batch := fs.Int("batch", 256, "samples per batch")
	out := fs.String("o", "", "write to `FILE`")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *data == "" {
		return usagef("usage: aiassure predict %s", predictUsage)
	}
	if *format != "csv" && *format != "json" {
		return usagef("predict: -format %q: want csv or json", *format)
	}
	if *batch < 1 {
		return usagef("predict: -batch must be at least 1")
	}
	m, err := tf.open(ctx)
	if err != nil {
		return err
	}
	r, err := dataset.Open(*data, dataset.Options{Label: *label, Unlabelled: *unlabelled})
	if err != nil {
		return usageError{err}
	}
	defer r.Close()
	w, closeOut, err := output(e, *out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if err := predict(ctx, m, r, *batch, *format, bw); err != nil {
		closeOut()
		return err
	}
	if err := bw.Flush(); err != nil {
		closeOut()
		return err
	}
	return closeOut()
}

// predict streams the data set through the target batch by batch, so memory
// grows with the batch, not the data set.
func predict(ctx context.Context, t model.Target, r dataset.Reader, size int, format string, w *bufio.Writer) error {
	row := 0
	header := false
	for b, err := range dataset.Batches(ctx, r, size) {
		if err != nil {
			return err
		}
		y, err := t.Predict(ctx, b.X)
		if err != nil {
			return fmt.Errorf("predict rows %d to %d: %w", row, row+b.X.Batch()-1, err)
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
					return err
				}
				w.Write(bs)
				w.WriteByte('\n')
			}
			row++
		}
	}
	return nil
}
