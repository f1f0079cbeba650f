package scan

import (
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
)

var (
	npyDescr = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyShape = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// npy reads a NumPy array file's header. An object array (descr "|O")
// holds a pickle after the header, which np.load(allow_pickle=True) runs:
// it is analysed like any pickle. Other arrays are checked for a data
// section of the size the header declares.
func (c *ctxScan) npy(p string, r io.ReaderAt, size int64) (globals, calls, notes []string) {
	pre, err := readAll(r, 0, min(size, 12))
	if err != nil || len(pre) < 10 {
		c.addf("npy/header", aiassure.Medium, p, 0, "truncated before the header")
		return nil, nil, nil
	}
	major := pre[6]
	var hlen, start int64
	switch major {
	case 1:
		hlen, start = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2, 3:
		if len(pre) < 12 {
			c.addf("npy/header", aiassure.Medium, p, 0, "truncated before the header")
			return nil, nil, nil
		}
		hlen, start = int64(binary.LittleEndian.Uint32(pre[8:12])), 12
	default:
		c.addf("npy/header", aiassure.Medium, p, 6, "NPY version %d is unknown", major)
		return nil, nil, nil
	}
	if hlen > min(size-start, c.lim.HeaderBytes) {
		c.addf("npy/header", aiassure.High, p, 8, "a header of %d bytes does not fit the file", hlen)
		return nil, nil, nil
	}
	h, err := readAll(r, start, hlen)
	if err != nil {
		c.addf("npy/header", aiassure.Medium, p, start, "reading the header: %v", err)
		return nil, nil, nil
	}
	hs := string(h)
	dm, sm := npyDescr.FindStringSubmatch(hs), npyShape.FindStringSubmatch(hs)
	if dm == nil || sm == nil {
		c.addf("npy/header", aiassure.Medium, p, start, "the header has no descr and shape: %s", clip(strings.TrimSpace(hs), 120))
		return nil, nil, nil
	}
	descr := dm[1]
	data := start + hlen
	if strings.Contains(descr, "O") {
		c.addf("npy/object-array", aiassure.Medium, p, data,
			"an object array (descr %q): its data is a pickle that np.load runs when allow_pickle=True", descr)
		n := min(size-data, c.lim.MemberBytes)
		body, err := readAll(r, data, n)
		if err != nil {
			return nil, nil, nil
		}
		g, k := c.pickleStream(p+"#pickle@"+strconv.FormatInt(data, 10), body, 1)
		return g, k, []string{"object array " + descr}
	}
	count := int64(1)
	for _, d := range strings.Split(sm[1], ",") {
		d = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(d), "L"))
		if d == "" {
			continue
		}
		x, err := strconv.ParseInt(d, 10, 64)
		if err != nil || x < 0 || (x > 0 && count > (1<<62)/x) {
			c.addf("npy/header", aiassure.Medium, p, start, "shape (%s) is not a tuple of sizes", sm[1])
			return nil, nil, nil
		}
		count *= x
	}
	item, err := dtypeSize(descr)
	if err != nil {
		return nil, nil, []string{"dtype " + descr + " (size not checked)"}
	}
	if count > (1<<62)/max(item, 1) || count*item != size-data {
		c.addf("npy/size", aiassure.Medium, p, data, "the header declares %d×%d bytes of data but the file has %d after it", count, item, size-data)
	}
	return nil, nil, []string{fmt.Sprintf("%s array of %d elements", descr, count)}
}
