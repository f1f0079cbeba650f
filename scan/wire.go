package scan

import (
	"errors"
	"fmt"
	"io"
)

// wire walks protobuf wire format over an io.ReaderAt through a small
// window, so that a multi-gigabyte ONNX file is walked without reading the
// tensor payloads it skips: only tags, lengths and the fields asked for are
// read.
type wire struct {
	r        io.ReaderAt
	pos, end int64
	win      *window
	err      error
}

// window caches a span of the file.
type window struct {
	r    io.ReaderAt
	size int64
	base int64
	buf  []byte
}

const windowSize = 64 << 10

func newWire(r io.ReaderAt, off, end int64) *wire {
	return &wire{r: r, pos: off, end: end, win: &window{r: r, size: end, base: -1}}
}

// sub returns a walker over the n bytes at the current position and
// advances past them.
func (w *wire) sub(n int64) *wire {
	s := &wire{r: w.r, pos: w.pos, end: w.pos + n, win: w.win}
	w.pos += n
	return s
}

func (w *wire) more() bool { return w.err == nil && w.pos < w.end }

var errWire = errors.New("malformed protobuf")

func (win *window) byteAt(off int64) (byte, bool) {
	if off < win.base || off >= win.base+int64(len(win.buf)) || win.base < 0 {
		if win.buf == nil {
			win.buf = make([]byte, windowSize)
		}
		win.buf = win.buf[:cap(win.buf)]
		n, _ := win.r.ReadAt(win.buf, off)
		win.buf = win.buf[:n]
		win.base = off
		if n == 0 {
			return 0, false
		}
	}
	return win.buf[off-win.base], true
}

func (w *wire) varint() (uint64, error) {
	var x uint64
	for i := 0; i < 10; i++ {
		if w.pos >= w.end {
			return 0, fmt.Errorf("%w: varint runs past the end at %d", errWire, w.pos)
		}
		b, ok := w.win.byteAt(w.pos)
		if !ok {
			return 0, fmt.Errorf("%w: truncated at %d", errWire, w.pos)
		}
		w.pos++
		x |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return x, nil
		}
	}
	return 0, fmt.Errorf("%w: varint too long at %d", errWire, w.pos)
}

// next reads a tag.
func (w *wire) next() (field uint64, typ int, err error) {
	t, err := w.varint()
	if err != nil {
		w.err = err
		return 0, 0, err
	}
	return t >> 3, int(t & 7), nil
}

// length reads a length prefix and checks that it fits.
func (w *wire) length() (int64, error) {
	n, err := w.varint()
	if err != nil {
		w.err = err
		return 0, err
	}
	if n > uint64(w.end-w.pos) {
		w.err = fmt.Errorf("%w: a field of %d bytes at %d runs past its message (ends at %d)", errWire, n, w.pos, w.end)
		return 0, w.err
	}
	return int64(n), nil
}

// skip passes over a field's value.
func (w *wire) skip(typ int) error {
	switch typ {
	case 0:
		_, err := w.varint()
		w.err = err
		return err
	case 1:
		w.pos += 8
	case 5:
		w.pos += 4
	case 2:
		n, err := w.length()
		if err != nil {
			return err
		}
		w.pos += n
	default:
		w.err = fmt.Errorf("%w: wire type %d at %d", errWire, typ, w.pos)
		return w.err
	}
	if w.pos > w.end {
		w.err = fmt.Errorf("%w: field runs past its message", errWire)
		return w.err
	}
	return nil
}

// bytes reads a length-delimited value of at most limit bytes.
func (w *wire) bytes(limit int64) ([]byte, error) {
	n, err := w.length()
	if err != nil {
		return nil, err
	}
	if n > limit {
		w.pos += n
		return nil, fmt.Errorf("a field of %d bytes is over the limit of %d", n, limit)
	}
	b, err := readAll(w.r, w.pos, n)
	if err != nil {
		w.err = err
		return nil, err
	}
	w.pos += n
	return b, nil
}

func (w *wire) str() string {
	b, _ := w.bytes(1 << 20)
	return string(b)
}

// uint reads a varint field's value.
func (w *wire) uint() uint64 {
	v, err := w.varint()
	if err != nil {
		w.err = err
	}
	return v
}

// message returns a walker over a length-delimited field.
func (w *wire) message() (*wire, error) {
	n, err := w.length()
	if err != nil {
		return nil, err
	}
	return w.sub(n), nil
}

// packedOrOne reads an int64 repeated field in either packed (typ 2) or
// single (typ 0) form.
func (w *wire) ints(typ int, into []int64, max int) []int64 {
	if typ == 0 {
		return append(into, int64(w.uint()))
	}
	if typ != 2 {
		_ = w.skip(typ)
		return into
	}
	s, err := w.message()
	if err != nil {
		return into
	}
	for s.more() && len(into) < max {
		v, err := s.varint()
		if err != nil {
			w.err = err
			break
		}
		into = append(into, int64(v))
	}
	return into
}
