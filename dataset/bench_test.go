package dataset

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// writeBigCSV writes rows x cols random-looking numbers and a label column.
func writeBigCSV(tb testing.TB, rows, cols int) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "big.csv")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for j := range cols {
		fmt.Fprintf(w, "f%d,", j)
	}
	w.WriteString("label\n")
	rng := newRand(3)
	for range rows {
		for range cols {
			fmt.Fprintf(w, "%.4f,", rng.Float64()*100)
		}
		fmt.Fprintf(w, "%d\n", rng.IntN(10))
	}
	w.Flush()
	f.Close()
	return p
}

func writeBigNPY(tb testing.TB, rows, cols int) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "big.npy")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	data := make([]float32, rows*cols)
	for i := range data {
		data[i] = float32(i % 977)
	}
	w := bufio.NewWriter(f)
	if err := WriteNPY(w, []int{rows, cols}, data); err != nil {
		tb.Fatal(err)
	}
	w.Flush()
	f.Close()
	return p
}

// TestStreamingMemory reads a CSV file of about 13 MB in batches of 64 and
// checks that the live heap stays far below the size of the data.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 13 MB file")
	}
	p := writeBigCSV(t, 20000, 64)
	st, _ := os.Stat(p)
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var peak uint64
	var ms runtime.MemStats
	rows := 0
	for b, err := range Batches(context.Background(), r, 64) {
		if err != nil {
			t.Fatal(err)
		}
		rows += b.X.Batch()
		if rows%3200 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if rows != 20000 {
		t.Fatalf("read %d rows", rows)
	}
	// The data as float32 is 5 MB; the file 13 MB.
	if peak > 4<<20 {
		t.Errorf("live heap reached %d bytes while streaming a %d-byte file", peak, st.Size())
	}
	t.Logf("file %d bytes, peak live heap %d bytes", st.Size(), peak)
}

func BenchmarkCSV(b *testing.B) {
	p := writeBigCSV(b, 10000, 64)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range Batches(context.Background(), r, 256) {
			if err != nil {
				b.Fatal(err)
			}
		}
		r.Close()
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkNPY(b *testing.B) {
	p := writeBigNPY(b, 100000, 64)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range Batches(context.Background(), r, 256) {
			if err != nil {
				b.Fatal(err)
			}
		}
		r.Close()
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
