package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/model"
)

// Limits bound what a reader accepts from untrusted input. A zero field
// takes the value of DefaultLimits.
type Limits struct {
	MaxBytes      int64 // size of a data file (or of one image file)
	MaxRows       int   // rows (samples)
	MaxCols       int   // features per sample
	MaxLineBytes  int   // length of one CSV or ARFF line
	MaxImagePixel int   // width*height of one image
}

// DefaultLimits returns the limits used when none are given: 4 GiB files,
// 50 million rows, 1 million features per sample, 16 MiB lines and 64
// megapixel images.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:      4 << 30,
		MaxRows:       50_000_000,
		MaxCols:       1 << 20,
		MaxLineBytes:  16 << 20,
		MaxImagePixel: 64 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxCols <= 0 {
		l.MaxCols = d.MaxCols
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.MaxImagePixel <= 0 {
		l.MaxImagePixel = d.MaxImagePixel
	}
	return l
}

// ErrLimit is wrapped by errors that report input beyond a Limit.
var ErrLimit = errors.New("limit exceeded")

// Batch is a batch of samples: X has shape [B, Shape...] and Y holds B class
// indices (nil when the data has no labels).
type Batch struct {
	X *model.Tensor
	Y []int
}

// Info describes a data set.
type Info struct {
	Path     string   // the file or folder read
	Format   string   // csv, npy, arff, images
	Features []string // names of the features of one flattened sample
	Shape    []int    // shape of one sample (without the batch dimension)
	Label    string   // the label column or attribute; empty when unlabelled
	Classes  []string // class names where the data names them, in index order
	Rows     int      // number of samples, or -1 when not known before reading
	// Nominal records how the nominal attributes of an ARFF file were encoded.
	Nominal []NominalEncoding `json:",omitempty"`
}

// Reader hands out the samples of a data set in order.
type Reader interface {
	Info() Info
	// Next returns the next batch of at most n samples, or io.EOF when no
	// samples are left. The batch does not alias the reader's buffers.
	Next(ctx context.Context, n int) (*Batch, error)
	Close() error
}

// Batches ranges over the batches of r of the given size. A non-nil error
// ends the sequence; io.EOF is not reported. It does not close r.
func Batches(ctx context.Context, r Reader, size int) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		if size <= 0 {
			yield(nil, fmt.Errorf("batch size %d: must be positive", size))
			return
		}
		for {
			b, err := r.Next(ctx, size)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(b, nil) {
				return
			}
		}
	}
}

// Dataset is a data set held in memory.
type Dataset struct {
	Info Info
	X    *model.Tensor // [N, Shape...]
	Y    []int         // N labels, or nil
}

// Len returns the number of samples.
func (d *Dataset) Len() int {
	if d == nil || d.X == nil || len(d.X.Shape) == 0 {
		return 0
	}
	return d.X.Shape[0]
}

// ReadAll reads every remaining sample of r into memory.
func ReadAll(ctx context.Context, r Reader) (*Dataset, error) {
	info := r.Info()
	rowLen := 1
	for _, d := range info.Shape {
		rowLen *= d
	}
	var data []float32
	var y []int
	labelled := info.Label != ""
	if labelled {
		y = []int{}
	}
	n := 0
	for b, err := range Batches(ctx, r, 4096) {
		if err != nil {
			return nil, err
		}
		data = append(data, b.X.Data...)
		if b.Y == nil {
			labelled = false
		}
		y = append(y, b.Y...)
		n += b.X.Batch()
	}
	if !labelled {
		y = nil
	}
	if data == nil {
		data = []float32{}
	}
	shape := append([]int{n}, info.Shape...)
	x, err := model.NewTensor(shape, data)
	if err != nil {
		return nil, err
	}
	info.Rows = n
	return &Dataset{Info: info, X: x, Y: y}, nil
}

// Batch returns rows [lo, hi) of d as a batch (copies).
func (d *Dataset) Batch(lo, hi int) (*Batch, error) {
	x, err := d.X.Slice(lo, hi)
	if err != nil {
		return nil, err
	}
	var y []int
	if d.Y != nil {
		y = append([]int(nil), d.Y[lo:hi]...)
	}
	return &Batch{X: x, Y: y}, nil
}

// Reader returns a Reader over the samples of d.
func (d *Dataset) Reader() Reader { return &memReader{d: d} }

type memReader struct {
	d   *Dataset
	pos int
}

func (m *memReader) Info() Info { return m.d.Info }
func (m *memReader) Close() error {
	return nil
}
func (m *memReader) Next(ctx context.Context, n int) (*Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("batch size %d: must be positive", n)
	}
	if m.pos >= m.d.Len() {
		return nil, io.EOF
	}
	hi := min(m.pos+n, m.d.Len())
	b, err := m.d.Batch(m.pos, hi)
	m.pos = hi
	return b, err
}

// Options configure Open.
type Options struct {
	// Format forces a format (csv, npy, arff, images); empty: from the
	// extension, or images for a directory.
	Format string
	// Label names the label column (CSV) or attribute (ARFF). CSV: default
	// "label"; a CSV without that column is read unlabelled only when
	// Unlabelled is set. ARFF: default "class", else the last attribute.
	Label string
	// Unlabelled reads a CSV that has no label column.
	Unlabelled bool
	// Classes maps label strings to indices (CSV labels that are not
	// integers are looked up here).
	Classes []string
	// Labels is the NPY file of labels (1-D integer array) for an NPY file
	// of features; empty: unlabelled.
	Labels string
	// Nominal selects how ARFF nominal attributes are encoded: OneHot
	// (default) or Ordinal.
	Nominal Encoding
	// Image configures image folders.
	Image  ImageOptions
	Limits Limits
}

// Open opens the data set at path for reading.
func Open(path string, opt Options) (Reader, error) {
	format := opt.Format
	if format == "" {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("open data set: %w", err)
		}
		if st.IsDir() {
			format = "images"
		} else {
			format = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
		}
	}
	switch format {
	case "csv":
		return OpenCSV(path, opt)
	case "npy":
		return OpenNPY(path, opt)
	case "arff":
		return OpenARFF(path, opt)
	case "images", "image":
		return OpenImages(path, opt)
	}
	return nil, fmt.Errorf("open data set %s: unknown format %q (want csv, npy, arff or a folder of images)", path, format)
}

// Load opens path and reads it into memory.
func Load(ctx context.Context, path string, opt Options) (*Dataset, error) {
	r, err := Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return ReadAll(ctx, r)
}

// checkSize refuses a file larger than the limit.
func checkSize(f *os.File, lim Limits) error {
	if _, err := limitio.Check(f, lim.MaxBytes); err != nil {
		if errors.Is(err, limitio.ErrTooLarge) {
			return fmt.Errorf("%w: %w", err, ErrLimit)
		}
		return err
	}
	return nil
}
