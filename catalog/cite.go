package catalog

// Citation is a public reference a reader can follow: the ENISA report with
// its section, an AI Act provision on EUR-Lex, a standard's catalogue page.
type Citation struct {
	Label string `json:"label"` // as printed, e.g. "ENISA report, section 4.1"
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Cite turns a source as the catalogue records it into a public citation.
// A source it does not recognise comes back as its own label.
//
// TODO(sources): resolve every source key the catalogue uses.
func (c *Catalog) Cite(src string) Citation {
	return Citation{Label: src}
}
