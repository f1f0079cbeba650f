package lineage

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// SVG layout constants, in pixels. Text widths are estimated (no font
// metrics): 7 px per character of 12 px sans-serif, 6.7 px per character of
// 11 px monospace; labels are cut to svgMaxChars characters so that boxes
// stay bounded whatever the names.
const (
	svgMargin   = 24
	svgColGap   = 110 // room for edge labels between columns
	svgRowGap   = 22
	svgNodeH    = 44
	svgMinW     = 120
	svgMaxChars = 40
	svgTitleH   = 28
	svgLaneGap  = 20
)

// WriteSVG writes the graph as a standalone SVG image, laid out in layers
// from left to right: every node sits one column right of its furthest
// input, so raw data, preprocessed data, models and evaluation or release
// steps fall into successive columns; sources that feed only a later step
// (code, for instance) sit just left of it. Artefacts are boxes labelled
// with a short name and digest, steps are rounded boxes labelled with the
// step, date and signer; each edge carries the material's role (or, for a
// step's output, the step). Every node and edge has a <title> with its
// full description (a tooltip in browsers). Edges that skip a column run
// in lanes below the nodes. All text is XML-escaped.
func (g *Graph) WriteSVG(w io.Writer, title string) error {
	g.ensureIndex()
	l := g.layout()
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", l.width, l.height, l.width, l.height)
	b.WriteString("<title>")
	escape(&b, title)
	b.WriteString("</title>\n")
	fmt.Fprintf(&b, "<desc>%d artefact(s), %d step(s), %d edge(s)</desc>\n", l.artefacts, len(l.boxes)-l.artefacts, len(g.Edges))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>` + "\n")
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14" font-weight="bold">`, svgMargin, svgMargin)
	escape(&b, title)
	b.WriteString("</text>\n")

	b.WriteString(`<g id="edges" fill="none" stroke="#555" stroke-width="1.2">` + "\n")
	for _, e := range g.Edges {
		from, to := l.boxes[e.From], l.boxes[e.To]
		if from == nil || to == nil {
			continue
		}
		x1, y1 := from.x+from.w, from.y+svgNodeH/2
		x2, y2 := to.x, to.y+svgNodeH/2
		var d string
		lx, ly := (x1+x2)/2, (y1+y2)/2
		if lane, ok := l.lanes[e]; ok { // skips columns: run below the nodes
			d = fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d L%d,%d C%d,%d %d,%d %d,%d",
				x1, y1, x1+40, y1, x1+10, lane, x1+50, lane, x2-50, lane, x2-10, lane, x2-40, y2, x2, y2)
			lx, ly = (x1+x2)/2, lane
		} else if x2 > x1 {
			d = fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, lx, y1, lx, y2, x2, y2)
		} else { // a cycle or an edge within a column: loop above
			top := min(from.y, to.y) - svgRowGap
			d = fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, x1+60, top, x2-60, top, x2, y2)
			lx, ly = (x1+x2)/2, top+4
		}
		label := edgeLabel(g, e)
		b.WriteString(`<g class="edge"><title>`)
		escape(&b, fmt.Sprintf("%s → %s (%s)", g.index[e.From].label(), g.index[e.To].label(), e.Role))
		fmt.Fprintf(&b, "</title><path d=%q marker-end=\"url(#arrow)\"/>", d)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="11" fill="#333" stroke="white" stroke-width="3" paint-order="stroke">`, lx, ly-3)
		escape(&b, label)
		b.WriteString("</text></g>\n")
	}
	b.WriteString("</g>\n<g id=\"nodes\">\n")
	for _, n := range g.Nodes {
		bx := l.boxes[n.ID]
		if bx == nil {
			continue
		}
		fill, rx, class := "#e8f0fe", 3, "artefact"
		switch {
		case n.Kind == "step":
			fill, rx, class = "#f1f3f4", 14, "step "+string(n.Step)
		case l.models[n.ID]:
			fill, class = "#fde9d9", "artefact model"
		case l.sources[n.ID]:
			fill, class = "#e6f4ea", "artefact source"
		}
		fmt.Fprintf(&b, `<g class=%q><title>`, class)
		escape(&b, n.label())
		fmt.Fprintf(&b, `</title><rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s" stroke="#444"/>`, bx.x, bx.y, bx.w, svgNodeH, rx, fill)
		line1, line2 := svgLines(n)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">`, bx.x+8, bx.y+18)
		escape(&b, line1)
		fmt.Fprintf(&b, `</text><text x="%d" y="%d" font-family="Menlo, Consolas, monospace" font-size="11" fill="#333">`, bx.x+8, bx.y+35)
		escape(&b, line2)
		b.WriteString("</text></g>\n")
	}
	b.WriteString("</g>\n</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// escape writes s as XML character data; characters XML cannot carry
// become U+FFFD.
func escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // writing to a bytes.Buffer does not fail
}

func edgeLabel(g *Graph, e Edge) string {
	if e.Role == "output" {
		if s := g.index[e.From]; s != nil && s.Kind == "step" {
			return string(s.Step)
		}
	}
	return e.Role
}

// svgLines returns a node's two visible lines: an artefact's short name and
// digest, a step's name and date, then its signer.
func svgLines(n *Node) (string, string) {
	if n.Kind == "step" {
		l1 := string(n.Step)
		if !n.Time.IsZero() {
			l1 += " · " + n.Time.UTC().Format("2006-01-02")
		}
		return cut(l1), cut(n.Signer)
	}
	name := "(unnamed)"
	if len(n.Names) > 0 {
		name = shortName(n.Names[0])
		if len(n.Names) > 1 {
			name += fmt.Sprintf(" (+%d)", len(n.Names)-1)
		}
	}
	return cut(name), "sha256:" + short(strings.TrimPrefix(n.ID, "sha256:"))
}

// shortName keeps the last two elements of a path, or of a URI's path.
func shortName(name string) string {
	p := name
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
	}
	p = strings.TrimSuffix(p, "/")
	dir, base := path.Split(p)
	if dir = strings.TrimSuffix(dir, "/"); dir != "" {
		if parent := path.Base(dir); parent != "." && parent != "/" {
			base = parent + "/" + base
		}
		if base != p {
			base = "…/" + base
		}
	}
	return base
}

// cut shortens s to svgMaxChars characters, keeping its end (the file
// name) when it must drop characters.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= svgMaxChars {
		return s
	}
	r := []rune(s)
	return "…" + string(r[len(r)-svgMaxChars+1:])
}

type svgBox struct{ x, y, w, col int }

type svgLayout struct {
	boxes           map[string]*svgBox
	lanes           map[Edge]int // y of the lane of each edge that skips a column
	models, sources map[string]bool
	artefacts       int
	width, height   int
}

// layout assigns columns by longest path from the sources (bounded, so a
// cycle cannot loop), moves sources next to their first consumer, orders
// each column by the mean row of its inputs, and sizes the boxes.
func (g *Graph) layout() svgLayout {
	l := svgLayout{boxes: map[string]*svgBox{}, lanes: map[Edge]int{}, models: map[string]bool{}, sources: map[string]bool{}}
	for _, m := range g.Models() {
		l.models[m.ID] = true
	}
	for _, s := range g.Sources() {
		l.sources[s.ID] = true
	}
	pos := map[string]int{} // node → index in g.Nodes
	for i, n := range g.Nodes {
		pos[n.ID] = i
		if n.Kind == "artefact" {
			l.artefacts++
		}
	}
	var edges []Edge
	hasIn := map[string]bool{}
	for _, e := range g.Edges {
		if _, ok := pos[e.From]; !ok {
			continue
		}
		if _, ok := pos[e.To]; !ok || e.From == e.To {
			continue
		}
		edges = append(edges, e)
		hasIn[e.To] = true
	}
	layer := make(map[string]int, len(g.Nodes))
	limit := len(g.Nodes)
	for range g.Nodes {
		changed := false
		for _, e := range edges {
			if v := layer[e.From] + 1; v > layer[e.To] && v <= limit {
				layer[e.To], changed = v, true
			}
		}
		if !changed {
			break
		}
	}
	for _, n := range g.Nodes {
		if hasIn[n.ID] {
			continue
		}
		lo := -1
		for _, e := range edges {
			if e.From == n.ID && (lo < 0 || layer[e.To] < lo) {
				lo = layer[e.To]
			}
		}
		if lo > 0 {
			layer[n.ID] = lo - 1
		}
	}
	// Number the columns used 0, 1, ...
	var used []int
	seen := map[int]bool{}
	for _, n := range g.Nodes {
		if v := layer[n.ID]; !seen[v] {
			seen[v] = true
			used = append(used, v)
		}
	}
	sort.Ints(used)
	col := map[int]int{}
	for i, v := range used {
		col[v] = i
	}
	cols := make([][]*Node, len(used))
	for _, n := range g.Nodes {
		c := col[layer[n.ID]]
		cols[c] = append(cols[c], n)
	}
	// Order each column by the mean row of its inputs in earlier columns.
	row := map[string]float64{}
	for c, nodes := range cols {
		key := map[string]float64{}
		for i, n := range nodes {
			sum, k := 0.0, 0
			for _, e := range edges {
				if e.To == n.ID {
					if r, ok := row[e.From]; ok {
						sum, k = sum+r, k+1
					}
				}
			}
			key[n.ID] = float64(i)
			if k > 0 {
				key[n.ID] = sum / float64(k)
			}
		}
		if c > 0 {
			sort.SliceStable(nodes, func(i, j int) bool { return key[nodes[i].ID] < key[nodes[j].ID] })
		}
		for i, n := range nodes {
			row[n.ID] = float64(i)
		}
	}
	// Sizes.
	maxRows := 0
	for _, nodes := range cols {
		maxRows = max(maxRows, len(nodes))
	}
	colH := func(n int) int { return n*svgNodeH + max(n-1, 0)*svgRowGap }
	top := svgMargin + svgTitleH
	x := svgMargin
	for c, nodes := range cols {
		w := svgMinW
		for _, n := range nodes {
			l1, l2 := svgLines(n)
			w = max(w, textWidth(l1, 7.0)+16, textWidth(l2, 6.7)+16)
		}
		y := top + (colH(maxRows)-colH(len(nodes)))/2
		for _, n := range nodes {
			l.boxes[n.ID] = &svgBox{x: x, y: y, w: w, col: c}
			y += svgNodeH + svgRowGap
		}
		x += w + svgColGap
	}
	// Edges that skip a column would cross the nodes between: each gets a
	// lane of its own below them.
	bottom := top + colH(maxRows) + svgRowGap
	for _, e := range edges {
		if l.boxes[e.To].col-l.boxes[e.From].col > 1 {
			if _, ok := l.lanes[e]; !ok {
				l.lanes[e] = bottom
				bottom += svgLaneGap
			}
		}
	}
	l.width = max(x-svgColGap+svgMargin, 2*svgMargin+svgMinW)
	l.height = bottom - svgRowGap + svgMargin
	if len(l.lanes) > 0 {
		l.height = bottom + svgMargin/2
	}
	return l
}

func textWidth(s string, perChar float64) int {
	return int(float64(utf8.RuneCountInString(s))*perChar + 0.999)
}
