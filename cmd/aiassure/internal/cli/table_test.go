package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/internal/safetext"
)

func TestTableRecords(t *testing.T) {
	tb := &table{head: []string{"THREAT", "ASSETS", "RISK"}}
	tb.add("model-poisoning-parameter-tampering", "species-model, training-data", "critical")
	tb.note("missing controls: c-model-signing, c-continuous-learning-safeguards")
	var buf bytes.Buffer
	tb.write(&buf, 40)
	want := `model-poisoning-parameter-tampering
    assets species-model, training-data;
    risk critical
    missing controls: c-model-signing,
    c-continuous-learning-safeguards
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	tb.write(&buf, 100)
	want = `THREAT                               ASSETS                        RISK
model-poisoning-parameter-tampering  species-model, training-data  critical
    missing controls: c-model-signing, c-continuous-learning-safeguards
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

// FuzzTable: whatever the cells and the width, no word is cut, and a line
// is wider than asked only when it holds one word.
func FuzzTable(f *testing.F) {
	f.Add("ID", "TITLE", "a-long-identifier", "some words to wrap", "a note here", 30)
	f.Add("", "", "x", "", "", 1)
	f.Add("0", "0", "0", "\x8d", "", 65) // invalid UTF-8 is shown as <0x8D>
	f.Add("SEVERITY KIND", "ε", "evid/c-input-validation", "control c-input-validation is claimed\nwith no evidence", "", 80)
	f.Fuzz(func(t *testing.T, h1, h2, c1, c2, note string, width int) {
		if width < 1 || width > 500 {
			return
		}
		tb := &table{head: []string{h1, h2}}
		tb.add(c1, c2)
		tb.note(note)
		tb.add(c2, c1)
		var buf bytes.Buffer
		if err := tb.write(&buf, width); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, s := range []string{c1, c2, note} {
			// Cells are shown escaped (internal/safetext): each word of
			// the escaped cell must be whole in the table.
			for _, w := range strings.Fields(safetext.Escape(s)) {
				if !strings.Contains(out, w) {
					t.Fatalf("word %q cut or lost at width %d:\n%s", w, width, out)
				}
			}
		}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if textWidth(l) > width && len(strings.Fields(l)) > 1 {
				t.Fatalf("line of %d at width %d holds several words: %q\n%s", textWidth(l), width, l, out)
			}
		}
	})
}

// TestTableEscapes: cells, notes and wrapped lists show control and
// bidirectional characters as visible escapes, and the columns are
// measured on what is printed.
func TestTableEscapes(t *testing.T) {
	tb := &table{head: []string{"ID", "NAME"}}
	tb.add("a\x1b[2J", "name\u202eexe")
	tb.add("b", "ok")
	tb.note("see \x1b]8;;https://evil.example/\x07here")
	var buf bytes.Buffer
	tb.write(&buf, 80)
	wrapList(&buf, "list\x1b: ", []string{"x\u009by", "\u2066z"}, ", ", "  ", 80)
	want := `ID      NAME
a^[[2J  name<U+202E>exe
b       ok
    see ^[]8;;https://evil.example/^Ghere
list^[: x<U+009B>y, <U+2066>z
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}
