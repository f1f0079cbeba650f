package availability

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/aiassure/aiassure/model"
)

func TestQuantile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		q    float64
		want float64
	}{{0, 1}, {0.1, 1}, {0.5, 5}, {0.51, 6}, {0.95, 10}, {0.99, 10}, {1, 10}} {
		if got := Quantile(v, tc.q); got != tc.want {
			t.Errorf("Quantile(%g) = %g, want %g", tc.q, got, tc.want)
		}
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("the quantile of nothing must be NaN")
	}
}

// The fake clock makes every number of the profile exact: the latencies
// are those the target spends on the fake clock, not the machine's.
func TestProfileFakeClock(t *testing.T) {
	clk := &fakeClock{}
	tg := &slowTarget{clk: clk, d: 2}
	// Rows 0..9: first feature 0.5 (1ms) except row 9 at 1.5 (11ms).
	x, _ := model.NewTensor([]int{10, 2}, make([]float32, 20))
	for i := range 10 {
		x.Data[2*i] = 0.5
	}
	x.Data[18] = 1.5
	lat, err := Profile(context.Background(), tg, x, Options{Requests: 100, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if lat.Requests != 100 || lat.Failed != 0 || lat.Interrupted {
		t.Fatalf("profile %+v, want 100 requests, none failed", lat)
	}
	ms := func(v float64) float64 { return math.Round(v * 1e6) } // µs
	if ms(lat.P50) != 1000 || ms(lat.P95) != 11000 || ms(lat.P99) != 11000 || ms(lat.Max) != 11000 {
		t.Errorf("quantiles p50 %g p95 %g p99 %g max %g, want 1ms, 11ms, 11ms, 11ms", lat.P50, lat.P95, lat.P99, lat.Max)
	}
	// 90 × 1ms + 10 × 11ms = 200ms for 100 requests.
	if math.Abs(lat.Throughput-500) > 1e-6 {
		t.Errorf("throughput %g, want 500/s", lat.Throughput)
	}
	r := LatencyResult(lat, "slow", nil)
	if r.Status != "pass" || r.Metrics["requests"] != 100 || r.Reason == "" {
		t.Errorf("result %+v", r)
	}
}

func TestProfileFailuresAndDeadline(t *testing.T) {
	clk := &fakeClock{}
	x, _ := model.NewTensor([]int{1, 2}, []float32{0, 0})
	lat, err := Profile(context.Background(), &slowTarget{clk: clk, d: 2, err: errors.New("503 overloaded")}, x, Options{Requests: 5, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if lat.Requests != 5 || lat.Failed != 5 || lat.FirstError != "503 overloaded" {
		t.Fatalf("profile %+v", lat)
	}
	if r := LatencyResult(lat, "x", nil); r.Status != "fail" {
		t.Errorf("failed requests must fail the profile: %+v", r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lat, err = Profile(ctx, &slowTarget{clk: clk, d: 2}, x, Options{Requests: 5, Clock: clk})
	if err != nil || !lat.Interrupted || lat.Requests != 0 {
		t.Fatalf("cancelled profile %+v, %v", lat, err)
	}
	if r := LatencyResult(lat, "x", nil); r.Status != "unknown" {
		t.Errorf("an empty profile must be unknown: %+v", r)
	}
	if _, err := Profile(context.Background(), &slowTarget{clk: clk, d: 2}, nil, Options{}); !errors.Is(err, ErrInput) {
		t.Errorf("no rows: %v, want ErrInput", err)
	}
}

// The real clock: only the structure is checked, never the values.
func TestProfileRealClock(t *testing.T) {
	ex := loadExample(t, "credit-scoring", "mlp.onnx", 20)
	lat, err := Profile(context.Background(), ex.model, ex.x, Options{Requests: 20})
	if err != nil {
		t.Fatal(err)
	}
	if lat.Requests != 20 || lat.Failed != 0 || !(lat.P50 <= lat.P95 && lat.P95 <= lat.P99 && lat.P99 <= lat.Max) || !(lat.Throughput > 0) {
		t.Errorf("profile %+v: want 20 answered requests and ordered quantiles", lat)
	}
}
