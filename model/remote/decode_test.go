package remote

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/model"
)

func TestDecodeOIPResponse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  string
		want  *model.Tensor
		error string
	}{
		{"flat FP32", `{"outputs":[{"name":"y","shape":[2,2],"datatype":"FP32","data":[1,2.5,-3,4e-3]}]}`,
			&model.Tensor{Shape: []int{2, 2}, Data: []float32{1, 2.5, -3, 4e-3}}, ""},
		{"nested FP64", `{"outputs":[{"name":"y","shape":[2,2],"datatype":"FP64","data":[[0.1,0.2],[0.3,0.4]]}]}`,
			&model.Tensor{Shape: []int{2, 2}, Data: []float32{0.1, 0.2, 0.3, 0.4}}, ""},
		{"INT64 big", `{"outputs":[{"name":"y","shape":[2],"datatype":"INT64","data":[9007199254740993,-1]}]}`,
			&model.Tensor{Shape: []int{2}, Data: []float32{9007199254740993, -1}}, ""},
		{"BOOL", `{"outputs":[{"name":"y","shape":[2],"datatype":"BOOL","data":[true,false]}]}`,
			&model.Tensor{Shape: []int{2}, Data: []float32{1, 0}}, ""},
		{"picks by name", `{"outputs":[{"name":"a","shape":[2],"datatype":"BYTES","data":["x","y"]},{"name":"y","shape":[2,1],"datatype":"INT32","data":[3,4]}]}`,
			&model.Tensor{Shape: []int{2, 1}, Data: []float32{3, 4}}, ""},
		{"error body", `{"error":"model crashed\n"}`, nil, "server error: model crashed"},
		{"not JSON", `<html>`, nil, "malformed response"},
		{"missing output", `{"outputs":[{"name":"z","shape":[2],"datatype":"FP32","data":[1,2]}]}`, nil, `no output "y" in response (outputs: ["z"])`},
		{"wrong batch", `{"outputs":[{"name":"y","shape":[3],"datatype":"FP32","data":[1,2,3]}]}`, nil, "batch 3 for 2 samples"},
		{"short data", `{"outputs":[{"name":"y","shape":[2,2],"datatype":"FP32","data":[1,2,3]}]}`, nil, "3 elements, its shape needs 4"},
		{"long data", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP32","data":[1,2,3]}]}`, nil, "more than the 2 elements"},
		{"huge shape", `{"outputs":[{"name":"y","shape":[2,2147483647,2147483647],"datatype":"FP32","data":[1]}]}`, nil, "more than"},
		{"negative dim", `{"outputs":[{"name":"y","shape":[2,-1],"datatype":"FP32","data":[1,2]}]}`, nil, "dimension -1"},
		{"scalar", `{"outputs":[{"name":"y","shape":[],"datatype":"FP32","data":[1]}]}`, nil, "need a batch dimension"},
		{"BYTES", `{"outputs":[{"name":"y","shape":[2],"datatype":"BYTES","data":["a","b"]}]}`, nil, `unsupported datatype "BYTES"`},
		{"string in FP32", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP32","data":[1,"2"]}]}`, nil, "a string in numeric data"},
		{"fraction in INT64", `{"outputs":[{"name":"y","shape":[2],"datatype":"INT64","data":[1,2.5]}]}`, nil, "not an INT64"},
		{"object in data", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP32","data":[{"a":1}]}]}`, nil, "holds an object"},
		{"binary extension", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}`, nil, "binary data extension"},
		{"deep nesting", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP32","data":` + strings.Repeat("[", 40) + `1` + strings.Repeat("]", 40) + `}]}`, nil, "nested deeper"},
		{"bare number", `{"outputs":[{"name":"y","shape":[1],"datatype":"FP32","data":1}]}`, nil, "not an array"},
		{"FP32 beyond float32", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP32","data":[1e39,0.5]}]}`, nil, "1e39 is beyond the range of float32"},
		{"FP64 beyond float32", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP64","data":[0.5,-1e300]}]}`, nil, "-1e300 is beyond the range of float32"},
		{"FP64 tiny rounds to zero", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP64","data":[1e-50,-1e-60]}]}`,
			&model.Tensor{Shape: []int{2}, Data: []float32{0, float32(math.Copysign(0, -1))}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeOIPResponse([]byte(tc.body), "y", 2-btoi(tc.name == "bare number"))
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) || !errors.Is(err, ErrBadResponse) {
					t.Fatalf("err = %v, want ErrBadResponse containing %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestDecodeMapped(t *testing.T) {
	labels := []string{"cat", "dog", "eel"}
	for _, tc := range []struct {
		name   string
		body   string
		path   string
		single bool
		labels bool
		want   *model.Tensor
		error  string
	}{
		{"scores rows", `{"p":[[0.1,0.9],[0.8,0.2]]}`, "p", false, false, &model.Tensor{Shape: []int{2, 2}, Data: []float32{0.1, 0.9, 0.8, 0.2}}, ""},
		{"scalar scores", `{"p":[0.25,0.75]}`, "p", false, false, &model.Tensor{Shape: []int{2, 1}, Data: []float32{0.25, 0.75}}, ""},
		{"wildcard", `{"r":[{"s":[1,2,3]},{"s":[4,5,6]}]}`, "r[*].s", false, false, &model.Tensor{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}, ""},
		{"object scores", `{"r":[{"dog":0.5,"cat":0.25,"eel":0.25},{"cat":1,"dog":0,"eel":0}]}`, "r", false, false, &model.Tensor{Shape: []int{2, 3}, Data: []float32{0.25, 0.5, 0.25, 1, 0, 0}}, ""},
		{"labels by name", `{"l":["eel","cat"]}`, "l", false, true, &model.Tensor{Shape: []int{2, 3}, Data: []float32{0, 0, 1, 1, 0, 0}}, ""},
		{"labels by index", `{"l":[1,0]}`, "l", false, true, &model.Tensor{Shape: []int{2, 3}, Data: []float32{0, 1, 0, 1, 0, 0}}, ""},
		{"too few answers", `{"p":[[1]]}`, "p", false, false, nil, "1 answers for 2 samples"},
		{"ragged", `{"p":[[1],[1,2]]}`, "p", false, false, nil, "answer 1 has 2 scores"},
		{"missing path", `{"q":[]}`, "p", false, false, nil, `has no member "p"`},
		{"not array", `{"p":{"a":1}}`, "p", false, false, nil, "not an array of answers"},
		{"string score", `{"p":[["x"],[1]]}`, "p", false, false, nil, "a string, not a number"},
		{"empty scores", `{"p":[[],[]]}`, "p", false, false, nil, "empty scores"},
		{"unknown label", `{"l":["cow","cat"]}`, "l", false, true, nil, `label "cow"`},
		{"label index out of range", `{"l":[3,0]}`, "l", false, true, nil, "not a class index"},
		{"trailing data", `{"p":[[1],[2]]} {}`, "p", false, false, nil, "data after"},
		{"not JSON", `nope`, "p", false, false, nil, "malformed"},
		{"object without labels", `{"p":[{"a":1},{"a":2}]}`, "p", false, false, nil, "name the labels"},
		{"score beyond float32", `{"p":[[0.5,3.5e38],[1,0]]}`, "p", false, false, nil, "3.5e38 is beyond the range of float32"},
		{"object scores beyond float32", `{"r":[{"dog":1e40,"cat":0,"eel":0},{"cat":1,"dog":0,"eel":0}]}`, "r", false, false, nil, "beyond the range of float32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var names []string
			if tc.labels || strings.Contains(tc.name, "object scores") {
				names = labels
			}
			p, err := ParsePath(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeMapped([]byte(tc.body), p, 2, tc.single, tc.labels, names)
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) || !errors.Is(err, ErrBadResponse) {
					t.Fatalf("err = %v, want ErrBadResponse containing %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// TestHostileServers serves malformed, oversized and inconsistent answers
// through the whole client and checks for clear errors (and no panic).
func TestHostileServers(t *testing.T) {
	big := strings.Repeat("1,", 600) + "1"
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    error
		text    string
	}{
		{"oversized body", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"p":[[`+big+`]]}`)
		}, ErrResponseTooLarge, "1211 bytes announced, limit 1024"},
		{"oversized streamed", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"p":[[`)
			w.(http.Flusher).Flush() // chunked: no length announced
			io.WriteString(w, big+`]]}`)
		}, ErrResponseTooLarge, "more than 1024 bytes"},
		{"oversized announced", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "999999")
			w.WriteHeader(200)
		}, ErrResponseTooLarge, "999999 bytes announced"},
		{"truncated JSON", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"p":[[1,2`)
		}, ErrBadResponse, "unexpected EOF"},
		{"HTML error page", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			io.WriteString(w, "<html><body>Bad\x1b[31m request</body></html>")
		}, nil, "HTTP 400 Bad Request: <html><body>Bad [31m request</body></html>"},
		{"wrong row count", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"p":[[1]]}`)
		}, ErrBadResponse, "1 answers for 3 samples"},
		{"empty 200", func(w http.ResponseWriter, r *http.Request) {}, ErrBadResponse, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			tgt, err := NewJSON(srv.URL, Mapping{OutputPath: "p", InputShape: []int{2}}, WithMaxResponseBytes(1024), WithRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = tgt.Predict(context.Background(), mustTensor(t, []int{3, 2}, 1))
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %v, want %v containing %q", err, tc.want, tc.text)
			}
		})
	}
}

// TestOutputShapeChecked: answers whose rows disagree with the metadata or
// with each other across chunks are errors.
func TestOutputShapeChecked(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			io.WriteString(w, `{"p":[[1,2]]}`)
		} else {
			io.WriteString(w, `{"p":[[1,2,3]]}`)
		}
	}))
	defer srv.Close()
	tgt, err := NewJSON(srv.URL, Mapping{OutputPath: "p", InputShape: []int{1}}, WithMaxBatch(1), WithConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tgt.Predict(context.Background(), mustTensor(t, []int{2, 1}, 1))
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "chunk 1 has rows of shape [3]") {
		t.Errorf("err = %v", err)
	}
	tgt, _ = NewJSON(srv.URL, Mapping{OutputPath: "p", InputShape: []int{1}, OutputShape: []int{2}})
	_, err = tgt.Predict(context.Background(), mustTensor(t, []int{1, 1}, 1))
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "output rows have shape [3]") {
		t.Errorf("err = %v", err)
	}
}

func TestEncodeOIPRequest(t *testing.T) {
	x := &model.Tensor{Shape: []int{2, 2}, Data: []float32{0.1, -2, 3e-8, 16777216}}
	b, err := encodeOIPRequest("in\"put", "FP32", "probs", x)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"inputs":[{"name":"in\"put","shape":[2,2],"datatype":"FP32","data":[0.1,-2,3e-08,1.6777216e+07]}],"outputs":[{"name":"probs"}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if _, err := encodeOIPRequest("x", "INT64", "", x); err == nil {
		t.Error("fractional value accepted for INT64")
	}
	b, err = encodeOIPRequest("x", "INT64", "", &model.Tensor{Shape: []int{1, 2}, Data: []float32{3, -4}})
	if err != nil || string(b) != `{"inputs":[{"name":"x","shape":[1,2],"datatype":"INT64","data":[3,-4]}]}` {
		t.Errorf("INT64: %s %v", b, err)
	}
}
