package yamlx

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a document, with where it is.
type Error struct {
	File string // the document's name, as given to Decode
	Line int    // 1-based; 0 when the problem has no single place
	Col  int    // 1-based; 0 when unknown
	Path string // the dotted field path, e.g. assets[2].exposure.rate_limit; "" for the document
	Msg  string
}

// Error formats e as file:line:col: path: message, leaving out the parts
// that are not known.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	}
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d:%d", e.Line, e.Col)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a document, in document order, one per
// line when printed. Use errors.As to get at it (or at its first *Error).
type Errors []*Error

// Error prints the errors one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors one by one, so errors.As finds an *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Sort orders es by line and column, stably; errors with no line go last.
func (es Errors) Sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		la, lb := a.Line, b.Line
		if la == 0 {
			la = int(^uint(0) >> 1)
		}
		if lb == 0 {
			lb = int(^uint(0) >> 1)
		}
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(a.Col, b.Col))
	})
}

// Err returns es as an error, or nil when es is empty.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Pos is a place in a document.
type Pos struct {
	Line int
	Col  int
}

// Positions maps each decoded field path (the same paths as Error.Path; ""
// for the document) to the place its value starts. A path absent from the
// map was absent from the document.
type Positions map[string]Pos

// Near returns the position of path or, when path was not in the document,
// of its nearest enclosing value that was, and whether path itself was there.
func (p Positions) Near(path string) (Pos, bool) {
	if pos, ok := p[path]; ok {
		return pos, true
	}
	for path != "" {
		path = Parent(path)
		if pos, ok := p[path]; ok {
			return pos, false
		}
	}
	return Pos{}, false
}

// Parent returns the path of the value enclosing path: "a.b[2]" for
// "a.b[2].c", "a.b" for "a.b[2]", "" for "a".
func Parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// Suggest returns the candidate closest to word when it is close enough to
// be a likely misspelling, or "".
func Suggest(word string, candidates []string) string {
	best, bestD := "", -1
	lw := strings.ToLower(strings.ReplaceAll(word, "-", "_"))
	for _, c := range candidates {
		lc := strings.ToLower(strings.ReplaceAll(c, "-", "_"))
		d := distance(lw, lc)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || best == word {
		return ""
	}
	limit := max(1, (len([]rune(word))+1)/3)
	if bestD > limit {
		return ""
	}
	return best
}

// distance is the Levenshtein edit distance between a and b, in runes,
// capped in cost by the length of the inputs (keys are short).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		if a == b {
			return 0
		}
		return max(len(ra), len(rb))
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
