package yamlx

import (
	"strconv"
	"unicode/utf8"
)

// QuoteMax is how many bytes of a value Quote shows.
const QuoteMax = 64

// Quote returns s quoted as %q does, cut to its first QuoteMax bytes (on a
// character boundary) with the full length appended when it is longer. An
// error message built with it stays short however large the value an input
// holds: a document whose aliases repeat one 100 KB string 40,000 times
// costs one short line per error, not 4 GB.
func Quote(s string) string {
	if len(s) <= QuoteMax {
		return strconv.Quote(s)
	}
	return strconv.Quote(prefix(s, QuoteMax)) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// prefix returns at most n bytes of s, not cutting a UTF-8 sequence.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut == 0 {
		cut = n
	}
	return s[:cut]
}
