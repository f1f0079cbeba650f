package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure/model"
)

// NPYHeader is the parsed header of an NPY file.
type NPYHeader struct {
	Major, Minor int
	Descr        string // <f4, <f8, <i8, |u1 (also accepted: <i4, <u1, |i1)
	Fortran      bool
	Shape        []int
	HeaderLen    int // bytes before the data
}

// elemSize returns the size of one element of the dtype, or an error for a
// dtype this reader does not support.
func elemSize(descr string) (int, error) {
	switch descr {
	case "<f4", "<i4":
		return 4, nil
	case "<f8", "<i8":
		return 8, nil
	case "|u1", "<u1", "|i1", "|b1":
		return 1, nil
	}
	if strings.HasPrefix(descr, ">") {
		return 0, fmt.Errorf("dtype %q is big-endian; save the array as little-endian (numpy: a.astype(a.dtype.newbyteorder('<')))", descr)
	}
	return 0, fmt.Errorf("dtype %q is not supported (want <f4, <f8, <i8, <i4 or |u1)", descr)
}

// maxNPYHeader bounds the header length of an NPY file.
const maxNPYHeader = 1 << 20

// ReadNPYHeader reads the magic string and header of an NPY file.
func ReadNPYHeader(r io.Reader) (*NPYHeader, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("npy magic: %w", err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, errors.New("not an NPY file (bad magic string)")
	}
	h := &NPYHeader{Major: int(pre[6]), Minor: int(pre[7])}
	var hlen int
	switch h.Major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
		h.HeaderLen = 10 + hlen
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy header length: %w", err)
		}
		v := binary.LittleEndian.Uint32(b[:])
		if v > maxNPYHeader {
			return nil, fmt.Errorf("npy header of %d bytes is longer than %d: %w", v, maxNPYHeader, ErrLimit)
		}
		hlen = int(v)
		h.HeaderLen = 12 + hlen
	default:
		return nil, fmt.Errorf("npy format version %d.%d is not supported (want 1, 2 or 3)", h.Major, h.Minor)
	}
	buf := make([]byte, hlen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("npy header: %w", err)
	}
	if err := h.parseDict(string(buf)); err != nil {
		return nil, fmt.Errorf("npy header: %w", err)
	}
	return h, nil
}

// parseDict parses the Python dict literal of an NPY header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func (h *NPYHeader) parseDict(s string) error {
	s = strings.TrimRight(s, " \n\x00")
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return errors.New("not a dict literal")
	}
	p := &pyLex{s: s[1 : len(s)-1]}
	seen := map[string]bool{}
	for {
		p.space()
		if p.eof() {
			break
		}
		key, err := p.str()
		if err != nil {
			return fmt.Errorf("key: %w", err)
		}
		p.space()
		if !p.take(':') {
			return fmt.Errorf("missing ':' after %q", key)
		}
		p.space()
		if seen[key] {
			return fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			v, err := p.str()
			if err != nil {
				return fmt.Errorf("descr: %w", err)
			}
			h.Descr = v
		case "fortran_order":
			switch {
			case strings.HasPrefix(p.rest(), "True"):
				h.Fortran, p.i = true, p.i+4
			case strings.HasPrefix(p.rest(), "False"):
				p.i += 5
			default:
				return errors.New("fortran_order: want True or False")
			}
		case "shape":
			shape, err := p.tuple()
			if err != nil {
				return fmt.Errorf("shape: %w", err)
			}
			h.Shape = shape
		default:
			return fmt.Errorf("unknown key %q", key)
		}
		p.space()
		if !p.take(',') {
			p.space()
			if !p.eof() {
				return fmt.Errorf("unexpected %q", trunc(p.rest(), 20))
			}
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fmt.Errorf("missing key %q", k)
		}
	}
	return nil
}

type pyLex struct {
	s string
	i int
}

func (p *pyLex) eof() bool    { return p.i >= len(p.s) }
func (p *pyLex) rest() string { return p.s[p.i:] }
func (p *pyLex) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t') {
		p.i++
	}
}
func (p *pyLex) take(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}
func (p *pyLex) str() (string, error) {
	if p.eof() || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("want a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}
func (p *pyLex) tuple() ([]int, error) {
	if !p.take('(') {
		return nil, errors.New("want a tuple")
	}
	shape := []int{}
	for {
		p.space()
		if p.take(')') {
			return shape, nil
		}
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i {
			return nil, fmt.Errorf("want a dimension, found %q", trunc(p.rest(), 20))
		}
		v, err := strconv.Atoi(p.s[p.i:j])
		if err != nil || v > math.MaxInt32 {
			return nil, fmt.Errorf("dimension %q is too large", p.s[p.i:j])
		}
		if len(shape) >= 32 {
			return nil, errors.New("more than 32 dimensions")
		}
		shape = append(shape, v)
		p.i = j
		p.space()
		if !p.take(',') {
			p.space()
			if !p.take(')') {
				return nil, errors.New("want ',' or ')'")
			}
			return shape, nil
		}
	}
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// npyArray streams the rows of an NPY array.
type npyArray struct {
	h      *NPYHeader
	r      *bufio.Reader
	elem   int
	rowLen int // elements per row
	rows   int
	pos    int
	buf    []byte
}

func openNPYArray(r io.Reader, name string, size int64, lim Limits) (*npyArray, error) {
	h, err := ReadNPYHeader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if h.Fortran {
		return nil, fmt.Errorf("%s: the array is in Fortran order; save it in C order (numpy: np.ascontiguousarray)", name)
	}
	es, err := elemSize(h.Descr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(h.Shape) == 0 {
		return nil, fmt.Errorf("%s: a scalar array holds no samples", name)
	}
	n := h.Shape[0]
	if n > lim.MaxRows {
		return nil, fmt.Errorf("%s: %d rows, more than the limit of %d: %w", name, n, lim.MaxRows, ErrLimit)
	}
	rowLen, err := model.NumElements(h.Shape[1:])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if rowLen > lim.MaxCols {
		return nil, fmt.Errorf("%s: %d values per sample, more than the limit of %d: %w", name, rowLen, lim.MaxCols, ErrLimit)
	}
	if rowLen > 0 && int64(n) > (math.MaxInt64/16)/int64(rowLen) {
		return nil, fmt.Errorf("%s: shape %v is too large: %w", name, h.Shape, ErrLimit)
	}
	if size >= 0 {
		want := int64(h.HeaderLen) + int64(n)*int64(rowLen)*int64(es)
		if want > size {
			return nil, fmt.Errorf("%s: shape %v of %s needs %d bytes, the file has %d", name, h.Shape, h.Descr, want, size)
		}
	}
	return &npyArray{h: h, r: bufio.NewReaderSize(r, 1<<16), elem: es, rowLen: rowLen, rows: n}, nil
}

// next decodes up to n rows into dst (appended) and returns the rows read.
func (a *npyArray) next(n int, dst []float32) ([]float32, int, error) {
	n = min(n, a.rows-a.pos)
	if n <= 0 {
		return dst, 0, io.EOF
	}
	need := a.rowLen * a.elem
	if cap(a.buf) < need {
		a.buf = make([]byte, need)
	}
	buf := a.buf[:need]
	for range n {
		if _, err := io.ReadFull(a.r, buf); err != nil {
			return dst, 0, fmt.Errorf("row %d: %w", a.pos, err)
		}
		var err error
		dst, err = decodeNPY(a.h.Descr, buf, dst)
		if err != nil {
			return dst, 0, fmt.Errorf("row %d: %w", a.pos, err)
		}
		a.pos++
	}
	return dst, n, nil
}

func decodeNPY(descr string, b []byte, dst []float32) ([]float32, error) {
	switch descr {
	case "<f4":
		for i := 0; i+4 <= len(b); i += 4 {
			v := math.Float32frombits(binary.LittleEndian.Uint32(b[i:]))
			if v != v || math.IsInf(float64(v), 0) {
				return dst, errors.New("value is not finite")
			}
			dst = append(dst, v)
		}
	case "<f8":
		for i := 0; i+8 <= len(b); i += 8 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(b[i:]))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return dst, errors.New("value is not finite")
			}
			dst = append(dst, float32(v))
		}
	case "<i8":
		for i := 0; i+8 <= len(b); i += 8 {
			dst = append(dst, float32(int64(binary.LittleEndian.Uint64(b[i:]))))
		}
	case "<i4":
		for i := 0; i+4 <= len(b); i += 4 {
			dst = append(dst, float32(int32(binary.LittleEndian.Uint32(b[i:]))))
		}
	case "|u1", "<u1", "|b1":
		for _, v := range b {
			dst = append(dst, float32(v))
		}
	case "|i1":
		for _, v := range b {
			dst = append(dst, float32(int8(v)))
		}
	}
	return dst, nil
}

type npyReader struct {
	x, y    *npyArray
	closers []io.Closer
	info    Info
}

// OpenNPY opens an NPY file of features, shape [N, ...], and, when
// Options.Labels names one, an NPY file of N integer labels.
func OpenNPY(path string, opt Options) (Reader, error) {
	lim := opt.Limits.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open npy: %w", err)
	}
	nr := &npyReader{closers: []io.Closer{f}}
	fail := func(err error) (Reader, error) {
		nr.Close()
		return nil, err
	}
	if err := checkSize(f, lim); err != nil {
		return fail(fmt.Errorf("open npy: %w", err))
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if nr.x, err = openNPYArray(f, path, st.Size(), lim); err != nil {
		return fail(err)
	}
	if len(nr.x.h.Shape) < 2 {
		return fail(fmt.Errorf("%s: features need shape [N, ...], have %v", path, nr.x.h.Shape))
	}
	nr.info = Info{Path: path, Format: "npy", Shape: append([]int(nil), nr.x.h.Shape[1:]...), Rows: nr.x.rows, Classes: opt.Classes}
	if opt.Labels != "" {
		g, err := os.Open(opt.Labels)
		if err != nil {
			return fail(fmt.Errorf("open npy labels: %w", err))
		}
		nr.closers = append(nr.closers, g)
		gs, err := g.Stat()
		if err != nil {
			return fail(err)
		}
		if nr.y, err = openNPYArray(g, opt.Labels, gs.Size(), lim); err != nil {
			return fail(err)
		}
		if len(nr.y.h.Shape) != 1 || nr.y.rows != nr.x.rows {
			return fail(fmt.Errorf("%s: labels need shape (%d,), have %v", opt.Labels, nr.x.rows, nr.y.h.Shape))
		}
		nr.info.Label = opt.Labels
	}
	return nr, nil
}

func (n *npyReader) Info() Info { return n.info }

func (n *npyReader) Close() error {
	var errs []error
	for _, c := range n.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func (n *npyReader) Next(ctx context.Context, size int) (*Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("batch size %d: must be positive", size)
	}
	k := min(size, n.x.rows-n.x.pos)
	if k <= 0 {
		return nil, io.EOF
	}
	data, rows, err := n.x.next(k, make([]float32, 0, k*n.x.rowLen))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.info.Path, err)
	}
	b := &Batch{X: &model.Tensor{Shape: append([]int{rows}, n.info.Shape...), Data: data}}
	if n.y != nil {
		lab, _, err := n.y.next(k, make([]float32, 0, k))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.info.Label, err)
		}
		b.Y = make([]int, k)
		for i, v := range lab {
			if v < 0 || v != float32(math.Trunc(float64(v))) || v >= maxClasses || (len(n.info.Classes) > 0 && int(v) >= len(n.info.Classes)) {
				return nil, fmt.Errorf("%s: row %d: label %v is not a class index", n.info.Label, n.y.pos-k+i, v)
			}
			b.Y[i] = int(v)
		}
	}
	return b, nil
}

// WriteNPY writes a float32 array in NPY format version 1.0 (C order, <f4).
func WriteNPY(w io.Writer, shape []int, data []float32) error {
	var dims []string
	for _, d := range shape {
		dims = append(dims, strconv.Itoa(d))
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", tuple)
	pad := 64 - (10+len(dict)+1)%64
	if pad == 64 {
		pad = 0
	}
	dict += strings.Repeat(" ", pad) + "\n"
	var hdr bytes.Buffer
	hdr.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&hdr, binary.LittleEndian, uint16(len(dict)))
	hdr.WriteString(dict)
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return err
	}
	buf := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	_, err := w.Write(buf)
	return err
}
