package dataset

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// npyRaw builds an NPY file by hand: version major, the dict, the raw data.
func npyRaw(major byte, dict string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.WriteByte(major)
	b.WriteByte(0)
	dict += "\n"
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(dict)))
	}
	b.WriteString(dict)
	b.Write(data)
	return b.Bytes()
}

func le(vals ...any) []byte {
	var b bytes.Buffer
	for _, v := range vals {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}

func TestNPY(t *testing.T) {
	tests := []struct {
		name  string
		file  []byte
		shape []int
		want  []float32
		err   string
	}{
		{name: "v1 f4", file: npyRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", le(float32(1), float32(-2), float32(3.5), float32(0))),
			shape: []int{2}, want: []float32{1, -2, 3.5, 0}},
		{name: "v2 f8", file: npyRaw(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3)}", le(1.5, 2.0, -1e3)),
			shape: []int{3}, want: []float32{1.5, 2, -1000}},
		{name: "v3 i8", file: npyRaw(3, `{"descr": "<i8", "fortran_order": False, "shape": (2, 1), }`, le(int64(7), int64(-9))),
			shape: []int{1}, want: []float32{7, -9}},
		{name: "u1 images", file: npyRaw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 2, 2), }", []byte{0, 255, 128, 1}),
			shape: []int{1, 2, 2}, want: []float32{0, 255, 128, 1}},
		{name: "fortran", file: npyRaw(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", le(float32(1))), err: "Fortran order"},
		{name: "big endian", file: npyRaw(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1), }", le(float32(1))), err: "big-endian"},
		{name: "unsupported dtype", file: npyRaw(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1, 1), }", nil), err: "not supported"},
		{name: "truncated", file: npyRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", le(float32(1))), err: "needs 94 bytes, the file has 74"},
		{name: "1-D features", file: npyRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", le(float32(1))), err: "need shape [N, ...]"},
		{name: "missing key", file: npyRaw(1, "{'descr': '<f4', 'shape': (1, 1), }", le(float32(1))), err: `missing key "fortran_order"`},
		{name: "bad magic", file: []byte("NUMPY\x01\x00abcdefgh"), err: "bad magic"},
		{name: "version 4", file: npyRaw(4, "{}", nil), err: "version 4.0"},
		{name: "nan", file: npyRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", le(float32(math.NaN()))), err: "not finite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "x.npy", tc.file)
			d, err := Load(context.Background(), p, Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.shape, d.Info.Shape); diff != "" {
				t.Errorf("shape:\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, d.X.Data); diff != "" {
				t.Errorf("data:\n%s", diff)
			}
		})
	}
}

func TestNPYRoundTripWithLabels(t *testing.T) {
	x := make([]float32, 5*3*2)
	for i := range x {
		x[i] = float32(i) / 7
	}
	xp := writeFile(t, "x.npy", npyBytes(t, []int{5, 3, 2}, x))
	yp := writeFile(t, "y.npy", npyRaw(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", le(int64(0), int64(1), int64(2), int64(1), int64(0))))
	r, err := Open(xp, Options{Labels: yp})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []float32
	var y []int
	for b, err := range Batches(context.Background(), r, 2) {
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.X.Shape[1:], []int{3, 2}) {
			t.Fatalf("batch shape %v", b.X.Shape)
		}
		got = append(got, b.X.Data...)
		y = append(y, b.Y...)
	}
	if !slices.Equal(got, x) || !slices.Equal(y, []int{0, 1, 2, 1, 0}) {
		t.Errorf("round trip: got %v %v", got, y)
	}
	bad := writeFile(t, "y.npy", npyRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", le(float32(0), float32(0.5), float32(0), float32(0), float32(0))))
	if _, err := Load(context.Background(), xp, Options{Labels: bad}); err == nil || !strings.Contains(err.Error(), "not a class index") {
		t.Errorf("fractional label: err = %v", err)
	}
	short := writeFile(t, "y.npy", npyRaw(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", le(int64(0), int64(0), int64(0), int64(0))))
	if _, err := Open(xp, Options{Labels: short}); err == nil || !strings.Contains(err.Error(), "labels need shape (5,)") {
		t.Errorf("short labels: err = %v", err)
	}
}

func TestNPYLimits(t *testing.T) {
	p := writeFile(t, "x.npy", npyBytes(t, []int{10, 4}, make([]float32, 40)))
	for _, lim := range []Limits{{MaxRows: 9}, {MaxCols: 3}, {MaxBytes: 100}} {
		if _, err := Open(p, Options{Limits: lim}); err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("%+v: err = %v", lim, err)
		}
	}
	// A header claiming a huge shape is refused before any allocation.
	huge := writeFile(t, "h.npy", npyRaw(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (40000000, 1000000), }", nil))
	if _, err := Open(huge, Options{}); err == nil {
		t.Error("huge shape accepted")
	}
}

// TestARFFCreditG loads the German credit ARFF file, checks its encoding and
// that every row of the example's test.csv (made from it by
// tools/make_examples.py) is a row of the one-hot encoded ARFF data.
func TestARFFCreditG(t *testing.T) {
	ctx := context.Background()
	d, err := Load(ctx, filepath.Join(exampleDir("credit-scoring"), "credit-g.arff"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1000 || d.Info.Shape[0] != 63 {
		t.Fatalf("rows %d, shape %v; want 1000 rows of 63", d.Len(), d.Info.Shape)
	}
	if diff := cmp.Diff([]string{"good", "bad"}, d.Info.Classes); diff != "" {
		t.Errorf("classes:\n%s", diff)
	}
	if len(d.Info.Nominal) != 13 || d.Info.Nominal[0].Attribute != "checking_status" || !slices.Equal(d.Info.Nominal[0].Columns, []int{0, 1, 2, 3}) {
		t.Errorf("nominal encoding: %+v", d.Info.Nominal[:1])
	}
	if d.Info.Features[0] != "checking_status=<0" || d.Info.Features[4] != "duration" {
		t.Errorf("features start %v", d.Info.Features[:5])
	}
	test, err := Load(ctx, filepath.Join(exampleDir("credit-scoring"), "test.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	key := func(x []float32, y int) string { return string(le(x)) + string(rune(y)) }
	for i := range d.Len() {
		rows[key(d.X.Row(i), d.Y[i])]++
	}
	for i := range test.Len() {
		k := key(test.X.Row(i), test.Y[i])
		if rows[k] == 0 {
			t.Fatalf("test.csv row %d is not a row of credit-g.arff", i+2)
		}
		rows[k]--
	}
	c, err := Infer(ctx, d.Reader(), InferOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Groups) != 13 || !c.Integer[0] || c.Integer[4] {
		t.Errorf("inferred: %d groups, integer[0]=%v integer[4]=%v", len(c.Groups), c.Integer[0], c.Integer[4])
	}
	if err := c.Check(d.X, nil, 0); err != nil {
		t.Errorf("data violates inferred constraints: %v", err)
	}

	o, err := Load(ctx, filepath.Join(exampleDir("credit-scoring"), "credit-g.arff"), Options{Nominal: Ordinal})
	if err != nil {
		t.Fatal(err)
	}
	if o.Info.Shape[0] != 20 || o.X.Row(0)[0] != 0 || o.X.Row(1)[0] != 1 || o.X.Row(0)[2] != 4 {
		t.Errorf("ordinal: shape %v, row0 %v", o.Info.Shape, o.X.Row(0)[:3])
	}
}

func TestARFF(t *testing.T) {
	head := "% comment\n@RELATION r\n@attribute 'a b' numeric\n@attribute c {x, 'y z'}\n@attribute class {p,q}\n@data\n"
	tests := []struct {
		name, in string
		opt      Options
		x        []float32
		y        []int
		err      string
	}{
		{name: "ok", in: head + "1.5,x,q\n-2,'y z',p\n", x: []float32{1.5, 1, 0, -2, 0, 1}, y: []int{1, 0}},
		{name: "label by name", in: head + "3,x,q\n", opt: Options{Label: "c"}, x: []float32{3, 0, 1}, y: []int{0}},
		{name: "missing", in: head + "?,x,p\n", err: "t.arff:7: attribute \"a b\": missing value"},
		{name: "unknown value", in: head + "1,w,p\n", err: `"w" is not one of its values`},
		{name: "bad number", in: head + "one,x,p\n", err: `"one" is not a number`},
		{name: "count", in: head + "1,x\n", err: "2 values, want 3"},
		{name: "sparse", in: head + "{0 1, 2 q}\n", err: "sparse"},
		{name: "string attr", in: "@relation r\n@attribute s string\n@attribute class {a}\n@data\n", err: `type "string" is not supported`},
		{name: "no data", in: "@relation r\n@attribute a numeric\n", err: "no @data"},
		{name: "unterminated", in: "@relation r\n@attribute 'a numeric\n", err: "unterminated"},
		{name: "junk", in: "hello\n", err: "unexpected"},
		{name: "duplicate", in: "@attribute a numeric\n@attribute a numeric\n", err: "declared twice"},
		{name: "rows", in: head + "1,x,p\n1,x,p\n", opt: Options{Limits: Limits{MaxRows: 1}}, err: "more than 1 rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseARFF(context.Background(), strings.NewReader(tc.in), "t.arff", tc.opt)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.x, d.X.Data); diff != "" {
				t.Errorf("x:\n%s", diff)
			}
			if diff := cmp.Diff(tc.y, d.Y); diff != "" {
				t.Errorf("y:\n%s", diff)
			}
		})
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImages(t *testing.T) {
	root := t.TempDir()
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	g.Pix = []uint8{0, 51, 102, 153, 204, 255}
	writePNG(t, filepath.Join(root, "b-cat", "1.png"), g)
	writePNG(t, filepath.Join(root, "a-dog", "1.png"), g)
	os.WriteFile(filepath.Join(root, "a-dog", "notes.txt"), []byte("x"), 0o644)
	d, err := Load(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a-dog", "b-cat"}, d.Info.Classes); diff != "" {
		t.Errorf("classes:\n%s", diff)
	}
	if !slices.Equal(d.X.Shape, []int{2, 1, 2, 3}) || !slices.Equal(d.Y, []int{0, 1}) {
		t.Fatalf("shape %v, y %v", d.X.Shape, d.Y)
	}
	want := []float32{0, 0.2, 0.4, 0.6, 0.8, 1}
	for i, v := range d.X.Row(1) {
		if math.Abs(float64(v-want[i])) > 1e-6 {
			t.Fatalf("pixels %v, want %v", d.X.Row(1), want)
		}
	}
	// RGB, JPEG, and a size mismatch.
	root2 := t.TempDir()
	rgb := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for i := range 4 {
		rgb.Set(i%2, i/2, color.RGBA{255, 0, 0, 255})
	}
	writePNG(t, filepath.Join(root2, "x", "a.png"), rgb)
	var jb bytes.Buffer
	jpeg.Encode(&jb, rgb, &jpeg.Options{Quality: 100})
	os.WriteFile(filepath.Join(root2, "x", "b.jpg"), jb.Bytes(), 0o644)
	d2, err := Load(context.Background(), root2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d2.Info.Shape, []int{3, 2, 2}) {
		t.Fatalf("shape %v", d2.Info.Shape)
	}
	for i := range 2 {
		r := d2.X.Row(i)
		if r[0] < 0.95 || r[4] > 0.05 || r[8] > 0.05 {
			t.Errorf("row %d not red: %v", i, r)
		}
	}
	writePNG(t, filepath.Join(root2, "x", "c.png"), image.NewGray(image.Rect(0, 0, 3, 3)))
	if _, err := Load(context.Background(), root2, Options{}); err == nil || !strings.Contains(err.Error(), "want 2x2") {
		t.Errorf("size mismatch: err = %v", err)
	}
	if _, err := Load(context.Background(), root2, Options{Image: ImageOptions{Channels: 2}}); err == nil {
		t.Error("2 channels accepted")
	}
	if _, err := Open(root2, Options{Limits: Limits{MaxImagePixel: 3}}); err == nil {
		t.Error("image beyond pixel limit accepted")
	}
	// Grey from colour.
	os.Remove(filepath.Join(root2, "x", "c.png"))
	d3, err := Load(context.Background(), root2, Options{Image: ImageOptions{Channels: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d3.Info.Shape, []int{1, 2, 2}) || math.Abs(float64(d3.X.Data[0])-0.299) > 0.02 {
		t.Errorf("grey of red: shape %v value %v", d3.Info.Shape, d3.X.Data[0])
	}
}
