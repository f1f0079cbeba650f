// Package testserver serves a model.Target over HTTP for tests of remote
// targets: the Open Inference Protocol v2 REST API (health, model metadata,
// infer) and a generic JSON API (POST /predict), on 127.0.0.1 with a random
// port. Every request must carry the server's bearer token. Knobs inject
// failures (status codes with Retry-After) and delays, and counters record
// what the server saw.
package testserver

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aiassure/aiassure/model"
)

// Config configures a Server.
type Config struct {
	// Name is the OIP model name (default "model").
	Name string
	// Token is the bearer token every request must carry (default: random,
	// see Server.Token).
	Token string
	// Labels names the classes in /predict answers (default "0", "1", ...).
	Labels []string
	// Features names the members of object samples sent to /predict.
	Features []string
	// OutputDatatype is the datatype of the OIP score output: "FP32"
	// (default) or "FP64".
	OutputDatatype string
	// MaxBody bounds request bodies (default 64 MiB).
	MaxBody int64
}

// Server is a running test server. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:PORT".
	URL string
	// Token is the bearer token required on every request.
	Token string

	t    model.Target
	info model.Info
	cfg  Config
	srv  *http.Server
	ln   net.Listener

	mu        sync.Mutex
	failN     int
	failCode  int
	failAfter string
	delay     time.Duration
	times     []time.Time

	requests atomic.Int64 // inference requests received (after auth)
	samples  atomic.Int64 // samples predicted
	inflight atomic.Int64
	maxIn    atomic.Int64
	maxBatch atomic.Int64
	authFail atomic.Int64
}

// New starts a server for t on 127.0.0.1 with a random port.
func New(t model.Target, cfg Config) (*Server, error) {
	if cfg.Name == "" {
		cfg.Name = "model"
	}
	if cfg.OutputDatatype == "" {
		cfg.OutputDatatype = "FP32"
	}
	if cfg.OutputDatatype != "FP32" && cfg.OutputDatatype != "FP64" {
		return nil, fmt.Errorf("output datatype %q: use FP32 or FP64", cfg.OutputDatatype)
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 64 << 20
	}
	if cfg.Token == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("token: %w", err)
		}
		cfg.Token = "tok-" + hex.EncodeToString(b)
	}
	info := t.Info()
	if cfg.Labels == nil {
		n := 0
		if len(info.OutputShape) > 0 {
			n = info.OutputShape[len(info.OutputShape)-1]
		}
		for i := range max(n, 0) {
			cfg.Labels = append(cfg.Labels, strconv.Itoa(i))
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Token: cfg.Token, t: t, info: info, cfg: cfg, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/health/live", s.ok(`{"live":true}`))
	mux.HandleFunc("GET /v2/health/ready", s.ok(`{"ready":true}`))
	mux.HandleFunc("GET /v2/models/{name}", s.metadata)
	mux.HandleFunc("GET /v2/models/{name}/versions/{version}", s.metadata)
	mux.HandleFunc("GET /v2/models/{name}/ready", s.ok(`{"ready":true}`))
	mux.HandleFunc("POST /v2/models/{name}/infer", s.inferOIP)
	mux.HandleFunc("POST /v2/models/{name}/versions/{version}/infer", s.inferOIP)
	mux.HandleFunc("POST /predict", s.predictJSON)
	s.srv = &http.Server{Handler: s.auth(mux), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close
	return s, nil
}

// Close stops the server at once, closing all connections.
func (s *Server) Close() error { return s.srv.Close() }

// FailNext makes the next n inference requests fail with status code (and a
// Retry-After header when retryAfter is not empty).
func (s *Server) FailNext(n, code int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failCode, s.failAfter = n, code, retryAfter
}

// SetDelay delays every inference answer by d.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Requests returns the number of authenticated inference requests received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Samples returns the number of samples predicted.
func (s *Server) Samples() int64 { return s.samples.Load() }

// MaxInFlight returns the largest number of inference requests handled at
// once.
func (s *Server) MaxInFlight() int64 { return s.maxIn.Load() }

// MaxBatch returns the largest batch received.
func (s *Server) MaxBatch() int64 { return s.maxBatch.Load() }

// AuthFailures returns the number of requests refused for their credentials.
func (s *Server) AuthFailures() int64 { return s.authFail.Load() }

// Times returns the arrival times of the inference requests.
func (s *Server) Times() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.times...)
}

func (s *Server) auth(next http.Handler) http.Handler {
	want := []byte("Bearer " + s.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			s.authFail.Add(1)
			w.Header().Set("WWW-Authenticate", `Bearer realm="testserver"`)
			writeErr(w, http.StatusUnauthorized, "missing or invalid bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) ok(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body) //nolint:errcheck
	}
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg}) //nolint:errcheck
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v) //nolint:errcheck
}

type metaTensor struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	if !s.known(w, r) {
		return
	}
	writeJSON(w, map[string]any{
		"name":     s.cfg.Name,
		"versions": []string{"1"},
		"platform": "aiassure-testserver",
		"inputs":   []metaTensor{{s.info.Input, "FP32", append([]int{-1}, s.info.InputShape...)}},
		"outputs": []metaTensor{
			{s.info.Output, s.cfg.OutputDatatype, append([]int{-1}, s.info.OutputShape...)},
			{"label", "INT64", []int{-1}},
		},
	})
}

func (s *Server) known(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("name") != s.cfg.Name {
		writeErr(w, http.StatusNotFound, fmt.Sprintf("model %q not found", r.PathValue("name")))
		return false
	}
	if v := r.PathValue("version"); v != "" && v != "1" {
		writeErr(w, http.StatusNotFound, fmt.Sprintf("version %q of model %q not found", v, s.cfg.Name))
		return false
	}
	return true
}

// begin counts an inference request and applies the injected failure and
// delay; it returns false when the request was answered with a failure.
func (s *Server) begin(w http.ResponseWriter, r *http.Request) (done func(), ok bool) {
	s.requests.Add(1)
	n := s.inflight.Add(1)
	for {
		m := s.maxIn.Load()
		if n <= m || s.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	done = func() { s.inflight.Add(-1) }
	s.mu.Lock()
	s.times = append(s.times, time.Now())
	fail, code, after, delay := s.failN > 0, s.failCode, s.failAfter, s.delay
	if fail {
		s.failN--
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return done, false
		}
	}
	if fail {
		if after != "" {
			w.Header().Set("Retry-After", after)
		}
		writeErr(w, code, "injected failure")
		return done, false
	}
	return done, true
}

func (s *Server) predict(r *http.Request, shape []int, data []float32) (*model.Tensor, error) {
	x, err := model.NewTensor(shape, data)
	if err != nil {
		return nil, err
	}
	b := int64(x.Batch())
	for {
		m := s.maxBatch.Load()
		if b <= m || s.maxBatch.CompareAndSwap(m, b) {
			break
		}
	}
	y, err := s.t.Predict(r.Context(), x)
	if err != nil {
		return nil, err
	}
	s.samples.Add(b)
	return y, nil
}

type oipTensor struct {
	Name     string    `json:"name"`
	Shape    []int     `json:"shape"`
	Datatype string    `json:"datatype"`
	Data     []float32 `json:"data"`
}

type oipRequest struct {
	Inputs  []oipTensor `json:"inputs"`
	Outputs []struct {
		Name string `json:"name"`
	} `json:"outputs"`
}

func (s *Server) inferOIP(w http.ResponseWriter, r *http.Request) {
	if !s.known(w, r) {
		return
	}
	done, ok := s.begin(w, r)
	defer done()
	if !ok {
		return
	}
	var req oipRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)).Decode(&req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad request body: "+err.Error())
		return
	}
	if len(req.Inputs) != 1 || req.Inputs[0].Name != s.info.Input {
		writeErr(w, http.StatusBadRequest, fmt.Sprintf("want one input named %q", s.info.Input))
		return
	}
	in := req.Inputs[0]
	if in.Datatype != "FP32" {
		writeErr(w, http.StatusBadRequest, fmt.Sprintf("input datatype %q, want FP32", in.Datatype))
		return
	}
	y, err := s.predict(r, in.Shape, in.Data)
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	want := map[string]bool{}
	for _, o := range req.Outputs {
		if o.Name != s.info.Output && o.Name != "label" {
			writeErr(w, http.StatusBadRequest, fmt.Sprintf("unknown output %q", o.Name))
			return
		}
		want[o.Name] = true
	}
	var outs []any
	if len(want) == 0 || want[s.info.Output] {
		scores := make([]float64, len(y.Data))
		for i, v := range y.Data {
			scores[i] = float64(v)
		}
		var data any = y.Data // float32: encoded with float32 precision
		if s.cfg.OutputDatatype == "FP64" {
			data = scores
		}
		outs = append(outs, map[string]any{"name": s.info.Output, "shape": y.Shape, "datatype": s.cfg.OutputDatatype, "data": data})
	}
	if len(want) == 0 || want["label"] {
		am := y.ArgMax()
		labels := make([]int64, len(am))
		for i, v := range am {
			labels[i] = int64(v)
		}
		outs = append(outs, map[string]any{"name": "label", "shape": []int{len(am)}, "datatype": "INT64", "data": labels})
	}
	writeJSON(w, map[string]any{"model_name": s.cfg.Name, "model_version": "1", "outputs": outs})
}

// predictJSON serves the generic API: {"instances": [sample, ...]} where a
// sample is an array of numbers (nested arrays are flattened) or an object
// keyed by Config.Features, answered with {"predictions": [{"scores": [...],
// "label": "..."}, ...]}.
func (s *Server) predictJSON(w http.ResponseWriter, r *http.Request) {
	done, ok := s.begin(w, r)
	defer done()
	if !ok {
		return
	}
	var req struct {
		Instances []json.RawMessage `json:"instances"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)).Decode(&req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad request body: "+err.Error())
		return
	}
	if len(req.Instances) == 0 {
		writeErr(w, http.StatusBadRequest, "no instances")
		return
	}
	var data []float32
	for i, raw := range req.Instances {
		row, err := s.sample(raw)
		if err != nil {
			writeErr(w, http.StatusBadRequest, fmt.Sprintf("instance %d: %v", i, err))
			return
		}
		data = append(data, row...)
	}
	y, err := s.predict(r, append([]int{len(req.Instances)}, s.info.InputShape...), data)
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	preds := make([]map[string]any, y.Batch())
	for i, k := range y.ArgMax() {
		label := strconv.Itoa(k)
		if k < len(s.cfg.Labels) {
			label = s.cfg.Labels[k]
		}
		preds[i] = map[string]any{"scores": y.Row(i), "label": label}
	}
	writeJSON(w, map[string]any{"predictions": preds})
}

func (s *Server) sample(raw json.RawMessage) ([]float32, error) {
	var obj map[string]float32
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, err
		}
		if len(s.cfg.Features) == 0 {
			return nil, errors.New("object samples need feature names")
		}
		row := make([]float32, len(s.cfg.Features))
		for i, f := range s.cfg.Features {
			v, ok := obj[f]
			if !ok {
				return nil, fmt.Errorf("missing feature %q", f)
			}
			row[i] = v
		}
		return row, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var row []float32
	var walk func(any) error
	walk = func(v any) error {
		switch x := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 32)
			if err != nil {
				return err
			}
			row = append(row, float32(f))
		case []any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("sample holds %T", v)
		}
		return nil
	}
	return row, walk(v)
}
