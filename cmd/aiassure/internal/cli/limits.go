package cli

import (
	"flag"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model/onnx"
)

// limitFlags raise the size limits of the files a model verb reads
// (docs/limits.md). A value of 0 keeps the default.
type limitFlags struct {
	modelBytes int64
	dataBytes  int64
	lineBytes  int
}

func (l *limitFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&l.modelBytes, "max-model-bytes", 0, "largest ONNX model file read, in bytes (0: the default, 1 GiB)")
	fs.Int64Var(&l.dataBytes, "max-data-bytes", 0, "largest data file (or image) read, in bytes (0: the default, 4 GiB)")
	fs.IntVar(&l.lineBytes, "max-line-bytes", 0, "longest CSV or ARFF line read, in bytes (0: the default, 16 MiB)")
}

// onnx returns the load options of the model limits.
func (l *limitFlags) onnx() []onnx.Option {
	if l.modelBytes <= 0 {
		return nil
	}
	lim := onnx.DefaultLimits()
	lim.MaxFileBytes = l.modelBytes
	return []onnx.Option{onnx.WithLimits(lim)}
}

// data returns the data set limits; zero fields take dataset's defaults.
func (l *limitFlags) data() dataset.Limits {
	return dataset.Limits{MaxBytes: l.dataBytes, MaxLineBytes: l.lineBytes}
}
