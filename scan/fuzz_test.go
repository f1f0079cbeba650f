package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seeds adds the corpus files whose path contains one of the words.
func seeds(f *testing.F, words ...string) {
	f.Helper()
	_ = filepath.WalkDir("testdata/corpus", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&os.ModeSymlink != 0 {
			return nil
		}
		for _, w := range words {
			if strings.Contains(p, w) {
				if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
					f.Add(b)
				}
				break
			}
		}
		return nil
	})
}

// fuzzLimits keep one input cheap.
func fuzzScanner() *Scanner {
	l := DefaultLimits()
	l.MemberBytes, l.TotalBytes, l.PickleValues, l.HeaderBytes = 1<<20, 4<<20, 100_000, 1<<20
	return New(Options{Limits: l})
}

func checkReport(t *testing.T, r *Report) {
	for _, f := range r.Findings {
		if f.Severity.Rank() < 0 || f.Rule == "" || f.Message == "" {
			t.Fatalf("bad finding %+v", f)
		}
		if _, ok := Rules[f.Rule]; !ok {
			t.Fatalf("finding of undocumented rule %q", f.Rule)
		}
	}
}

// FuzzScan feeds any bytes to the whole scanner: every format's parser
// behind the sniffer.
func FuzzScan(f *testing.F) {
	seeds(f, "")
	s := fuzzScanner()
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReport(t, s.Bytes(context.Background(), "fuzz", data))
	})
}

// FuzzPickle runs the pickle machine on any bytes, with and without a
// PROTO header.
func FuzzPickle(f *testing.F) {
	seeds(f, "pickle", "joblib", ".npy")
	f.Add([]byte("(lp0\nI1\naI2\na."))
	s := fuzzScanner()
	f.Fuzz(func(t *testing.T, data []byte) {
		r := runPickle(data, 100_000, true)
		if r.end < 0 || r.end > int64(len(data)) {
			t.Fatalf("end %d outside [0, %d]", r.end, len(data))
		}
		c := &ctxScan{Scanner: s, ctx: context.Background(), rep: &Report{}, budget: 1 << 20}
		c.pickleStream("fuzz", data, 0)
		checkReport(t, c.rep)
	})
}

// FuzzSafetensors fuzzes the header parser behind a valid length prefix.
func FuzzSafetensors(f *testing.F) {
	seeds(f, "safetensors")
	s := fuzzScanner()
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &ctxScan{Scanner: s, ctx: context.Background(), rep: &Report{}, budget: 1 << 20}
		c.safetensors("fuzz", bytesReaderAt(data), int64(len(data)))
		checkReport(t, c.rep)
	})
}

// FuzzONNX fuzzes the protobuf walker and the graph checks.
func FuzzONNX(f *testing.F) {
	seeds(f, ".onnx", "saved_model")
	s := fuzzScanner()
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &ctxScan{Scanner: s, ctx: context.Background(), rep: &Report{}, budget: 1 << 20}
		c.onnx("fuzz", bytesReaderAt(data), int64(len(data)), false)
		c.savedModel("fuzz", bytesReaderAt(data), int64(len(data)))
		checkReport(t, c.rep)
	})
}

// FuzzGGUF fuzzes the GGUF reader.
func FuzzGGUF(f *testing.F) {
	seeds(f, ".gguf")
	s := fuzzScanner()
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &ctxScan{Scanner: s, ctx: context.Background(), rep: &Report{}, budget: 1 << 20}
		c.gguf("fuzz", bytesReaderAt(append([]byte("GGUF"), data...)), int64(len(data)+4))
		checkReport(t, c.rep)
	})
}

// FuzzTemplate fuzzes the chat-template analysis.
func FuzzTemplate(f *testing.F) {
	f.Add(CHATMLForTest)
	f.Add("{{ ''.__class__ }}{% if x %}text with four words here{% endif %}{#c#}{")
	s := fuzzScanner()
	f.Fuzz(func(t *testing.T, tpl string) {
		c := &ctxScan{Scanner: s, ctx: context.Background(), rep: &Report{}}
		c.chatTemplate("fuzz", "tokenizer.chat_template", tpl)
		checkReport(t, c.rep)
	})
}

// CHATMLForTest is a ChatML template as Qwen publishes its kind.
const CHATMLForTest = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
