package text

import (
	"strings"
	"unicode/utf8"
)

// width of s in columns, colour escapes excluded.
func width(s string) int { return utf8.RuneCountInString(stripANSI(s)) }

// stripANSI removes colour escapes, which take no columns.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// wrapText breaks s into lines of at most width columns at spaces. A word
// longer than a line (an identifier, a digest, a path) is broken after a
// '-', '/', '.', '_', ',', ':' or '@' where it can be, otherwise at the
// width; nothing is ever dropped.
func wrapText(s string, cols int) []string {
	cols = max(cols, 1)
	var lines []string
	var cur string
	curW := 0
	flush := func() {
		lines = append(lines, cur)
		cur, curW = "", 0
	}
	for _, word := range strings.Fields(s) {
		ww := width(word)
		if ww > cols {
			wr := []rune(stripANSI(word)) // a word this long loses its colour
			if curW > 0 {
				// Start the long word on the current line when a piece of it fits.
				if room := cols - curW - 1; room >= 8 {
					head, rest := breakWord(wr, room)
					if len(head) < len(wr) {
						cur += " " + string(head)
						wr = rest
					}
				}
				flush()
			}
			for len(wr) > cols {
				head, rest := breakWord(wr, cols)
				lines = append(lines, string(head))
				wr = rest
			}
			word, ww = string(wr), len(wr)
		}
		switch {
		case ww == 0:
		case curW == 0:
			cur, curW = word, ww
		case curW+1+ww <= cols:
			cur, curW = cur+" "+word, curW+1+ww
		default:
			flush()
			cur, curW = word, ww
		}
	}
	if curW > 0 || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// breakWord splits w after its last break character within the first n
// runes (and not too early), or at n.
func breakWord(w []rune, n int) (head, rest []rune) {
	if len(w) <= n {
		return w, nil
	}
	cut := n
	for i := n; i > n/3 && i > 0; i-- {
		if strings.ContainsRune("-/._,:@", w[i-1]) {
			cut = i
			break
		}
	}
	return w[:cut], w[cut:]
}

// longestWord is the widest word of s: a column cannot be narrower
// without breaking it.
func longestWord(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		n = max(n, utf8.RuneCountInString(w))
	}
	return n
}

// table lays rows out in columns that fit width, wrapping each cell within
// its column. Columns get their natural width when all fit; otherwise each
// keeps at least its longest word (so that identifiers are not broken) and
// shares the room left in proportion to what it lacks. When even the
// longest words do not fit, each row is written as a list of "heading:
// value" lines instead. paint, when set, colours a cell's lines.
type table struct {
	head  []string
	rows  [][]string
	paint func(row, col int, s string) string
}

const gap = 2 // spaces between columns

func (t table) lines(indent, total int) []string {
	n := len(t.head)
	if n == 0 {
		return nil
	}
	avail := total - indent - gap*(n-1)
	natural, least := make([]int, n), make([]int, n)
	for c := range n {
		natural[c], least[c] = width(t.head[c]), longestWord(t.head[c])
		for _, r := range t.rows {
			if c < len(r) {
				natural[c] = max(natural[c], width(r[c]))
				least[c] = max(least[c], longestWord(r[c]))
			}
		}
		least[c] = min(max(least[c], 1), natural[c])
	}
	sumN, sumL := 0, 0
	for c := range n {
		sumN += natural[c]
		sumL += least[c]
	}
	if sumL > avail {
		return t.records(indent, total)
	}
	w := natural
	if sumN > avail {
		w = make([]int, n)
		extra, lack := avail-sumL, sumN-sumL
		given := 0
		for c := range n {
			w[c] = least[c] + extra*(natural[c]-least[c])/lack
			given += w[c]
		}
		for c := 0; given < avail && c < n; c++ { // rounding leftovers to the widest lacking columns first
			if w[c] < natural[c] {
				w[c]++
				given++
			}
		}
	}
	pad := strings.Repeat(" ", indent)
	var out []string
	emit := func(cells []string, ri int) {
		cols := make([][]string, n)
		h := 1
		for c := range n {
			v := ""
			if c < len(cells) {
				v = cells[c]
			}
			cols[c] = wrapText(v, w[c])
			h = max(h, len(cols[c]))
		}
		for l := range h {
			var b strings.Builder
			b.WriteString(pad)
			for c := range n {
				s := ""
				if l < len(cols[c]) {
					s = cols[c][l]
				}
				fill := strings.Repeat(" ", max(0, w[c]-width(s)))
				if ri >= 0 && t.paint != nil && s != "" {
					s = t.paint(ri, c, s)
				}
				b.WriteString(s)
				if c < n-1 {
					b.WriteString(fill + strings.Repeat(" ", gap))
				}
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
	}
	emit(t.head, -1)
	for i, r := range t.rows {
		emit(r, i)
	}
	return out
}

// records writes each row as "heading: value" lines under a dash.
func (t table) records(indent, total int) []string {
	pad := strings.Repeat(" ", indent)
	var out []string
	for ri, r := range t.rows {
		for c, v := range r {
			if c >= len(t.head) {
				break
			}
			lead := pad + "  "
			if c == 0 {
				lead = pad + "- "
			}
			label := strings.ToLower(t.head[c]) + ": "
			for i, l := range wrapText(label+v, total-indent-4) {
				if t.paint != nil && i == 0 && strings.HasPrefix(l, label) {
					l = label + t.paint(ri, c, strings.TrimPrefix(l, label))
				} else if t.paint != nil && i > 0 {
					l = t.paint(ri, c, l)
				}
				if i > 0 {
					lead = pad + "    "
				}
				out = append(out, strings.TrimRight(lead+l, " "))
			}
		}
	}
	return out
}
