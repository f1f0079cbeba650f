package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Text operators: StringNormalizer and TfIdfVectorizer.

// stringNormalizer removes stop words from a [C] or [1, C] STRING tensor
// and changes the case of what is left (Unicode case mapping; the locale
// attribute is accepted and not used). Stop words compare case-insensitively
// (by Unicode simple folding) unless is_case_sensitive is set. When every
// word is removed the output is one empty string ([1] or [1, 1]), as the
// operator's definition asks.
type stringNormalizer struct {
	action    string // LOWER, UPPER or NONE
	sensitive bool
	stop      map[string]bool
}

func makeStringNormalizer(a *attrs) (kernel, error) {
	k := &stringNormalizer{
		action:    a.str("case_change_action", "NONE"),
		sensitive: a.int("is_case_sensitive", 0) != 0,
		stop:      map[string]bool{},
	}
	switch k.action {
	case "LOWER", "UPPER", "NONE":
	default:
		return nil, fmt.Errorf("case_change_action %q is not LOWER, UPPER or NONE", k.action)
	}
	words, _ := a.strs("stopwords")
	for _, w := range words {
		k.stop[k.key(w)] = true
	}
	return k, nil
}

func (k *stringNormalizer) key(w string) string {
	if k.sensitive {
		return w
	}
	return strings.ToLower(strings.ToUpper(w))
}

func (k *stringNormalizer) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtString {
		return fmt.Errorf("input type %v is not STRING", x.dt)
	}
	if !(x.rank() == 1 || x.rank() == 2 && x.shape[0] == 1) {
		return fmt.Errorf("input shape %v is not [C] or [1, C]", x.shape)
	}
	var keep []string
	for _, w := range x.s {
		if k.stop[k.key(w)] {
			continue
		}
		switch k.action {
		case "LOWER":
			w = strings.ToLower(w)
		case "UPPER":
			w = strings.ToUpper(w)
		}
		keep = append(keep, w)
	}
	if len(keep) == 0 {
		keep = []string{""}
	}
	shape := []int{len(keep)}
	if x.rank() == 2 {
		shape = []int{1, len(keep)}
	}
	y, err := r.out(n, 0, dtString, shape)
	if err != nil {
		return err
	}
	copy(y.s, keep)
	return r.accountStrings(y.s) // case mapping may lengthen a string
}

// tfidf counts the n-grams of a pool in each row of a [C] or [N, C] tensor
// of integers or strings: n-grams of min_gram_length to max_gram_length
// items, taken with every skip from 0 to max_skip_count between items (each
// 1-gram once), and writes TF (counts), IDF (the weight where the count is
// not zero) or TFIDF (count times weight) at each n-gram's ngram_indexes
// position of a FLOAT row.
type tfidf struct {
	minGram, maxGram, maxSkip int
	mode                      string
	pool                      map[string]int // n-gram key -> output index
	size                      int            // output row length
	weights                   []float32      // per output index, nil: all 1
	strPool                   bool
}

func makeTfIdf(a *attrs) (kernel, error) {
	k := &tfidf{
		minGram: a.intIn("min_gram_length", 0, 1, 1<<20),
		maxGram: a.intIn("max_gram_length", 0, 1, 1<<20),
		maxSkip: a.intIn("max_skip_count", 0, 0, 1<<30),
		mode:    a.str("mode", ""),
		pool:    map[string]int{},
	}
	if a.err != nil {
		return nil, a.err
	}
	switch k.mode {
	case "TF", "IDF", "TFIDF":
	default:
		return nil, fmt.Errorf("mode %q is not TF, IDF or TFIDF", k.mode)
	}
	if k.minGram > k.maxGram {
		return nil, fmt.Errorf("min_gram_length %d exceeds max_gram_length %d", k.minGram, k.maxGram)
	}
	ints, hasInts := a.ints("pool_int64s")
	strs, hasStrs := a.strs("pool_strings")
	if hasInts == hasStrs {
		return nil, errors.New("exactly one of pool_int64s and pool_strings is required")
	}
	k.strPool = hasStrs
	poolLen := len(ints) + len(strs)
	counts, _ := a.ints("ngram_counts")
	indexes, _ := a.ints("ngram_indexes")
	// Item j of the pool as a key fragment.
	item := func(j int) string {
		if k.strPool {
			return strItem(strs[j])
		}
		return intItem(ints[j])
	}
	g := 0 // n-gram number in pool order
	for c, start := range counts {
		end := int64(poolLen)
		if c+1 < len(counts) {
			end = counts[c+1]
		}
		size := int64(c + 1)
		if start < 0 || end < start || end > int64(poolLen) || (end-start)%size != 0 {
			return nil, fmt.Errorf("ngram_counts %v do not divide a pool of %d items", counts, poolLen)
		}
		for p := int(start); p < int(end); p += int(size) {
			if g >= len(indexes) {
				return nil, fmt.Errorf("ngram_indexes has %d values, the pool more n-grams", len(indexes))
			}
			ix := indexes[g]
			if ix < 0 || ix >= int64(a.lim.MaxTensorElements) {
				return nil, fmt.Errorf("ngram index %d out of range", ix)
			}
			var key strings.Builder
			for j := range int(size) {
				key.WriteString(item(p + j))
			}
			k.pool[key.String()] = int(ix)
			k.size = max(k.size, int(ix)+1)
			g++
		}
	}
	if g != len(indexes) {
		return nil, fmt.Errorf("ngram_indexes has %d values, the pool %d n-grams", len(indexes), g)
	}
	if w, ok := a.floats("weights"); ok {
		if len(w) != len(indexes) {
			return nil, fmt.Errorf("weights has %d values, want %d", len(w), len(indexes))
		}
		k.weights = make([]float32, k.size)
		for i, ix := range indexes {
			k.weights[ix] = w[i]
		}
	}
	return k, nil
}

// intItem and strItem encode one pool or input item of a key (a length
// prefix keeps string n-grams unambiguous).
func intItem(v int64) string { return string(binary.LittleEndian.AppendUint64(nil, uint64(v))) }

func strItem(s string) string { return string(binary.AppendUvarint(nil, uint64(len(s)))) + s }

func (k *tfidf) run(r *runner, n *node) error {
	x := r.in(n, 0)
	switch {
	case k.strPool && x.dt != dtString:
		return fmt.Errorf("input type %v does not match the pool of strings", x.dt)
	case !k.strPool && x.dt != dtInt32 && x.dt != dtInt64:
		return fmt.Errorf("input type %v is not INT32, INT64 or a STRING pool's type", x.dt)
	}
	rows, c := 1, 0
	switch x.rank() {
	case 1:
		c = x.shape[0]
	case 2:
		rows, c = x.shape[0], x.shape[1]
	default:
		return fmt.Errorf("input shape %v is not [C] or [N, C]", x.shape)
	}
	shape := []int{k.size}
	if x.rank() == 2 {
		shape = []int{rows, k.size}
	}
	y, err := r.out(n, 0, dtFloat, shape)
	if err != nil {
		return err
	}
	clear(y.f)
	skips := min(k.maxSkip, max(c-1, 0)) + 1 // a longer skip finds no second item
	if work := int64(rows) * int64(c) * int64(skips) * int64(min(k.maxGram, c)); work > 64*int64(r.g.lim.MaxTensorElements) {
		return fmt.Errorf("n-gram search of %d steps exceeds the limit", work)
	}
	items := make([]string, c)
	var key strings.Builder
	for b := range rows {
		for j := range c {
			if k.strPool {
				items[j] = strItem(x.s[b*c+j])
			} else {
				items[j] = intItem(x.i[b*c+j])
			}
		}
		out := y.f[b*k.size : (b+1)*k.size]
		for s := 1; s <= skips; s++ {
			for start := range c {
				key.Reset()
				for g, p := 1, start; g <= k.maxGram && p < c; g, p = g+1, p+s {
					key.WriteString(items[p])
					if g < k.minGram || g == 1 && s > 1 {
						continue // 1-grams count once, with the first skip
					}
					if ix, ok := k.pool[key.String()]; ok {
						out[ix]++
					}
				}
			}
		}
		for ix, cnt := range out {
			w := float32(1)
			if k.weights != nil {
				w = k.weights[ix]
			}
			switch {
			case k.mode == "TF":
			case k.mode == "IDF":
				out[ix] = w * float32(b2f(cnt > 0))
			default:
				out[ix] = cnt * w
			}
		}
	}
	return nil
}
