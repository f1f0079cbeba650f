package scan

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchBytes is the size of the large generated files: 256 MiB unless
// AIASSURE_SCAN_BENCH_MB says (docs/benchmarks.md used 2048).
func benchBytes() int64 {
	if v, err := strconv.Atoi(os.Getenv("AIASSURE_SCAN_BENCH_MB")); err == nil && v > 0 {
		return int64(v) << 20
	}
	return 256 << 20
}

// bigFile writes prefix and then zeros up to size (a sparse file where the
// file system allows), then fills it with a pattern written in 1 MiB blocks
// so that reads come from the page cache, not from holes.
func bigFile(b *testing.B, name string, prefix []byte, size int64) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(prefix); err != nil {
		b.Fatal(err)
	}
	block := bytes.Repeat([]byte{0x3f, 0x80, 0, 0}, 1<<18)
	for at := int64(len(prefix)); at < size; at += int64(len(block)) {
		n := min(int64(len(block)), size-at)
		if _, err := f.Write(block[:n]); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

func benchScan(b *testing.B, p string, size int64, noHash bool) {
	s := New(Options{NoHash: noHash})
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := s.Paths(context.Background(), []string{p})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Findings) != 0 {
			b.Fatalf("findings on a clean file: %+v", r.Findings)
		}
	}
}

func BenchmarkSafetensorsLarge(b *testing.B) {
	size := benchBytes()
	data := size - 8 - 128
	n := data / 4
	h := fmt.Sprintf(`{"w":{"dtype":"F32","shape":[%d],"data_offsets":[0,%d]}}`, n, n*4)
	h += string(bytes.Repeat([]byte(" "), 128-len(h)))
	prefix := binary.LittleEndian.AppendUint64(nil, 128)
	prefix = append(prefix, h...)
	p := bigFile(b, "big.safetensors", prefix, 8+128+n*4)
	b.Run("hash", func(b *testing.B) { benchScan(b, p, 8+128+n*4, false) })
	b.Run("nohash", func(b *testing.B) { benchScan(b, p, 8+128+n*4, true) })
}

// onnxPrefix is a ModelProto whose graph ends with one FLOAT initializer
// of n elements, up to the start of its raw_data bytes.
func onnxPrefix(n int64) []byte {
	tag := func(f, t int) []byte { return binary.AppendUvarint(nil, uint64(f<<3|t)) }
	lenField := func(f int, body []byte, extra int64) []byte {
		b := tag(f, 2)
		b = binary.AppendUvarint(b, uint64(int64(len(body))+extra))
		return append(b, body...)
	}
	str := func(f int, s string) []byte { return lenField(f, []byte(s), 0) }
	raw := int64(n * 4)
	tensor := append(tag(1, 0), binary.AppendUvarint(nil, uint64(n))...)
	tensor = append(tensor, append(tag(2, 0), 1)...)
	tensor = append(tensor, str(8, "w")...)
	tensor = append(tensor, tag(9, 2)...)
	tensor = binary.AppendUvarint(tensor, uint64(raw)) // raw_data's bytes follow
	node := append(append(str(1, "x"), str(1, "w")...), append(str(2, "y"), append(str(3, "add"), str(4, "Add")...)...)...)
	graph := lenField(1, node, 0)
	graph = append(graph, str(2, "g")...)
	vi := func(f int, name string) []byte { return lenField(f, str(1, name), 0) }
	graph = append(graph, vi(11, "x")...)
	graph = append(graph, vi(12, "y")...)
	graph = append(graph, lenField(5, tensor, raw)...)
	model := append(tag(1, 0), 8)
	model = append(model, lenField(8, append(str(1, ""), append(tag(2, 0), 13)...), 0)...)
	model = append(model, lenField(7, graph, raw)...)
	return model
}

func BenchmarkONNXLarge(b *testing.B) {
	n := benchBytes() / 4
	prefix := onnxPrefix(n)
	size := int64(len(prefix)) + n*4
	p := bigFile(b, "big.onnx", prefix, size)
	b.Run("hash", func(b *testing.B) { benchScan(b, p, size, false) })
	b.Run("nohash", func(b *testing.B) { benchScan(b, p, size, true) })
}

// pickleOf builds a pickle of about size bytes: a list of (int, str, dict)
// tuples with memo puts, the shape of a large state dict's metadata.
func pickleOf(size int) []byte {
	b := []byte("\x80\x04]\x94(")
	for i := 0; len(b) < size; i++ {
		b = append(b, 'J')
		b = binary.LittleEndian.AppendUint32(b, uint32(i))
		s := fmt.Sprintf("layer.%d.weight", i)
		b = append(b, 0x8c, byte(len(s)))
		b = append(b, s...)
		b = append(b, 0x94, '}', 0x94, 0x8c, 1, 'k', 'K', 1, 's', 0x87, 0x94)
		if i%1000 == 999 {
			b = append(b, 'e', '(')
		}
	}
	return append(b, "e."...)
}

// BenchmarkPickle shows time linear in the pickle's size: MB/s is the
// same at 1 and 16 MiB.
func BenchmarkPickle(b *testing.B) {
	for _, mb := range []int{1, 16} {
		data := pickleOf(mb << 20)
		b.Run(fmt.Sprintf("%dMiB", mb), func(b *testing.B) {
			l := DefaultLimits()
			l.PickleValues = 1 << 30
			s := New(Options{NoHash: true, Limits: l})
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				r := s.Bytes(context.Background(), "p.pkl", data)
				if len(r.Findings) != 0 {
					b.Fatalf("findings: %+v", r.Findings[0])
				}
			}
		})
	}
}
