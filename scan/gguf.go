package scan

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/aiassure/aiassure"
)

// ggufReader reads GGUF's little-endian fields through a window.
type ggufReader struct {
	win  *window
	pos  int64
	size int64
	err  error
	v1   bool // version 1: 32-bit counts and lengths
}

func (g *ggufReader) bytes(n int64) []byte {
	if g.err != nil {
		return nil
	}
	if n < 0 || g.pos+n > g.size {
		g.err = fmt.Errorf("a %d-byte field at %d runs past the end of the file", n, g.pos)
		return nil
	}
	b, err := readAll(g.win.r, g.pos, n)
	if err != nil {
		g.err = err
		return nil
	}
	g.pos += n
	return b
}

func (g *ggufReader) u32() uint32 {
	b := g.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (g *ggufReader) u64() uint64 {
	b := g.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (g *ggufReader) count() uint64 {
	if g.v1 {
		return uint64(g.u32())
	}
	return g.u64()
}

func (g *ggufReader) str(limit int64) string {
	n := g.count()
	if g.err == nil && n > uint64(limit) {
		g.err = fmt.Errorf("a string of %d bytes at %d, over the limit of %d", n, g.pos, limit)
		return ""
	}
	return string(g.bytes(int64(n)))
}

// GGUF metadata value types and their sizes (0 for variable).
var ggufTypeSize = map[uint32]int64{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 8: 0, 9: 0, 10: 8, 11: 8, 12: 8}

// ggml tensor types: block size in elements and bytes per block.
var ggmlTypes = map[uint32][2]int64{
	0: {1, 4}, 1: {1, 2}, 2: {32, 18}, 3: {32, 20}, 6: {32, 22}, 7: {32, 24}, 8: {32, 34}, 9: {32, 36},
	10: {256, 84}, 11: {256, 110}, 12: {256, 144}, 13: {256, 176}, 14: {256, 210}, 15: {256, 292},
	16: {256, 66}, 17: {256, 74}, 18: {256, 98}, 19: {256, 50}, 20: {32, 18}, 21: {256, 110}, 22: {256, 82},
	23: {256, 136}, 24: {1, 1}, 25: {1, 2}, 26: {1, 4}, 27: {1, 8}, 28: {1, 8}, 29: {256, 56}, 30: {1, 2},
	34: {256, 54}, 35: {256, 66},
}

// value reads one metadata value; strings are kept only when keep.
func (g *ggufReader) value(typ uint32, keep bool, limit int64, depth int) (any, error) {
	switch typ {
	case 8:
		s := g.str(limit)
		if keep {
			return s, g.err
		}
		return nil, g.err
	case 9:
		if depth > 2 {
			return nil, fmt.Errorf("arrays nested too deep")
		}
		et := g.u32()
		n := g.count()
		if g.err != nil {
			return nil, g.err
		}
		es, ok := ggufTypeSize[et]
		if !ok {
			return nil, fmt.Errorf("array of unknown type %d", et)
		}
		per := es
		if per == 0 {
			per = 4 // a string is at least its length
		}
		if n > uint64(g.size-g.pos)/uint64(per) {
			return nil, fmt.Errorf("an array of %d items does not fit in the file", n)
		}
		if es > 0 {
			g.pos += int64(n) * es
			return nil, nil
		}
		for i := uint64(0); i < n && g.err == nil; i++ {
			if _, err := g.value(et, false, limit, depth+1); err != nil {
				return nil, err
			}
		}
		return nil, g.err
	}
	s, ok := ggufTypeSize[typ]
	if !ok {
		return nil, fmt.Errorf("metadata value of unknown type %d", typ)
	}
	b := g.bytes(s)
	if b == nil {
		return nil, g.err
	}
	switch typ {
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	case 5:
		return int64(int32(binary.LittleEndian.Uint32(b))), nil
	case 10:
		return binary.LittleEndian.Uint64(b), nil
	}
	return nil, nil
}

// gguf checks the header, the metadata and the tensor table (types,
// sizes, alignment, ranges inside the data section, overlaps) and analyses
// the chat templates without rendering them.
func (c *ctxScan) gguf(p string, r io.ReaderAt, size int64) []string {
	g := &ggufReader{win: &window{r: r, size: size, base: -1}, pos: 4, size: size}
	ver := g.u32()
	if ver == 1 {
		g.v1 = true
	}
	if g.err == nil && (ver == 0 || ver > 3) {
		c.addf("gguf/header", aiassure.Medium, p, 4, "GGUF version %d is not one this scanner knows (1-3)", ver)
		return nil
	}
	nt, nkv := g.count(), g.count()
	if g.err != nil {
		c.addf("gguf/header", aiassure.Medium, p, g.pos, "truncated header: %v", g.err)
		return nil
	}
	if nkv > uint64(size)/12 || nt > uint64(size)/24 {
		c.addf("gguf/header", aiassure.High, p, 8, "the header declares %d tensors and %d metadata entries, more than the file can hold", nt, nkv)
		return nil
	}
	align := int64(32)
	keys := map[string]bool{}
	templates := 0
	for i := uint64(0); i < nkv; i++ {
		at := g.pos
		key := g.str(1 << 16)
		typ := g.u32()
		if g.err != nil {
			break
		}
		if keys[key] {
			c.addf("gguf/duplicate-key", aiassure.High, p, at, "metadata key %q appears twice: loaders disagree on its value", key)
		}
		keys[key] = true
		isTemplate := key == "tokenizer.chat_template" || (len(key) > 24 && key[:24] == "tokenizer.chat_template.")
		v, err := g.value(typ, isTemplate, c.lim.HeaderBytes, 0)
		if err != nil {
			g.err = err
			break
		}
		switch {
		case key == "general.alignment":
			switch a := v.(type) {
			case uint64:
				align = int64(a)
			case int64:
				align = a
			}
			if align <= 0 || align&(align-1) != 0 || align > 1<<20 {
				c.addf("gguf/alignment", aiassure.Medium, p, at, "general.alignment %d is not a power of two up to 1 MiB", align)
				align = 32
			}
		case isTemplate:
			if s, ok := v.(string); ok {
				templates++
				c.chatTemplate(p, key, s)
			}
		}
	}
	if g.err != nil {
		c.addf("gguf/metadata", aiassure.High, p, g.pos, "the metadata does not parse: %v", g.err)
		return nil
	}
	type tinfo struct {
		name      string
		off, size int64
	}
	var ts []tinfo
	var dataBytes int64
	for i := uint64(0); i < nt && g.err == nil; i++ {
		name := g.str(1 << 16)
		nd := g.u32()
		if nd > 8 {
			c.addf("gguf/tensor", aiassure.High, p, g.pos, "tensor %q has %d dimensions (at most 8 make sense)", name, nd)
			return nil
		}
		elems, ok := int64(1), true
		for d := uint32(0); d < nd; d++ {
			x := g.count()
			if x > math.MaxInt64 || (x > 0 && elems > math.MaxInt64/int64(x)) {
				ok = false
				continue
			}
			elems *= int64(x)
		}
		typ := g.u32()
		off := g.u64()
		if g.err != nil {
			break
		}
		bt, known := ggmlTypes[typ]
		switch {
		case !ok:
			c.addf("gguf/tensor", aiassure.High, p, g.pos, "tensor %q: dimensions overflow", name)
			continue
		case !known:
			c.addf("gguf/tensor", aiassure.Low, p, g.pos, "tensor %q: ggml type %d is unknown here; its size is not checked", name, typ)
			continue
		case elems%bt[0] != 0:
			c.addf("gguf/tensor", aiassure.Medium, p, g.pos, "tensor %q: %d elements is not a whole number of blocks of %d", name, elems, bt[0])
		case off%uint64(align) != 0:
			c.addf("gguf/tensor", aiassure.Medium, p, g.pos, "tensor %q: offset %d is not aligned to %d", name, off, align)
		}
		if off > math.MaxInt64 {
			c.addf("gguf/tensor", aiassure.High, p, g.pos, "tensor %q: offset %d overflows", name, off)
			continue
		}
		sz := elems / bt[0] * bt[1]
		ts = append(ts, tinfo{name, int64(off), sz})
		dataBytes += sz
	}
	if g.err != nil {
		c.addf("gguf/tensor", aiassure.High, p, g.pos, "the tensor table does not parse: %v", g.err)
		return nil
	}
	start := (g.pos + align - 1) / align * align
	dataLen := size - start
	sort.Slice(ts, func(i, j int) bool { return ts[i].off < ts[j].off })
	for i, t := range ts {
		if t.off+t.size > dataLen || t.off+t.size < t.off {
			c.addf("gguf/tensor", aiassure.High, p, start+t.off, "tensor %q: bytes [%d, %d) of the data section, which has %d", t.name, t.off, t.off+t.size, dataLen)
		}
		if i > 0 && t.off < ts[i-1].off+ts[i-1].size {
			c.addf("gguf/overlap", aiassure.High, p, start+t.off, "tensors %q and %q overlap", ts[i-1].name, t.name)
		}
	}
	return []string{fmt.Sprintf("GGUF v%d, %d tensors (%d bytes), %d metadata entries, %d chat templates", ver, nt, dataBytes, nkv, templates)}
}
