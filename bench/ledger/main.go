// Command ledgerload drives a running `aiassure ledger serve` with many
// concurrent HTTP clients for a bounded time and reports durable appends
// per second, latency percentiles and the server's peak memory (VmHWM of
// the -pid process). Every counted append is one the server acknowledged,
// i.e. one covered by a signed checkpoint. bench/ledger/run starts the
// server and calls it.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8473", "the server's HOST:PORT")
	token := flag.String("token-file", "", "the bearer token file")
	clients := flag.Int("clients", 256, "concurrent clients")
	dur := flag.Duration("duration", 10*time.Second, "how long to send")
	personal := flag.Float64("personal", 0.5, "share of events with personal fields (sealed in the private store)")
	pid := flag.Int("pid", 0, "the server's process ID, for its peak memory")
	flag.Parse()
	tok := ""
	if *token != "" {
		b, err := os.ReadFile(*token)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		tok = strings.TrimSpace(string(b))
	}
	tr := &http.Transport{MaxIdleConns: *clients, MaxIdleConnsPerHost: *clients}
	cl := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		mu      sync.Mutex
		lat     []time.Duration
		errs    atomic.Int64
		seq     atomic.Int64
		firstEr atomic.Value
		wg      sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(*dur)
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				i := seq.Add(1)
				body := event(i, float64(i%100) < *personal*100)
				req, _ := http.NewRequest("POST", "http://"+*addr+"/v1/events", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				t0 := time.Now()
				resp, err := cl.Do(req)
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
					}
				}
				if err != nil {
					errs.Add(1)
					firstEr.CompareAndSwap(nil, err.Error())
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("clients %d, %.1f s, personal share %.0f%%\n", *clients, el.Seconds(), *personal*100)
	fmt.Printf("durable appends: %d (%.0f/s), errors: %d\n", len(lat), float64(len(lat))/el.Seconds(), errs.Load())
	if e := firstEr.Load(); e != nil {
		fmt.Printf("first error: %v\n", e)
	}
	fmt.Printf("latency: p50 %v, p99 %v, max %v\n", pct(0.50).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond))
	defer func() {
		if errs.Load() > 0 || len(lat) == 0 {
			os.Exit(1)
		}
	}()
	if *pid > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", *pid)); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "VmHWM:") || strings.HasPrefix(l, "VmRSS:") {
					fmt.Println("server " + strings.Join(strings.Fields(l), " "))
				}
			}
		}
	}
}

// event returns the i-th event: inference decisions mostly, some overrides
// and configuration changes; with personal fields when personal is set.
func event(i int64, personal bool) string {
	at := time.Now().UTC().Format(time.RFC3339Nano)
	switch {
	case i%20 == 0:
		return fmt.Sprintf(`{"type":"config_change","time":%q,"setting":"threshold","old_value":0.5,"new_value":0.6}`, at)
	case i%10 == 0 && personal:
		return fmt.Sprintf(`{"type":"human_override","time":%q,"request_id":"r%d","decision":"approve","operator":"officer-%d"}`, at, i, i%17)
	case personal:
		return fmt.Sprintf(`{"type":"inference_decision","time":%q,"model_version":"v3","request_id":"r%d","decision":"deny","score":0.42,"subject":"applicant-%d","input":{"income":%d,"age":%d}}`, at, i, i%5000, 1000+i%9000, 18+i%60)
	}
	return fmt.Sprintf(`{"type":"inference_decision","time":%q,"model_version":"v3","request_id":"r%d","decision":"approve","score":0.91,"input_digest":"sha256:%064x"}`, at, i, i)
}
