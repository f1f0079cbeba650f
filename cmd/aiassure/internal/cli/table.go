package cli

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/aiassure/aiassure/internal/safetext"
)

// table prints rows in columns that fit a width: when the natural widths
// do not fit, the columns with the most room to give are narrowed and
// their cells wrap at spaces, column by column. A word (an identifier, a
// path) is never cut: a column is never narrower than its longest word.
// When even the longest words do not fit side by side, each row is
// printed as a record instead: its first cell on a line, then "HEADING
// value" pairs wrapped below it. A row may carry a note, printed wrapped
// under it across the whole width.
type table struct {
	head   []string
	rows   [][]string
	notes  map[int]string // row index -> note
	indent string         // before every line
	gap    int            // spaces between columns; 0 means 2
}

// add appends a row. Cells are escaped (internal/safetext): a table shows
// names and texts from profiles and endpoints, and what could act on a
// terminal is made visible.
func (t *table) add(cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = safetext.Escape(c)
	}
	t.rows = append(t.rows, row)
}

// note attaches a note to the last row added.
func (t *table) note(s string) {
	if s == "" || len(t.rows) == 0 {
		return
	}
	if t.notes == nil {
		t.notes = map[int]string{}
	}
	t.notes[len(t.rows)-1] = safetext.Escape(s)
}

func textWidth(s string) int { return utf8.RuneCountInString(s) }

// words splits a cell into lines of words: "\n" in a cell starts a new line.
func cellLines(s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapWords(para, width)...)
	}
	return out
}

// wrapWords breaks s at spaces into lines of at most width runes; a word
// longer than width is a line of its own, whole.
func wrapWords(s string, width int) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := words[0]
	for _, w := range words[1:] {
		if textWidth(cur)+1+textWidth(w) > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		cur += " " + w
	}
	return append(lines, cur)
}

// widths returns the column widths for a total width, and whether they fit.
func (t *table) widths(total int) ([]int, bool) {
	n := len(t.head)
	for _, r := range t.rows {
		n = max(n, len(r))
	}
	gap := t.gap
	if gap == 0 {
		gap = 2
	}
	natural, least := make([]int, n), make([]int, n)
	measure := func(cells []string) {
		for i, c := range cells {
			for _, para := range strings.Split(c, "\n") {
				natural[i] = max(natural[i], textWidth(para))
				for _, w := range strings.Fields(para) {
					least[i] = max(least[i], textWidth(w))
				}
			}
		}
	}
	measure(t.head)
	for _, r := range t.rows {
		measure(r)
	}
	avail := total - textWidth(t.indent) - gap*(n-1)
	sum := func(x []int) int {
		s := 0
		for _, v := range x {
			s += v
		}
		return s
	}
	if sum(natural) <= avail {
		return natural, true
	}
	// Share the room in proportion to the natural widths, so that a column
	// of long text gives more than one of short labels; a column that
	// would fall below its longest word keeps that and the others share
	// the rest.
	w := make([]int, n)
	fixed := make([]bool, n)
	for {
		free, nat := avail, 0
		for i := range w {
			if fixed[i] {
				free -= w[i]
			} else {
				nat += natural[i]
			}
		}
		if nat == 0 {
			break
		}
		changed := false
		for i := range w {
			if fixed[i] {
				continue
			}
			w[i] = min(natural[i], natural[i]*max(free, 0)/nat)
			if w[i] < least[i] {
				w[i], fixed[i], changed = least[i], true, true
			}
		}
		if !changed {
			break
		}
	}
	// Give what rounding left to the columns that can still use it.
	for left := avail - sum(w); left > 0; left-- {
		best := -1
		for i := range w {
			if w[i] < natural[i] && (best < 0 || natural[i]-w[i] > natural[best]-w[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		w[best]++
	}
	return w, sum(w) <= avail
}

// write prints the table to fit total columns.
func (t *table) write(out io.Writer, total int) error {
	// Headings are escaped like cells (add), before anything is measured.
	for i, h := range t.head {
		t.head[i] = safetext.Escape(h)
	}
	bw := &errWriter{w: out}
	w, fits := t.widths(total)
	if !fits {
		t.records(bw, total)
		return bw.err
	}
	gap := t.gap
	if gap == 0 {
		gap = 2
	}
	rows := t.rows
	first := 0
	if len(t.head) > 0 {
		rows = append([][]string{t.head}, rows...)
		first = 1
	}
	for ri, r := range rows {
		cells := make([][]string, len(w))
		height := 1
		for i := range w {
			c := ""
			if i < len(r) {
				c = r[i]
			}
			cells[i] = cellLines(c, max(w[i], 1))
			height = max(height, len(cells[i]))
		}
		for l := 0; l < height; l++ {
			var b strings.Builder
			b.WriteString(t.indent)
			for i := range w {
				s := ""
				if l < len(cells[i]) {
					s = cells[i][l]
				}
				b.WriteString(s)
				if i < len(w)-1 {
					b.WriteString(strings.Repeat(" ", w[i]-textWidth(s)+gap))
				}
			}
			io.WriteString(bw, strings.TrimRight(b.String(), " ")+"\n")
		}
		if n, ok := t.notes[ri-first]; ok && ri >= first {
			t.writeNote(bw, n, total)
		}
	}
	return bw.err
}

func (t *table) writeNote(w io.Writer, note string, total int) {
	in := t.indent + "    "
	wrapList(w, in, strings.Fields(note), " ", in+"  ", total)
}

// records prints each row as its first cell on a line and the other
// cells, with their headings, wrapped below it.
func (t *table) records(w io.Writer, total int) {
	in := t.indent + "    "
	for ri, r := range t.rows {
		if len(r) == 0 {
			continue
		}
		wrapList(w, t.indent, strings.Fields(r[0]), " ", in, total)
		var items []string
		for i := 1; i < len(r); i++ {
			if strings.TrimSpace(r[i]) == "" {
				continue
			}
			h := ""
			if i < len(t.head) {
				h = strings.ToLower(t.head[i]) + " "
			}
			items = append(items, h+r[i])
		}
		// each "heading value" stays together where it fits, else it
		// wraps at its own spaces
		var toks []token
		for _, it := range items {
			words := strings.Fields(it)
			if len(words) == 0 {
				continue
			}
			sep := "; "
			if len(toks) == 0 {
				sep = ""
			}
			if textWidth(in)+textWidth(strings.Join(words, " ")) <= total {
				toks = append(toks, token{strings.Join(words, " "), sep})
				continue
			}
			for i, wd := range words {
				if i > 0 {
					sep = " "
				}
				toks = append(toks, token{wd, sep})
			}
		}
		if len(toks) > 0 {
			wrapTokens(w, in, toks, in, total)
		}
		if n, ok := t.notes[ri]; ok {
			wrapList(w, in, strings.Fields(n), " ", in, total)
		}
	}
}

// wrapList writes prefix and then the items, separated by sep, wrapped to
// total columns with continuation lines indented by indent; an item is
// never split.
func wrapList(out io.Writer, prefix string, items []string, sep, indent string, total int) {
	line := safetext.Escape(prefix)
	first := true
	for _, it := range items {
		it = safetext.Escape(it)
		add := it
		if !first {
			add = sep + it
		}
		if !first && textWidth(line)+textWidth(add) > total {
			io.WriteString(out, strings.TrimRight(line, " ")+"\n")
			line = indent + it
		} else {
			line += add
		}
		first = false
	}
	io.WriteString(out, strings.TrimRight(line, " ")+"\n")
}

// token is a unit of wrapped text and the separator before it.
type token struct{ text, sep string }

// wrapTokens writes prefix and the tokens, breaking lines (at a separator,
// which is then dropped) to fit total columns; continuation lines start
// with indent.
func wrapTokens(out io.Writer, prefix string, toks []token, indent string, total int) {
	line, empty := prefix, true
	for _, tk := range toks {
		tk.text = safetext.Escape(tk.text)
		if !empty && textWidth(line)+textWidth(tk.sep)+textWidth(tk.text) > total {
			io.WriteString(out, strings.TrimRight(line+strings.TrimRight(tk.sep, " "), " ")+"\n")
			line, empty = indent+tk.text, false
			continue
		}
		if !empty {
			line += tk.sep
		}
		line += tk.text
		empty = false
	}
	io.WriteString(out, strings.TrimRight(line, " ")+"\n")
}
