package dataset

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// Seed corpora: f.Add below and testdata/fuzz/<FuzzName>/ (go test format).

var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxRows: 1000, MaxCols: 1000, MaxLineBytes: 4096, MaxImagePixel: 1 << 16}

func FuzzCSV(f *testing.F) {
	f.Add("a,b,label\n1,2,0\n3,4,1\n")
	f.Add("label,x\n\"1\",2e5\n")
	f.Add("a,label\nNaN,0\n")
	if b, err := os.ReadFile(filepath.Join("..", "examples", "minimal-risk", "data", "test.csv")); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := NewCSV(strings.NewReader(in), "f.csv", Options{Limits: fuzzLimits})
		if err != nil {
			return
		}
		d, err := ReadAll(context.Background(), r)
		if err != nil {
			return
		}
		if err := d.X.Validate(); err != nil || len(d.Y) != d.Len() {
			t.Fatalf("inconsistent data set: %v, %d labels for %d rows", err, len(d.Y), d.Len())
		}
	})
}

func FuzzNPY(f *testing.F) {
	var b bytes.Buffer
	WriteNPY(&b, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	f.Add(b.Bytes())
	f.Add(npyRaw(3, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), }", []byte{1, 2, 3, 4}))
	f.Add(npyRaw(2, "{'descr': '<i8', 'fortran_order': True, 'shape': (1,1), }", le(int64(3))))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := openNPYArray(bytes.NewReader(in), "f.npy", int64(len(in)), fuzzLimits)
		if err != nil {
			return
		}
		var dst []float32
		for {
			var n int
			dst, n, err = a.next(3, dst)
			if err != nil || n == 0 {
				break
			}
		}
		if len(dst) > a.rows*a.rowLen {
			t.Fatalf("decoded %d values from shape %v", len(dst), a.h.Shape)
		}
	})
}

func FuzzARFF(f *testing.F) {
	f.Add("@relation r\n@attribute a numeric\n@attribute class {x,y}\n@data\n1,x\n2,'y'\n")
	f.Add("@attribute 'a b' {'p q', r}\n@attribute c real\n@data\n'p q',1\n")
	f.Add("@relation r\n@attribute a numeric\n@attribute class {x}\n@data\n{0 1}\n")
	f.Fuzz(func(t *testing.T, in string) {
		for _, enc := range []Encoding{OneHot, Ordinal} {
			d, err := ParseARFF(context.Background(), strings.NewReader(in), "f.arff", Options{Nominal: enc, Limits: fuzzLimits})
			if err != nil {
				continue
			}
			if err := d.X.Validate(); err != nil || len(d.Y) != d.Len() || d.X.RowLen() != len(d.Info.Features) {
				t.Fatalf("inconsistent data set: %v", err)
			}
		}
	})
}

func FuzzConstraints(f *testing.F) {
	for _, ex := range []string{"minimal-risk"} {
		if b, err := os.ReadFile(filepath.Join("..", "examples", ex, "data", "features.json")); err == nil {
			f.Add(b, []byte{1, 2, 3})
		}
	}
	f.Add([]byte(`{"features": [{"name": "a", "type": "integer", "min": 0, "max": 3, "group": "g"}, {"name": "b", "immutable": true}]}`), []byte{9, 200})
	f.Fuzz(func(t *testing.T, in, noise []byte) {
		c, err := ParseConstraints(in)
		if err != nil || c.Len() > 4096 || len(noise) == 0 {
			return
		}
		x0, _ := model.Zeros(2, c.Len())
		for i := range x0.Data {
			x0.Data[i] = float32(c.Min[i%c.Len()])
		}
		if err := c.Project(x0, x0.Clone()); err != nil {
			t.Fatal(err)
		}
		x := x0.Clone()
		for i := range x.Data {
			x.Data[i] += float32(int(noise[i%len(noise)])-128) / 4
		}
		if err := c.Project(x, x0); err != nil {
			t.Fatal(err)
		}
		if err := c.Check(x, x0, 1e-6); err != nil && !strings.Contains(err.Error(), "one-hot") && !strings.Contains(err.Error(), "integer") {
			t.Fatalf("projected batch infeasible: %v", err)
		}
	})
}

func FuzzImage(f *testing.F) {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2)))
	f.Add(b.Bytes())
	f.Add([]byte("\xff\xd8\xff\xe0garbage"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, c := range []int{1, 3} {
			dst, err := DecodeImage(bytes.NewReader(in), c, 2, 2, fuzzLimits, nil)
			if err == nil && len(dst) != c*4 {
				t.Fatalf("decoded %d values", len(dst))
			}
			for _, v := range dst {
				if v < 0 || v > 1 {
					t.Fatalf("pixel %v outside [0, 1]", v)
				}
			}
		}
		_, _ = io.Copy(io.Discard, bytes.NewReader(in))
	})
}
