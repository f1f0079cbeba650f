package catalog

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Citation is a public reference a reader can follow: the ENISA report with
// its section, an AI Act provision on EUR-Lex, a standard's catalogue page.
type Citation struct {
	Label string `json:"label"` // as printed, e.g. "ENISA report, section 4.1 (p. 16)"
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
	Note  string `json:"note,omitempty"` // what the source string adds: "status per a secondary source; not re-verified"
}

// String is the citation as one line of text: label, note in parentheses.
func (ct Citation) String() string {
	if ct.Note == "" {
		return ct.Label
	}
	return ct.Label + " (" + ct.Note + ")"
}

// ENISAReportURL is the publication page of the ENISA report the catalogue is
// built on.
const ENISAReportURL = "https://www.enisa.europa.eu/publications/cybersecurity-of-ai-and-standardisation"

// ENISAReportTitle is the report's title as cited.
const ENISAReportTitle = "ENISA, Cybersecurity of AI and Standardisation (March 2023)"

// Cite turns a source as the catalogue records it into a public citation.
// A source is a reference, optionally followed by a note in words:
//
//	enisa:4.1                              the ENISA report, section 4.1
//	enisa:table-1, enisa:annex-a.2, enisa:fn-9, enisa:box-3, enisa:exec-summary
//	OJ L 2024/1689 Art. 15(5)              an EU act by its number, with a provision
//	AI Act Art. 15(5), CRA Annex I Part II, Cybersecurity Act Art. 52(5)
//	ISO/IEC 27001:2022 clause 6.1.3        a standard of the catalogue by designation
//	MITRE ATLAS AML.T0043.000              an ATLAS technique
//	OWASP ML Top 10 2023 ML01              an OWASP ML Security Top 10 entry
//	https://...                            a public page
//
// Whatever follows the reference (", text read via ...", "(sec.)", "; not
// re-verified") becomes the citation's Note. A source Cite does not recognise
// comes back as its own label with no URL; the catalogue's validation rejects
// such sources in the data (see docs/catalog-sources.md).
func (c *Catalog) Cite(src string) Citation {
	s := strings.Join(strings.Fields(src), " ")
	if s == "" {
		return Citation{}
	}
	for _, f := range []func(*Catalog, string) (Citation, string, bool){
		citeURL, citeENISA, citeAct, citeATLAS, citeOWASP, citeStandard,
	} {
		if ct, rest, ok := f(c, s); ok {
			ct.Note = note(rest)
			return ct
		}
	}
	return Citation{Label: s}
}

// Provision cites an AI Act provision as the findings name it: "Art. 15(5)",
// "AI Act Art. 12" or "Regulation (EU) 2024/1689 Art. 15(4)". Anything after
// the provision ("(not binding on this system as classified)") is the Note.
func (c *Catalog) Provision(article string) Citation {
	a := strings.TrimSpace(article)
	if strings.HasPrefix(a, "Art.") || strings.HasPrefix(a, "Article") || strings.HasPrefix(a, "Annex") || strings.HasPrefix(a, "recital") {
		a = "AI Act " + a
	}
	return c.Cite(a)
}

// CiteClause cites a clause of a catalogue standard, as controls name them.
func (c *Catalog) CiteClause(cl Clause) Citation {
	s, ok := c.Standard(cl.Standard)
	if !ok {
		return Citation{Label: strings.TrimSpace(string(cl.Standard) + " " + cl.Clause)}
	}
	ct := standardCitation(s)
	if cl.Clause != "" {
		ct.Label += ", " + clauseLabel(cl.Clause)
	}
	return ct
}

// note tidies what follows a reference into a note: no leading separators,
// no enclosing parentheses.
func note(rest string) string {
	r := strings.TrimSpace(rest)
	r = strings.TrimLeft(r, ",;:–— ")
	r = strings.TrimSpace(r)
	if strings.HasPrefix(r, "(") && strings.HasSuffix(r, ")") && strings.Count(r, "(") == 1 {
		r = strings.TrimSpace(r[1 : len(r)-1])
	}
	return r
}

// refEnd reports whether s[i:] may follow a reference: the end, a space or
// punctuation, not the middle of a word or a number.
func refEnd(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	switch s[i] {
	case ' ', ',', ';', ')', '(':
		return true
	}
	return false
}

var urlRe = regexp.MustCompile(`^https?://[^\s]+`)

func citeURL(_ *Catalog, s string) (Citation, string, bool) {
	m := urlRe.FindString(s)
	if m == "" {
		return Citation{}, "", false
	}
	m = strings.TrimRight(m, ".,;)")
	u, err := url.Parse(m)
	if err != nil || u.Host == "" {
		return Citation{}, "", false
	}
	label := u.Host + u.EscapedPath()
	label = strings.TrimPrefix(strings.TrimSuffix(label, "/"), "www.")
	return Citation{Label: label, URL: m}, s[len(m):], true
}

// ---------------------------------------------------------------- ENISA report

// enisaPlace is a place in the ENISA report the catalogue cites, with the
// printed page it starts on where the report's text shows it (0: unknown).
//
// Pages: the report's text extraction keeps two page headers (p. 12 before
// chapter 3, p. 26 before recommendation 5's last lines) and marks each page
// break of the body by a line that opens with a space; between the two headers
// it marks exactly the fourteen breaks that the page numbers require, so every
// place from p. 12 to annex A.1 (p. 27) has a known page. Before p. 12, and in
// annexes A.2 to A.4 whose table rows also open with spaces, the breaks are not
// certain and no page is given. See docs/catalog-sources.md.
type enisaPlace struct {
	label string
	page  int
}

var enisaPlaces = func() map[string]enisaPlace {
	m := map[string]enisaPlace{
		"exec-summary": {"executive summary", 0},
		"1":            {"chapter 1", 0}, "1.1": {"section 1.1", 0}, "1.2": {"section 1.2", 0}, "1.3": {"section 1.3", 0},
		"2": {"chapter 2", 0}, "2.1": {"section 2.1", 0}, "2.2": {"section 2.2", 0},
		"3": {"chapter 3", 12}, "3.1": {"section 3.1", 12}, "3.1.1": {"section 3.1.1", 12},
		"3.1.2": {"section 3.1.2", 13}, "3.1.3": {"section 3.1.3", 14}, "3.1.4": {"section 3.1.4", 14},
		"4": {"chapter 4", 16}, "4.1": {"section 4.1", 16}, "4.2": {"section 4.2", 19}, "4.3": {"section 4.3", 21},
		"5": {"chapter 5", 24}, "5.1": {"section 5.1", 24}, "5.2": {"section 5.2", 25},
		"5.2.1": {"section 5.2.1", 25}, "5.2.2": {"section 5.2.2", 25}, "5.2.3": {"section 5.2.3", 25},
		"5.3":     {"section 5.3", 26},
		"table-1": {"table 1", 16}, "table-2": {"table 2", 0}, "table-3": {"table 3", 20},
		"box-1": {"box 1", 0}, "box-2": {"box 2", 0}, "box-3": {"box 3", 18}, "box-4": {"box 4", 21}, "box-5": {"box 5", 21},
		"annex-a.1": {"annex A.1", 27}, "annex-a.2": {"annex A.2", 0}, "annex-a.3": {"annex A.3", 0}, "annex-a.4": {"annex A.4", 0},
	}
	// Footnotes 1 to 22, each on the page of its text.
	fnPage := map[int]int{6: 14, 7: 15, 8: 16, 9: 16, 10: 18, 11: 18, 12: 19, 13: 19, 14: 19, 15: 20,
		17: 22, 18: 23, 19: 23, 20: 24, 21: 24, 22: 25}
	for n := 1; n <= 22; n++ {
		m["fn-"+strconv.Itoa(n)] = enisaPlace{"footnote " + strconv.Itoa(n), fnPage[n]}
	}
	return m
}()

// ENISAPlace reports whether place ("4.1", "table-1", "fn-9") is a place in
// the ENISA report the catalogue can cite.
func ENISAPlace(place string) bool {
	_, ok := enisaPlaces[place]
	return ok
}

var enisaRe = regexp.MustCompile(`^enisa:([a-z0-9.\-]+?)(?:[.,;]?(?:\s|$))`)

func citeENISA(_ *Catalog, s string) (Citation, string, bool) {
	m := enisaRe.FindStringSubmatchIndex(s + " ")
	if m == nil {
		return Citation{}, "", false
	}
	place := s[m[2]:m[3]]
	p, ok := enisaPlaces[place]
	if !ok {
		return Citation{}, "", false
	}
	rest := ""
	if m[3] < len(s) {
		rest = s[m[3]:]
	}
	return enisaCitation(p), rest, true
}

// enisaCitation cites a place of the ENISA report.
func enisaCitation(p enisaPlace) Citation {
	label := "ENISA report, " + p.label
	if p.page > 0 {
		label += fmt.Sprintf(" (p. %d)", p.page)
	}
	return Citation{Label: label, Title: ENISAReportTitle, URL: ENISAReportURL}
}

// ---------------------------------------------------------------- EU acts

// act is an EU act the catalogue cites.
type act struct {
	kind    string // reg, dir
	year    string
	number  string
	short   string // as labels name it: "AI Act"
	title   string
	anchors bool // EUR-Lex HTML has #art_N and #anx_N anchors we have confirmed
}

func (a act) eli() string {
	return fmt.Sprintf("https://eur-lex.europa.eu/eli/%s/%s/%s/oj", a.kind, a.year, a.number)
}

func (a act) celex() string {
	letter := "R"
	if a.kind == "dir" {
		letter = "L"
	}
	return fmt.Sprintf("3%s%s%04s", a.year, letter, a.number)
}

var acts = []act{
	{"reg", "2024", "1689", "AI Act", "Regulation (EU) 2024/1689 (Artificial Intelligence Act)", true},
	{"reg", "2024", "2847", "CRA", "Regulation (EU) 2024/2847 (Cyber Resilience Act)", false},
	{"reg", "2019", "881", "Cybersecurity Act", "Regulation (EU) 2019/881 (Cybersecurity Act)", false},
	{"reg", "2026", "1744", "Digital Omnibus on AI", "Regulation (EU) 2026/1744 amending Regulation (EU) 2024/1689 (Digital Omnibus on AI)", false},
	{"reg", "2016", "679", "GDPR", "Regulation (EU) 2016/679 (General Data Protection Regulation)", false},
	{"dir", "2022", "2555", "NIS 2 Directive", "Directive (EU) 2022/2555 (NIS 2 Directive)", false},
	{"reg", "2017", "745", "MDR", "Regulation (EU) 2017/745 (Medical Devices Regulation)", false},
	{"reg", "2013", "526", "Regulation (EU) No 526/2013", "Regulation (EU) No 526/2013 (ENISA regulation, repealed)", false},
}

var (
	// An act by number: "OJ L 2024/1689", "Regulation (EU) 2024/1689",
	// "Reg. (EU) 2019/881", "OJ L 151, 7.6.2019, Reg. (EU) 2019/881",
	// "Directive (EU) 2022/2555", "Regulation (EU) No 526/2013".
	actNumRe = regexp.MustCompile(`^(?:OJ L (?:\d+, [\d.]+, )?)?(?:(Regulation|Reg\.|Directive|Dir\.) \(EU\) )?(?:No (\d+)/(\d{4})|(\d{4})/(\d+))`)
	// An act by its short name.
	actNameRe = regexp.MustCompile(`^(AI Act|CRA|Cyber Resilience Act|Cybersecurity Act|Digital Omnibus on AI|GDPR)\b`)
	// A provision: Art. 15(5), Art. 6(3)(a), Art. 12(2)-(3), Annex I Part I(2)(f),
	// Annex III point 1(a), Annex I Section A, recital 77.
	provRe = regexp.MustCompile(`^,?\s*((?:Art\.|Article) ?\d+[a-z]?(?:\s?\(\d+[a-z]?\))*(?:\s?\([a-z]+\))*(?:-\(\d+\))?|Annex [IVX]+(?:,? (?:Part|Section) [IVXA-Z]+)?(?:,? ?point \d+)?(?:\s?\(\d+(?:\([a-z]\))?\))*(?:\([a-z]\))*|recital \d+)`)
)

func citeAct(_ *Catalog, s string) (Citation, string, bool) {
	var a act
	var n int
	if m := actNumRe.FindStringSubmatch(s); m != nil {
		year, number := m[4], m[5]
		if m[2] != "" {
			year, number = m[3], m[2]
		}
		found := false
		for _, x := range acts {
			if x.year == year && x.number == number {
				a, found = x, true
			}
		}
		if !found {
			kind := "reg"
			if strings.HasPrefix(m[1], "Dir") {
				kind = "dir"
			}
			name := "Regulation"
			if kind == "dir" {
				name = "Directive"
			}
			a = act{kind: kind, year: year, number: number, short: fmt.Sprintf("%s (EU) %s/%s", name, year, number)}
			a.title = a.short
		}
		n = len(m[0])
		if !refEnd(s, n) {
			return Citation{}, "", false
		}
	} else if m := actNameRe.FindString(s); m != "" {
		switch m {
		case "AI Act":
			a = acts[0]
		case "CRA", "Cyber Resilience Act":
			a = acts[1]
		case "Cybersecurity Act":
			a = acts[2]
		case "Digital Omnibus on AI":
			a = acts[3]
		case "GDPR":
			a = acts[4]
		}
		n = len(m)
	} else {
		return Citation{}, "", false
	}
	rest := s[n:]
	ct := Citation{Title: a.title, URL: a.eli()}
	if p := provRe.FindStringSubmatch(rest); p != nil && refEnd(rest, len(p[0])) {
		prov := strings.Replace(p[1], "Article ", "Art. ", 1)
		if strings.HasPrefix(prov, "Art.") && !strings.HasPrefix(prov, "Art. ") {
			prov = "Art. " + prov[len("Art."):]
		}
		ct.Label = a.short + " " + prov
		if a.anchors {
			ct.URL = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:" + a.celex() + anchor(prov)
		}
		return ct, rest[len(p[0]):], true
	}
	ct.Label = a.title
	return ct, rest, true
}

var (
	artNumRe   = regexp.MustCompile(`^Art\. (\d+[a-z]?)`)
	annexNumRe = regexp.MustCompile(`^Annex ([IVX]+)`)
)

// anchor is the EUR-Lex HTML anchor of a provision: #art_15, #anx_III.
func anchor(prov string) string {
	if m := artNumRe.FindStringSubmatch(prov); m != nil {
		return "#art_" + m[1]
	}
	if m := annexNumRe.FindStringSubmatch(prov); m != nil {
		return "#anx_" + m[1]
	}
	return ""
}

// ---------------------------------------------------------------- ATLAS, OWASP

var atlasRe = regexp.MustCompile(`^MITRE ATLAS (AML\.T\d{4}(?:\.\d{3})?)`)

func citeATLAS(_ *Catalog, s string) (Citation, string, bool) {
	m := atlasRe.FindStringSubmatch(s)
	if m == nil || !refEnd(s, len(m[0])) {
		return Citation{}, "", false
	}
	return Citation{Label: "MITRE ATLAS " + m[1], Title: "MITRE ATLAS technique " + m[1], URL: "https://atlas.mitre.org/techniques/" + m[1]}, s[len(m[0]):], true
}

var owaspRe = regexp.MustCompile(`^OWASP ML Top 10 2023 (ML(?:0[1-9]|10))`)

func citeOWASP(_ *Catalog, s string) (Citation, string, bool) {
	m := owaspRe.FindStringSubmatch(s)
	if m == nil || !refEnd(s, len(m[0])) {
		return Citation{}, "", false
	}
	return Citation{
		Label: "OWASP Machine Learning Security Top 10 (2023), " + m[1],
		Title: "OWASP Machine Learning Security Top 10",
		URL:   "https://owasp.org/www-project-machine-learning-security-top-10/",
	}, s[len(m[0]):], true
}

// ---------------------------------------------------------------- standards

var (
	yearSuffix    = regexp.MustCompile(`:\d{4}$`)
	versionSuffix = regexp.MustCompile(` V\d+\.\d+\.\d+$`)
	clauseRe      = regexp.MustCompile(`^,?\s*((?:clause|Clause|§|annex|Annex|table|Table|section|Section) [0-9A-Z][0-9A-Za-z.]*)`)
)

// citeStandard cites a catalogue standard named by its designation, with or
// without its year or version ("ISO/IEC 27001:2022", "ISO/IEC 27001",
// "ETSI EN 304 223"), the longest designation that fits.
func citeStandard(c *Catalog, s string) (Citation, string, bool) {
	best, bestLen := -1, 0
	for i, st := range c.Standards {
		var forms []string
		if len(c.idx.aliases) == len(c.Standards) {
			forms = c.idx.aliases[i]
		} else { // a catalogue built by hand, not indexed
			forms = aliases(st.Designation)
		}
		for _, d := range forms {
			if len(d) > bestLen && strings.HasPrefix(s, d) && refEnd(s, len(d)) {
				best, bestLen = i, len(d)
			}
		}
	}
	if best < 0 {
		return Citation{}, "", false
	}
	ct := standardCitation(c.Standards[best])
	rest := s[bestLen:]
	if m := clauseRe.FindStringSubmatch(rest); m != nil {
		ct.Label += ", " + clauseLabel(m[1])
		rest = rest[len(m[0]):]
	}
	return ct, rest, true
}

func clauseLabel(cl string) string {
	cl = strings.TrimSpace(cl)
	if cl == "" {
		return ""
	}
	if cl[0] >= '0' && cl[0] <= '9' {
		return "clause " + cl
	}
	if strings.HasPrefix(cl, "A.") || strings.HasPrefix(cl, "B.") {
		return "Annex " + cl
	}
	return strings.Replace(cl, "Clause ", "clause ", 1)
}

// aliases are the forms a designation may be cited in.
func aliases(d string) []string {
	out := []string{d}
	if i := strings.Index(d, " ("); i > 0 { // "NIST AI 100-1 (AI RMF 1.0)"
		out = append(out, d[:i])
	}
	for _, x := range out {
		if y := yearSuffix.ReplaceAllString(x, ""); y != x {
			out = append(out, y)
		}
		if y := versionSuffix.ReplaceAllString(x, ""); y != x {
			out = append(out, y)
		}
	}
	return out
}

// standardCitation cites a catalogue standard: its designation, title and the
// publisher's page (StandardURL).
func standardCitation(s Standard) Citation {
	return Citation{Label: s.Designation, Title: s.Title, URL: StandardURL(s)}
}

var (
	etsiGroupRe = regexp.MustCompile(`^ETSI (GR|GS) ([A-Z]+) (\d{3})\b`)
	etsiNumRe   = regexp.MustCompile(`^ETSI (TS|TR|EN|ES|EG) (\d{3}) (\d{3})(?:-(\d+))?\b`)
	stagePrefix = regexp.MustCompile(`^(ISO(?:/IEC)?(?:/IEEE)?|IEC) (?:AWI |NP |WD |CD |DIS |FDIS |DTS |DTR |PRF )?(TS |TR )?(?:AWI |CD |DIS |FDIS )?`)
)

// StandardURL is the page where a reader finds a standard: the url the
// catalogue records, or else one derived from the designation: ETSI's
// deliverable directory (all versions of a published deliverable), the
// EUR-Lex ELI of an EU act, or the search page of the publisher's catalogue
// (ISO, ETSI drafts, SAE) where the exact page is not known.
func StandardURL(s Standard) string {
	if s.URL != "" {
		return s.URL
	}
	d := s.Designation
	switch {
	case strings.HasPrefix(s.Body, "ISO") || strings.HasPrefix(d, "ISO"):
		q := stagePrefix.ReplaceAllString(d, "$1 $2")
		q = yearSuffix.ReplaceAllString(q, "")
		return "https://www.iso.org/search.html?q=" + url.QueryEscape(strings.Join(strings.Fields(q), " "))
	case s.Body == "ETSI":
		if m := etsiGroupRe.FindStringSubmatch(d); m != nil {
			n, _ := strconv.Atoi(m[3])
			lo := n / 100 * 100
			first := fmt.Sprintf("%03d", lo)
			if lo == 0 {
				first = "001"
			}
			return fmt.Sprintf("https://www.etsi.org/deliver/etsi_%s/%s/%s_%03d/%s/", strings.ToLower(m[1]), m[2], first, lo+99, m[3])
		}
		if m := etsiNumRe.FindStringSubmatch(d); m != nil {
			n, _ := strconv.Atoi(m[2] + m[3])
			lo := n / 100 * 100
			dir := m[2] + m[3]
			if m[4] != "" {
				p, _ := strconv.Atoi(m[4])
				dir += fmt.Sprintf("%02d", p)
			}
			return fmt.Sprintf("https://www.etsi.org/deliver/etsi_%s/%06d_%06d/%s/", strings.ToLower(m[1]), lo, lo+99, dir)
		}
		return "https://www.etsi.org/standards-search#page=1&search=" + url.QueryEscape(strings.TrimPrefix(d, "ETSI "))
	case s.Body == "CEN-CENELEC":
		return "https://www.cencenelec.eu/areas-of-work/cen-cenelec-topics/artificial-intelligence/"
	case s.Body == "EU":
		ct, _, ok := citeAct(nil, d)
		if ok {
			return ct.URL
		}
	}
	return ""
}
