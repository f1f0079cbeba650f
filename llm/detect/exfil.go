package detect

import (
	"net/url"
	"regexp"
	"strings"
)

// Kinds of Exfil hits. An image (or any resource a renderer fetches by
// itself: img, iframe, script, video, CSS url()) sends its URL with no
// click: it is the dangerous one. A link needs a click. The -data kinds say
// the URL carries data: a query, a fragment, a long path segment or a long
// host label.
const (
	KindImageExfil     = "image-exfil"
	KindImageExfilData = "image-exfil-carries-data"
	KindLink           = "link"
	KindLinkData       = "link-carries-data"
)

// CarriesData reports whether an Exfil hit's URL carries data.
func CarriesData(h Hit) bool { return strings.HasSuffix(h.Kind, "carries-data") }

var (
	mdImage  = regexp.MustCompile(`!\[[^\]]*\]\(\s*<?([^)\s>]+)`)
	mdLink   = regexp.MustCompile(`\[[^\]]*\]\(\s*<?([^)\s>]+)`)
	mdRefImg = regexp.MustCompile(`!\[[^\]]*\]\[([^\]]+)\]`)
	mdRefDef = regexp.MustCompile(`(?m)^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s|$)`)
	autoLink = regexp.MustCompile(`<((?:https?|ftp)://[^>\s]+)>`)
	htmlRes  = regexp.MustCompile(`(?i)<(img|image|iframe|frame|script|video|audio|source|embed|input|track)\b[^>]*?\s(?:src|poster|srcset|data)\s*=\s*["']?([^"'\s>]+)`)
	htmlObj  = regexp.MustCompile(`(?i)<(object)\b[^>]*?\sdata\s*=\s*["']?([^"'\s>]+)`)
	htmlHref = regexp.MustCompile(`(?i)<(a|link|area|base)\b[^>]*?\shref\s*=\s*["']?([^"'\s>]+)`)
	cssURL   = regexp.MustCompile(`(?i)url\(\s*["']?((?:https?:)?//[^"')\s]+)`)
	bareURL  = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>"')\]]+`)
	imgExt   = regexp.MustCompile(`(?i)\.(png|jpe?g|gif|webp|svg|bmp|ico)(\?|#|$)`)
	svgTag   = regexp.MustCompile(`(?i)^<\s*svg\b`)
	longSeg  = regexp.MustCompile(`[A-Za-z0-9+_=%-]{24,}`)
)

// Exfil reports the markdown images and links, autolinks, bare URLs and
// HTML src and href attributes whose host is not in allowedHosts (an
// allowed host matches itself and its subdomains). Relative URLs are not
// reported. It examines at most MaxText bytes of text.
func Exfil(text string, allowedHosts []string) []Hit {
	text = clip(text)
	var hits []Hit
	seen := map[int]bool{}
	add := func(raw string, s, e int, image bool) {
		if seen[s] {
			return
		}
		host, data, ok := parseHost(raw)
		if !ok || allowed(host, allowedHosts) {
			return
		}
		seen[s] = true
		kind := KindLink
		if image {
			kind = KindImageExfil
		}
		if data {
			kind += "-carries-data"
		}
		hits = append(hits, Hit{Detector: "exfil", Kind: kind, Evidence: short(raw), Start: s, End: e})
	}
	for _, m := range mdImage.FindAllStringSubmatchIndex(text, -1) {
		add(text[m[2]:m[3]], m[2], m[3], true)
	}
	refs := map[string]bool{}
	for _, m := range mdRefImg.FindAllStringSubmatch(text, -1) {
		refs[strings.ToLower(m[1])] = true
	}
	for _, m := range mdRefDef.FindAllStringSubmatchIndex(text, -1) {
		add(text[m[4]:m[5]], m[4], m[5], refs[strings.ToLower(text[m[2]:m[3]])])
	}
	for _, re := range []*regexp.Regexp{htmlRes, htmlObj} {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			add(text[m[4]:m[5]], m[4], m[5], true)
		}
	}
	for _, m := range cssURL.FindAllStringSubmatchIndex(text, -1) {
		add(text[m[2]:m[3]], m[2], m[3], true)
	}
	for _, m := range htmlHref.FindAllStringSubmatchIndex(text, -1) {
		add(text[m[4]:m[5]], m[4], m[5], false)
	}
	for _, m := range mdLink.FindAllStringSubmatchIndex(text, -1) {
		add(text[m[2]:m[3]], m[2], m[3], false)
	}
	for _, m := range autoLink.FindAllStringSubmatchIndex(text, -1) {
		add(text[m[2]:m[3]], m[2], m[3], false)
	}
	for _, m := range bareURL.FindAllStringIndex(text, -1) {
		raw := strings.TrimRight(text[m[0]:m[1]], ".,;:!?*_")
		add(raw, m[0], m[0]+len(raw), imgExt.MatchString(raw))
	}
	return hits
}

// parseHost returns the host of an absolute (or protocol-relative) URL
// and whether the URL carries data.
func parseHost(raw string) (string, bool, bool) {
	raw = strings.ReplaceAll(strings.TrimSpace(raw), `\`, "/")
	low := strings.ToLower(raw)
	if !strings.HasPrefix(low, "//") && !strings.HasPrefix(low, "http:") &&
		!strings.HasPrefix(low, "https:") && !strings.HasPrefix(low, "ftp:") {
		return "", false, false
	}
	if strings.HasPrefix(low, "//") {
		raw = "https:" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false, false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", false, false
	}
	data := u.RawQuery != "" || u.Fragment != "" || u.User != nil || longSeg.MatchString(u.EscapedPath())
	for _, label := range strings.Split(host, ".") {
		if len(label) >= 20 {
			data = true
		}
	}
	return host, data, true
}

func allowed(host string, hosts []string) bool {
	for _, a := range hosts {
		a = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(a)), ".")
		if a != "" && (host == a || strings.HasSuffix(host, "."+a)) {
			return true
		}
	}
	return false
}

var markupRules = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"script", regexp.MustCompile(`(?i)<\s*script\b`)},
	{"event-handler", regexp.MustCompile(`(?i)<\s*[a-z][a-z0-9-]*\b[^>]*?[\s/"']on[a-z]+\s*=`)},
	{"javascript-url", regexp.MustCompile(`(?i)(?:(?:href|src|action|formaction|data|xlink:href)\s*=\s*["']?|\]\(\s*<?)\s*j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:`)},
	{"vbscript-url", regexp.MustCompile(`(?i)(?:(?:href|src|action)\s*=\s*["']?|\]\(\s*<?)\s*vbscript\s*:`)},
	{"data-url", regexp.MustCompile(`(?i)(?:(?:href|src|action|formaction|data)\s*=\s*["']?|\]\(\s*<?)\s*data\s*:\s*(?:text/html|application/xhtml|image/svg|text/javascript|application/javascript|application/x-)`)},
	{"iframe", regexp.MustCompile(`(?i)<\s*i?frame\b`)},
	{"object", regexp.MustCompile(`(?i)<\s*object\b`)},
	{"embed", regexp.MustCompile(`(?i)<\s*embed\b`)},
	{"meta-refresh", regexp.MustCompile(`(?i)<\s*meta\b[^>]*http-equiv\s*=\s*["']?refresh`)},
	{"css-expression", regexp.MustCompile(`(?i)style\s*=\s*["'][^"']*expression\s*\(`)},
}

// Markup reports active HTML and script: script elements, on* event
// handler attributes (svg-event-handler for <svg onload>), javascript:,
// vbscript: and active data: URLs in attributes and markdown links,
// iframe, frame, object and embed elements, meta refresh and CSS
// expressions. Entity-encoded attributes (&#106;avascript:) are decoded
// first; such hits have Start and End -1. Words such as "script" in prose
// are not markup. It examines at most MaxText bytes of text.
func Markup(text string) []Hit {
	text = clip(text)
	hits := markupIn(text, true)
	if strings.Contains(text, "&") {
		dec := unescape(text)
		if dec != text {
			have := map[string]bool{}
			for _, h := range hits {
				have[h.Kind] = true
			}
			for _, h := range markupIn(dec, false) {
				if !have[h.Kind] {
					hits = append(hits, h)
					have[h.Kind] = true
				}
			}
		}
	}
	return hits
}

func markupIn(text string, offsets bool) []Hit {
	var hits []Hit
	for _, r := range markupRules {
		for _, m := range r.re.FindAllStringIndex(text, 16) {
			kind := r.kind
			if kind == "event-handler" && svgTag.MatchString(text[m[0]:m[1]]) {
				kind = "svg-event-handler"
			}
			h := Hit{Detector: "markup", Kind: kind, Evidence: short(text[m[0]:m[1]]), Start: m[0], End: m[1]}
			if !offsets {
				h.Start, h.End = -1, -1
			}
			hits = append(hits, h)
		}
	}
	return hits
}
