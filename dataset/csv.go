package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure/model"
)

// csvReader streams a CSV file with a header line.
type csvReader struct {
	name   string
	closer io.Closer
	r      *csv.Reader
	lim    Limits
	info   Info
	label  int // index of the label column, -1 when unlabelled
	feat   []int
	rows   int
	done   bool
}

// OpenCSV opens a CSV file: one header line, numeric feature columns and an
// integer label column (Options.Label, default "label").
func OpenCSV(path string, opt Options) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open csv: %w", err)
	}
	lim := opt.Limits.withDefaults()
	if err := checkSize(f, lim); err != nil {
		f.Close()
		return nil, fmt.Errorf("open csv: %w", err)
	}
	r, err := NewCSV(f, path, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.(*csvReader).closer = f
	return r, nil
}

// NewCSV reads CSV from r; name is used in error messages. Closing the
// returned Reader does not close r.
func NewCSV(r io.Reader, name string, opt Options) (Reader, error) {
	lim := opt.Limits.withDefaults()
	lr := newLineGate(io.LimitReader(r, lim.MaxBytes+1), lim)
	cr := csv.NewReader(lr)
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file, want a header line", name)
		}
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	header = slices.Clone(header)
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if len(header) > lim.MaxCols+1 {
		return nil, fmt.Errorf("%s:1: %d columns, more than the limit of %d: %w", name, len(header), lim.MaxCols, ErrLimit)
	}
	labelName := opt.Label
	if labelName == "" {
		labelName = "label"
	}
	c := &csvReader{name: name, r: cr, lim: lim, label: -1}
	seen := map[string]bool{}
	for i, h := range header {
		if h == "" {
			return nil, fmt.Errorf("%s:1: column %d has no name", name, i+1)
		}
		if seen[h] {
			return nil, fmt.Errorf("%s:1: column %q appears twice", name, trunc(h, 64))
		}
		seen[h] = true
		if h == labelName {
			c.label = i
			continue
		}
		c.feat = append(c.feat, i)
	}
	if c.label < 0 && !opt.Unlabelled {
		return nil, fmt.Errorf("%s:1: no label column %q (columns: %s)", name, trunc(labelName, 64), columnList(header))
	}
	if len(c.feat) == 0 {
		return nil, fmt.Errorf("%s:1: no feature columns", name)
	}
	cr.FieldsPerRecord = len(header)
	c.info = Info{Path: name, Format: "csv", Shape: []int{len(c.feat)}, Rows: -1, Classes: slices.Clone(opt.Classes)}
	for _, i := range c.feat {
		c.info.Features = append(c.info.Features, header[i])
	}
	if c.label >= 0 {
		c.info.Label = labelName
	}
	return c, nil
}

func (c *csvReader) Info() Info { return c.info }

func (c *csvReader) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

func (c *csvReader) Next(ctx context.Context, n int) (*Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("batch size %d: must be positive", n)
	}
	if c.done {
		return nil, io.EOF
	}
	d := len(c.feat)
	data := make([]float32, 0, min(n, 1<<16)*d)
	var y []int
	if c.label >= 0 {
		y = make([]int, 0, min(n, 1<<16))
	}
	rows := 0
	for rows < n {
		rec, err := c.r.Read()
		if errors.Is(err, io.EOF) {
			c.done = true
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		line, _ := c.r.FieldPos(0)
		if c.rows >= c.lim.MaxRows {
			return nil, fmt.Errorf("%s:%d: more than %d rows: %w", c.name, line, c.lim.MaxRows, ErrLimit)
		}
		for _, i := range c.feat {
			v, err := parseFeature(rec[i])
			if err != nil {
				l, col := c.r.FieldPos(i)
				return nil, fmt.Errorf("%s:%d:%d: %w", c.name, l, col, err)
			}
			data = append(data, v)
		}
		if c.label >= 0 {
			k, err := parseLabel(rec[c.label], c.info.Classes)
			if err != nil {
				l, col := c.r.FieldPos(c.label)
				return nil, fmt.Errorf("%s:%d:%d: label: %w", c.name, l, col, err)
			}
			y = append(y, k)
		}
		c.rows++
		rows++
	}
	if rows == 0 {
		return nil, io.EOF
	}
	return &Batch{X: &model.Tensor{Shape: []int{rows, d}, Data: data}, Y: y}, nil
}

// columnList names the first columns of a header, for messages.
func columnList(header []string) string {
	const show = 10
	names := make([]string, 0, show+1)
	for i, h := range header {
		if i == show {
			names = append(names, fmt.Sprintf("... %d in all", len(header)))
			break
		}
		names = append(names, trunc(h, 40))
	}
	return strings.Join(names, ", ")
}

// parseFeature parses a finite number.
func parseFeature(s string) (float32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("missing value")
	}
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return float32(v), nil
}

// maxClasses bounds a label index.
const maxClasses = 1 << 20

// parseLabel parses a class index (an integer, or an integral number such as
// "2.0"), or looks the string up in classes.
func parseLabel(s string, classes []string) (int, error) {
	s = strings.TrimSpace(s)
	if i := slices.Index(classes, s); i >= 0 {
		return i, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) {
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		if len(classes) > 0 {
			return 0, fmt.Errorf("%q is neither a class index nor one of the classes %v", s, classes)
		}
		return 0, fmt.Errorf("%q is not a class index", s)
	}
	if v < 0 || v >= maxClasses || (len(classes) > 0 && int(v) >= len(classes)) {
		return 0, fmt.Errorf("class index %s out of range", s)
	}
	return int(v), nil
}

// lineGate hands the CSV parser whole lines only, after checking them: a
// line longer than max bytes, with more than maxFields fields, or input
// longer than total bytes is refused before the parser sees any of it. The
// parser would otherwise split the part it had read of an over-long line into
// fields first (a 20 MiB line of "1," cost 830 MB before it was refused);
// here the most held is one line, at most max bytes.
type lineGate struct {
	r         *bufio.Reader
	max       int
	maxFields int
	total     int64
	read      int64
	lineNo    int
	inQuote   bool // a quoted field goes on past the end of the last line
	buf       []byte
	pending   []byte
	err       error
}

func newLineGate(r io.Reader, lim Limits) *lineGate {
	return &lineGate{r: bufio.NewReaderSize(r, 64<<10), max: lim.MaxLineBytes, maxFields: lim.MaxCols + 1, total: lim.MaxBytes}
}

func (l *lineGate) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		l.fill()
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// fill reads the next line into pending, or sets err.
func (l *lineGate) fill() {
	l.buf = l.buf[:0]
	l.lineNo++
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.buf = append(l.buf, chunk...)
		if n := len(bytes.TrimRight(l.buf, "\r\n")); n > l.max {
			l.fail(fmt.Errorf("line %d is longer than %d bytes: %w", l.lineNo, l.max, ErrLimit))
			return
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			l.err = err
		}
		break
	}
	if f := l.fields(); f > l.maxFields {
		l.fail(fmt.Errorf("line %d has more than the limit of %d columns (and a label): %w", l.lineNo, l.maxFields-1, ErrLimit))
		return
	}
	l.read += int64(len(l.buf))
	if l.read > l.total {
		l.fail(fmt.Errorf("input is longer than %d bytes: %w", l.total, ErrLimit))
		return
	}
	l.pending = l.buf
}

// fields counts the field separators of the line outside quotes, plus one.
func (l *lineGate) fields() int {
	n := 1
	for _, b := range l.buf {
		switch {
		case b == '"':
			l.inQuote = !l.inQuote
		case b == ',' && !l.inQuote:
			n++
		}
	}
	return n
}

func (l *lineGate) fail(err error) {
	l.err, l.buf, l.pending = err, nil, nil
}
