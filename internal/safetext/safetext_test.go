package safetext

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestEscape(t *testing.T) {
	for _, test := range []struct{ in, want, line string }{
		{in: "plain text, ümlaut, 日本", want: "plain text, ümlaut, 日本"},
		{in: "two\nlines\tand a tab", want: "two\nlines\tand a tab", line: "two^Jlines^Iand a tab"},
		{in: "\x1b[2J\x1b[Hcleared", want: "^[[2J^[[Hcleared"},
		{in: "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", want: "^[]8;;https://evil.example/^[\\click^[]8;;^[\\"},
		{in: "\x1b]8;;https://evil.example/\afoo", want: "^[]8;;https://evil.example/^Gfoo"},
		{in: "bell\a back\b\b cr\rover", want: "bell^G back^H^H cr^Mover"},
		{in: "nul\x00 del\x7f", want: "nul^@ del^?"},
		{in: "c1 \u009b2J csi", want: "c1 <U+009B>2J csi"},
		{in: "invoice_\u202egnp.exe", want: "invoice_<U+202E>gnp.exe"},
		{in: "\u2066isolate\u2069 \u200eLRM \u061c", want: "<U+2066>isolate<U+2069> <U+200E>LRM <U+061C>"},
		{in: "zero\u200bwidth \ufeffbom \u2060wj \u00adshy", want: "zero<U+200B>width <U+FEFF>bom <U+2060>wj <U+00AD>shy"},
		{in: "line\u2028sep\u2029para", want: "line<U+2028>sep<U+2029>para"},
		{in: "tag\U000E0041\U000E007F", want: "tag<U+E0041><U+E007F>"},
		{in: "emoji 👩\u200d💻 persian می\u200cخواهم", want: "emoji 👩\u200d💻 persian می\u200cخواهم"},
		{in: "bad \xff\xfe utf8 \xe2\x82", want: "bad <0xFF><0xFE> utf8 <0xE2><0x82>"},
		{in: "", want: ""},
	} {
		if got := Escape(test.in); got != test.want {
			t.Errorf("Escape(%q) = %q, want %q", test.in, got, test.want)
		}
		line := test.line
		if line == "" {
			line = test.want
		}
		if got := Line(test.in); got != line {
			t.Errorf("Line(%q) = %q, want %q", test.in, got, line)
		}
		if Needs(test.in) != (test.in != test.want) {
			t.Errorf("Needs(%q) = %v", test.in, Needs(test.in))
		}
	}
}

// TestEscapeLeavesNothingRaw checks every rune and byte: after Escape, no
// C0 (but line feed and tab), DEL, C1, bidirectional control or invalid
// UTF-8 is left.
func TestEscapeLeavesNothingRaw(t *testing.T) {
	var b strings.Builder
	for r := rune(0); r < 0x30000; r++ {
		if r < 0xd800 || r > 0xdfff {
			b.WriteRune(r)
		}
	}
	for c := 0x80; c < 0x100; c++ {
		b.WriteByte(byte(c))
	}
	out := Escape(b.String())
	if bad := Raw(out); bad != "" {
		t.Fatalf("Escape left %s", bad)
	}
	if Needs(out) {
		t.Error("Escape's output still needs escaping")
	}
}

func TestWriterSplitsAnywhere(t *testing.T) {
	in := "name \u202eevil\x1b[31m red \xff 日本語 ok\n"
	want := Escape(in)
	for size := 1; size <= len(in); size++ {
		var out bytes.Buffer
		w := NewWriter(&out)
		for i := 0; i < len(in); i += size {
			if n, err := w.Write([]byte(in[i:min(len(in), i+size)])); err != nil || n != min(len(in), i+size)-i {
				t.Fatalf("chunk %d: Write = %d, %v", size, n, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("chunks of %d: %q, want %q", size, out.String(), want)
		}
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Write([]byte("cut \xe6\x97"))
	w.Flush()
	if got := out.String(); got != "cut <0xE6><0x97>" {
		t.Errorf("truncated sequence at the end: %q", got)
	}
}

type inner struct {
	Name  string
	Tags  []string
	Any   any
	bytes []byte
	hid   string
}

type kind string

type outer struct {
	Title string
	Kind  kind
	Ptr   *inner
	Items []inner
	Map   map[string]*inner
	Arr   [2]string
	Raw   []byte
	When  time.Time
	N     int
	Nil   *inner
}

func TestClean(t *testing.T) {
	when := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	o := outer{
		Title: "t\x1b[2J", Kind: "k\u202e", N: 7, When: when, Raw: []byte("\x1b"),
		Ptr:   &inner{Name: "p\a", Tags: []string{"ok", "\u2066x"}, Any: "any\b", hid: "\x1b"},
		Items: []inner{{Name: "i\x1b"}},
		Map:   map[string]*inner{"key\x1b": {Name: "v\x1b"}},
		Arr:   [2]string{"a\x7f", "b"},
	}
	c := Clean(o)
	if c.Title != "t^[[2J" || c.Kind != "k<U+202E>" || c.Ptr.Name != "p^G" || c.Ptr.Tags[1] != "<U+2066>x" ||
		c.Ptr.Any != "any^H" || c.Items[0].Name != "i^[" || c.Map["key^["].Name != "v^[" || c.Arr[0] != "a^?" {
		t.Errorf("Clean: %+v", c)
	}
	if c.N != 7 || !c.When.Equal(when) || string(c.Raw) != "\x1b" || c.Ptr.hid != "\x1b" || c.Nil != nil {
		t.Errorf("Clean changed what it must not: %+v", c)
	}
	// The original is untouched.
	if o.Title != "t\x1b[2J" || o.Ptr.Name != "p\a" || o.Ptr.Tags[1] != "\u2066x" || o.Items[0].Name != "i\x1b" {
		t.Errorf("Clean changed its argument: %+v", o)
	}
	clean := &outer{Title: "fine", Ptr: &inner{Name: "fine"}}
	if got := Clean(clean); got != clean {
		t.Error("Clean copied a value that needed nothing")
	}
}

func TestRaw(t *testing.T) {
	for in, want := range map[string]string{
		"fine\n\tline": "", "a\x1bb": `ESC (0x1b) at byte 1`, "\u202e": `U+202E at byte 0`, "x\xff": `invalid UTF-8 (0xff) at byte 1`,
	} {
		if got := Raw(in); got != want {
			t.Errorf("Raw(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkEscapeClean(b *testing.B) {
	s := strings.Repeat("A plain sentence of a profile, with ümlauts. ", 100)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Escape(s)
	}
}

func BenchmarkEscapeHostile(b *testing.B) {
	s := strings.Repeat("name\x1b[2J\u202e ", 300)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Escape(s)
	}
}
