package detect

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
)

var toolRules = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"sql-stacked", regexp.MustCompile(`(?i);\s*(?:drop|delete|insert|update|alter|create|truncate|exec|execute|grant|shutdown|select)\b`)},
	{"sql-union", regexp.MustCompile(`(?i)\bunion\b(?:\s|/\*.*?\*/)+(?:all\s+)?select\b`)},
	{"sql-comment", regexp.MustCompile(`(?:['")]\s*(?:--|#|/\*)|;\s*--)`)},
	{"sql-drop", regexp.MustCompile(`(?i)\b(?:drop|truncate)\s+(?:table|database|schema|view|index|user)\b`)},
	{"sql-time", regexp.MustCompile(`(?i)\b(?:sleep|pg_sleep|benchmark)\s*\(|\bwaitfor\s+delay\b`)},
	{"shell-subst", regexp.MustCompile(`\$\([^)]*\)|\$\{IFS\}`)},
	{"shell-backtick", regexp.MustCompile("`\\s*(?:id|whoami|cat|curl|wget|rm|ls|nc|ncat|bash|sh|uname|echo|python3?|perl|chmod|env|printenv)\\b[^`]*`")},
	{"shell-download-exec", regexp.MustCompile(`(?i)\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b`)},
	{"shell-download", regexp.MustCompile(`(?i)\b(?:curl|wget)\s+(?:-\S+\s+)*['"]?(?:https?|ftp)://`)},
	{"shell-chain", regexp.MustCompile(`(?:;|&&|\|\||\|)\s*(?:sudo\s+)?(?:rm|curl|wget|cat|nc|ncat|bash|sh|zsh|python3?|perl|chmod|chown|id|whoami|uname|echo|ls|env|printenv|kill|shutdown|reboot|mkfs|dd|base64|tee)\b`)},
	{"shell-destructive", regexp.MustCompile(`(?i)\brm\s+-[a-z]*[rf][a-z]*\b|\bmkfs\b|\bdd\s+if=|:\(\)\s*\{|\bchmod\s+(?:-R\s+)?777\b`)},
	{"shell-redirect", regexp.MustCompile(`>>?\s*/(?:etc|dev|bin|usr|var|root|home|tmp|boot|proc)\b`)},
	{"shell-reverse", regexp.MustCompile(`(?i)/dev/tcp/|\bnc\b[^\n]*\s-e\b|\bbash\s+-i\b|/bin/(?:ba)?sh\b`)},
	{"path-traversal", regexp.MustCompile(`(?i)(?:\.\.[/\\]|%2e%2e(?:%2f|%5c|/)|\.\.%2f|%252e%252e|\.\.%c0%af)`)},
	{"sensitive-path", regexp.MustCompile(`(?i)/etc/(?:passwd|shadow|sudoers)\b|~/\.ssh\b|/\.ssh/|\bid_rsa\b|c:\\windows\\system32|/proc/self/`)},
}

// ToolArgs reports SQL injection (stacked queries, tautologies such as
// ' OR 1=1, UNION SELECT, comments after a quote, DROP and TRUNCATE,
// DELETE or UPDATE without WHERE, time delays), shell metacharacters and
// commands ($(...), backticks, command chaining with ; && || |, rm -rf,
// curl|sh, downloads, redirection to system paths, reverse shells) and
// path traversal in the arguments of a tool call. When args is a JSON
// object or array each string (and key) is examined, and its percent-decoded
// form too; offsets are into args where the string appears there as is,
// else -1. It examines at most MaxText bytes of args.
func ToolArgs(args string) []Hit {
	args = clip(args)
	var strs []string
	var v any
	if json.Unmarshal([]byte(args), &v) == nil {
		collect(v, &strs, 0)
	} else {
		strs = []string{args}
	}
	var hits []Hit
	seen := map[string]bool{}
	for _, s := range strs {
		off := strings.Index(args, s)
		cands := []string{s}
		if strings.Contains(s, "%") {
			if d, err := url.QueryUnescape(s); err == nil && d != s {
				cands = append(cands, d)
			}
		}
		for ci, c := range cands {
			for _, h := range toolArgsIn(c) {
				if seen[h.Kind+h.Evidence] {
					continue
				}
				seen[h.Kind+h.Evidence] = true
				if ci == 0 && off >= 0 {
					h.Start, h.End = h.Start+off, h.End+off
				} else {
					h.Start, h.End = -1, -1
				}
				hits = append(hits, h)
			}
		}
	}
	return hits
}

func collect(v any, out *[]string, depth int) {
	if depth > 32 || len(*out) > 4096 {
		return
	}
	switch x := v.(type) {
	case string:
		*out = append(*out, x)
	case []any:
		for _, e := range x {
			collect(e, out, depth+1)
		}
	case map[string]any:
		for k, e := range x {
			*out = append(*out, k)
			collect(e, out, depth+1)
		}
	}
}

var (
	tautology = regexp.MustCompile(`(?i)['"\d)]\s*\b(?:or|and)\b\s+(['"]?)(\w+)(['"]?)\s*(=|like)\s*(['"]?)(\w+)|(?i)['"]\s*or\s+(?:true|not\s+false)\b`)
	writeStmt = regexp.MustCompile(`(?i)\b(?:delete\s+from\s+[\w."\x60]+|update\s+[\w."\x60]+\s+set\b)[^;]*`)
	whereKw   = regexp.MustCompile(`(?i)\bwhere\b`)
)

func toolArgsIn(s string) []Hit {
	var hits []Hit
	add := func(kind string, a, b int) {
		hits = append(hits, Hit{Detector: "toolargs", Kind: kind, Evidence: short(s[a:b]), Start: a, End: b})
	}
	for _, m := range tautology.FindAllStringSubmatchIndex(s, 8) {
		if m[4] >= 0 && m[12] >= 0 && !strings.EqualFold(s[m[4]:m[5]], s[m[12]:m[13]]) {
			continue // "or x = y" with different sides: a comparison, not a tautology
		}
		add("sql-tautology", m[0], m[1])
	}
	for _, m := range writeStmt.FindAllStringIndex(s, 8) {
		if !whereKw.MatchString(s[m[0]:m[1]]) {
			add("sql-unbounded-write", m[0], m[1])
		}
	}
	for _, r := range toolRules {
		for _, m := range r.re.FindAllStringIndex(s, 8) {
			add(r.kind, m[0], m[1])
		}
	}
	return hits
}
