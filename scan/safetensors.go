package scan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"

	"github.com/aiassure/aiassure"
)

// safetensorsDtypes are the dtypes of the safetensors format with their
// sizes in bits.
var safetensorsDtypes = map[string]int64{
	"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64, "U64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}

type stTensor struct {
	name    string
	dtype   string
	shape   []int64
	offsets []uint64
}

// safetensors checks the header: its size, its JSON (duplicate keys are
// read differently by different parsers), and each tensor's dtype, shape
// and byte range against the data section: inside it, not overlapping,
// the size the dtype and shape say, and no bytes that no tensor covers.
func (c *ctxScan) safetensors(p string, r io.ReaderAt, size int64) []string {
	hb, err := readAll(r, 0, 8)
	if err != nil {
		c.addf("safetensors/header", aiassure.Medium, p, 0, "truncated before the header length")
		return nil
	}
	n := binary.LittleEndian.Uint64(hb)
	if n > uint64(c.lim.HeaderBytes) {
		c.addf("safetensors/header", aiassure.High, p, 0, "a header of %d bytes, over the limit of %d", n, c.lim.HeaderBytes)
		return nil
	}
	if n > uint64(size-8) {
		c.addf("safetensors/header", aiassure.High, p, 0, "a header of %d bytes in a file of %d", n, size)
		return nil
	}
	head, err := readAll(r, 8, int64(n))
	if err != nil {
		c.addf("safetensors/header", aiassure.Medium, p, 8, "reading the header: %v", err)
		return nil
	}
	dataLen := uint64(size) - 8 - n
	tensors, meta, err := parseSafetensorsHeader(head)
	if err != nil {
		c.addf("safetensors/header", aiassure.High, p, 8, "the header is not valid: %v", err)
		return nil
	}
	for _, d := range tensors.dups {
		c.addf("safetensors/duplicate-key", aiassure.High, p, 8,
			"the header names %q twice: parsers that keep the first and the last see different tensors", d)
	}
	type span struct {
		b, e uint64
		name string
	}
	var spans []span
	for _, t := range tensors.list {
		bitsPer, ok := safetensorsDtypes[t.dtype]
		if !ok {
			c.addf("safetensors/dtype", aiassure.Medium, p, 8, "tensor %q has an unknown dtype %q", t.name, t.dtype)
			continue
		}
		if len(t.offsets) != 2 {
			c.addf("safetensors/offsets", aiassure.High, p, 8, "tensor %q: data_offsets must be [begin, end]", t.name)
			continue
		}
		b, e := t.offsets[0], t.offsets[1]
		if e < b || e > dataLen {
			c.addf("safetensors/offsets", aiassure.High, p, 8,
				"tensor %q: bytes [%d, %d) are outside the %d-byte data section", t.name, b, e, dataLen)
			continue
		}
		elems, ok := uint64(1), true
		for _, d := range t.shape {
			if d < 0 {
				ok = false
				break
			}
			hi, lo := bits.Mul64(elems, uint64(d))
			if hi != 0 {
				ok = false
				break
			}
			elems = lo
		}
		if ok {
			hi, lo := bits.Mul64(elems, uint64(bitsPer))
			ok = hi == 0 && lo/8 <= math.MaxInt64
			if ok && (lo+7)/8 != e-b {
				c.addf("safetensors/size", aiassure.High, p, 8,
					"tensor %q: %s of shape %v is %d bytes but its range is %d bytes", t.name, t.dtype, t.shape, (lo+7)/8, e-b)
			}
		}
		if !ok {
			c.addf("safetensors/size", aiassure.High, p, 8, "tensor %q: shape %v is invalid or overflows", t.name, t.shape)
		}
		spans = append(spans, span{b, e, t.name})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].b < spans[j].b })
	var at uint64
	for i, s := range spans {
		if i > 0 && s.b < spans[i-1].e {
			c.addf("safetensors/overlap", aiassure.High, p, 8, "tensors %q and %q share bytes [%d, %d)",
				spans[i-1].name, s.name, s.b, min(s.e, spans[i-1].e))
		}
		if s.b > at {
			c.addf("safetensors/gap", aiassure.Medium, p, int64(8+n+at),
				"%d bytes of the data section before tensor %q belong to no tensor: data hidden from the header", s.b-at, s.name)
		}
		at = max(at, s.e)
	}
	if at < dataLen {
		c.addf("safetensors/gap", aiassure.Medium, p, int64(8+n+at), "%d bytes after the last tensor belong to no tensor", dataLen-at)
	}
	notes := []string{fmt.Sprintf("%d tensors, header %d bytes", len(tensors.list), n)}
	if len(meta) > 0 {
		notes = append(notes, fmt.Sprintf("%d metadata entries", len(meta)))
	}
	return notes
}

type stHeader struct {
	list []stTensor
	dups []string
}

// parseSafetensorsHeader reads the header object key by key, keeping
// duplicates visible.
func parseSafetensorsHeader(head []byte) (stHeader, map[string]string, error) {
	var h stHeader
	var meta map[string]string
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimRight(head, " ")))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return h, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return h, nil, fmt.Errorf("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return h, nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return h, nil, fmt.Errorf("a key that is not a string")
		}
		if seen[key] {
			h.dups = append(h.dups, key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return h, nil, fmt.Errorf("%q: %w", key, err)
		}
		if key == "__metadata__" {
			if err := json.Unmarshal(raw, &meta); err != nil {
				return h, nil, fmt.Errorf("__metadata__ must map strings to strings: %w", err)
			}
			continue
		}
		var t struct {
			Dtype       string   `json:"dtype"`
			Shape       []int64  `json:"shape"`
			DataOffsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return h, nil, fmt.Errorf("tensor %q: %w", key, err)
		}
		h.list = append(h.list, stTensor{key, t.Dtype, t.Shape, t.DataOffsets})
	}
	if _, err := dec.Token(); err != nil {
		return h, nil, err
	}
	if dec.More() {
		return h, nil, fmt.Errorf("content after the header object")
	}
	return h, meta, nil
}
