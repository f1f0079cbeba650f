package limitio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 40); err != nil { // 1 TiB, sparse: only Stat can tell
		t.Skipf("cannot make a sparse file: %v", err)
	}
	f.Close()
	tests := []struct {
		name, path string
		max        int64
		want       error
	}{
		{"fits", small, 5, nil},
		{"one byte over", small, 4, ErrTooLarge},
		{"sparse terabyte", sparse, 1 << 30, ErrTooLarge},
		{"directory", dir, 1 << 30, ErrNotRegular},
		{"missing", filepath.Join(dir, "nope"), 1, os.ErrNotExist},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		tests = append(tests, struct {
			name, path string
			max        int64
			want       error
		}{"device", "/dev/zero", 1 << 30, ErrNotRegular})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadFile(tc.path, tc.max)
			if tc.want == nil {
				if err != nil || string(b) != "hello" {
					t.Fatalf("got %q, %v", b, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if len(err.Error()) > 300 {
				t.Errorf("long error: %.300s", err)
			}
		})
	}
}

func TestReadAll(t *testing.T) {
	b, err := ReadAll(strings.NewReader("abc"), "r", 0, 3)
	if err != nil || string(b) != "abc" {
		t.Fatalf("got %q, %v", b, err)
	}
	_, err = ReadAll(bytes.NewReader(make([]byte, 10)), "r", 0, 9)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "r is more than 9 bytes") {
		t.Fatalf("err = %v", err)
	}
	b, err = ReadAll(strings.NewReader(""), "r", 100, 9)
	if err != nil || len(b) != 0 {
		t.Fatalf("got %q, %v", b, err)
	}
}
