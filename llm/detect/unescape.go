package detect

import "html"

// unescape decodes HTML character references.
func unescape(s string) string { return html.UnescapeString(s) }
