// Package limitio opens and reads files whose size an attacker or a careless
// user may choose, checking the declared size before reading and the actual
// size while reading. A file over its limit, or one that is not a regular
// file (a device such as /dev/zero, a FIFO, a directory), is refused before
// any of it is read, so refusing it costs nothing; a file that grows after
// the check is cut at the limit and refused too.
package limitio

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is wrapped by the errors of a file over its limit.
var ErrTooLarge = errors.New("file too large")

// ErrNotRegular is wrapped by the errors of a path that is not a regular
// file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens the regular file at path and checks that its size is at most
// max bytes. It returns the open file and its size. The caller should read
// it through io.LimitReader(f, max+1) (ReadFile does): the check holds for
// the size at open time only.
func Open(path string, max int64) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	size, err := Check(f, max)
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, size, nil
}

// Check returns the size of the open file f, or an error when f is not a
// regular file or is larger than max bytes.
func Check(f *os.File, max int64) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !st.Mode().IsRegular() {
		return 0, fmt.Errorf("%s is %s: %w", f.Name(), kind(st.Mode()), ErrNotRegular)
	}
	if st.Size() > max {
		return 0, tooLarge(f.Name(), st.Size(), max)
	}
	return st.Size(), nil
}

// ReadFile reads the regular file at path, of at most max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	f, size, err := Open(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readAll(f, size, max)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%s grew past %d bytes while it was read: %w", path, max, ErrTooLarge)
	}
	return b, err
}

// ReadAll reads at most max bytes from r and fails when r holds more. size
// is a hint for the buffer (the file's size, or 0 when unknown).
func ReadAll(r io.Reader, name string, size, max int64) ([]byte, error) {
	b, err := readAll(r, size, max)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%s is more than %d bytes: %w", name, max, ErrTooLarge)
	}
	return b, err
}

func readAll(r io.Reader, size, max int64) ([]byte, error) {
	buf := make([]byte, 0, min(size, max)+1)
	lr := io.LimitReader(r, max+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, ErrTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func tooLarge(name string, size, max int64) error {
	return fmt.Errorf("%s is %d bytes, more than the limit of %d: %w", name, size, max, ErrTooLarge)
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "a special file (" + m.Type().String() + ")"
}
