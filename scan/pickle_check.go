package scan

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aiassure/aiassure"
)

// legacyTorchMagic is the first pickle of torch.save's legacy format: the
// integer 0x1950a86a20f9469cfc6c as LONG1's little-endian bytes.
const legacyTorchMagic = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"

func (c *ctxScan) pickleFile(path string, r io.ReaderAt, size int64) (globals, calls []string) {
	n := min(size, c.lim.MemberBytes)
	data, err := readAll(r, 0, n)
	if err != nil {
		c.addf("file/read", aiassure.Medium, path, 0, "reading the pickle: %v", err)
		return nil, nil
	}
	if n < size {
		c.addf("limits/pickle-size", aiassure.High, path, n,
			"the pickle is %d bytes, over the %d-byte analysis limit: only its start was analysed", size, n)
	}
	return c.pickleStream(path, data, 0)
}

// pickleStream analyses every pickle in data, one after another as
// repeated pickle.load calls (and legacy torch.load) read them.
func (c *ctxScan) pickleStream(path string, data []byte, depth int) (globals, calls []string) {
	g, k := map[string]bool{}, map[string]bool{}
	off := 0
	legacy := false
	for i := 0; off < len(data); i++ {
		if c.ctx.Err() != nil {
			return
		}
		res := runPickle(data[off:], c.lim.PickleValues, true)
		c.pickleResult(path, res, int64(off), depth, g, k)
		if i == 0 && res.stopped && res.top != nil && res.top.k == vInt && res.top.s == legacyTorchMagic {
			legacy = true
		}
		if !res.stopped {
			sev := aiassure.Medium
			if i > 0 {
				sev = aiassure.Low
			}
			c.add(Finding{Rule: "pickle/malformed", Severity: sev, Path: path, Offset: int64(off) + res.end,
				Message: "the pickle does not parse to its end: " + res.err +
					"; a loader stops here with an error, after running whatever came before"})
			break
		}
		off += int(res.end)
		if off >= len(data) {
			break
		}
		if looksLikePickle(data[off:min(len(data), off+4096)]) {
			if i == 0 && !legacy {
				c.addf("pickle/multiple", aiassure.Low, path, int64(off),
					"a second pickle follows the first: a loader that calls pickle.load again runs it too")
			}
			continue
		}
		if legacy && i >= 3 {
			break // legacy torch.save: raw storage bytes follow the storage keys
		}
		c.addf("pickle/trailing-data", aiassure.Low, path, int64(off),
			"%d bytes after the pickle's STOP are not a pickle: a parser that reads differently may see other content", len(data)-off)
		break
	}
	for s := range g {
		globals = append(globals, s)
	}
	for s := range k {
		calls = append(calls, s)
	}
	sort.Strings(globals)
	sort.Strings(calls)
	return globals, calls
}

// pickleResult turns one pickle's symbolic run into findings: one per
// distinct global outside the allow-list, with its count and first offset.
func (c *ctxScan) pickleResult(path string, res *pickleResult, base int64, depth int, gset, cset map[string]bool) {
	type use struct {
		first  int64
		n      int
		called bool
		v      verdict
		mod    string
		name   string
	}
	uses := map[string]*use{}
	var order []string
	note := func(key string, v *value, vd verdict) {
		u := uses[key]
		if u == nil {
			u = &use{first: base + v.off, v: vd, mod: v.s, name: v.name}
			uses[key] = u
			order = append(order, key)
		}
		u.n++
	}
	for _, v := range res.globals {
		switch {
		case v.k == vExt:
			c.addf("pickle/extension-code", aiassure.High, path, base+v.off,
				"EXT opcode: the global is whatever the loading process registered for extension code %d in copyreg; it cannot be checked", v.i)
		case strings.HasPrefix(v.s, "<computed:"):
			c.add(Finding{Rule: "pickle/computed-global", Severity: aiassure.Critical, Path: path, Offset: base + v.off,
				Message:  "STACK_GLOBAL with a module or name that is not a string constant: the import is computed at load time",
				Evidence: []string{v.s + "." + v.name}})
		default:
			key := v.s + "." + v.name
			gset[key] = true
			note(key, v, c.allow.Check(v.s, v.name))
		}
	}
	for _, call := range res.calls {
		fn := call.fn
		switch {
		case fn == nil:
		case fn.k == vGlobal:
			key := fn.s + "." + fn.name
			cset[key] = true
			if u := uses[key]; u != nil {
				u.called = true
			}
		case fn.k == vCall:
			c.add(Finding{Rule: "pickle/computed-callable", Severity: aiassure.Critical, Path: path, Offset: base + call.off,
				Message:  "a call of what an earlier call returned (" + call.name + "): the callable is chosen at load time",
				Evidence: []string{clip(describe(call, 0), 300)}})
		case fn.k == vUnknown && strings.HasPrefix(fn.name, "append/__setitem__"):
			c.add(Finding{Rule: "pickle/method-call", Severity: aiassure.High, Path: path, Offset: base + call.off,
				Message:  "APPEND/SETITEM on an object that is not a list or dict: the loader calls its append or __setitem__ method",
				Evidence: []string{fn.name}})
		default:
			c.add(Finding{Rule: "pickle/computed-callable", Severity: aiassure.High, Path: path, Offset: base + call.off,
				Message: fmt.Sprintf("%s calls a %s, not an imported global", call.name, describe(fn, 1))})
		}
	}
	for _, key := range order {
		u := uses[key]
		if u.v == allowed {
			continue
		}
		how := "imported"
		if u.called {
			how = "imported and called"
		}
		f := Finding{Rule: "pickle/global-not-allowed", Severity: aiassure.High, Path: path, Offset: u.first,
			Evidence: []string{key}}
		if u.v == dangerous {
			f.Rule, f.Severity = "pickle/unsafe-global", aiassure.Critical
			f.Message = fmt.Sprintf("%s is %s (%d×): it runs code, loads code or reaches the system when the file is loaded", key, how, u.n)
		} else {
			f.Message = fmt.Sprintf("%s is %s (%d×) and is not on the allow-list (%s): importing it runs its module, calling it runs its code",
				key, how, u.n, strings.Join(c.allow.ProfileNames(), ", "))
		}
		c.add(f)
	}
	for _, b := range res.builds {
		if t := b.fn; t != nil && t.k == vGlobal {
			c.add(Finding{Rule: "pickle/build-on-global", Severity: aiassure.High, Path: path, Offset: base + b.off,
				Message:  "BUILD sets attributes on an imported module or class itself, not on an instance: it can replace its functions",
				Evidence: []string{t.s + "." + t.name}})
		}
	}
	for _, n := range res.nested {
		inner := fmt.Sprintf("%s#pickle@%d", path, base+n.off)
		if depth+1 > c.lim.PickleNesting {
			c.addf("limits/pickle-nesting", aiassure.High, path, base+n.off,
				"a pickle nested more than %d deep was not analysed", c.lim.PickleNesting)
			continue
		}
		before := len(c.rep.Findings)
		ig, _ := c.pickleStream(inner, []byte(n.s), depth+1)
		sev := aiassure.Low
		if len(c.rep.Findings) > before {
			sev = aiassure.High
		}
		c.add(Finding{Rule: "pickle/nested", Severity: sev, Path: path, Offset: base + n.off,
			Message:  fmt.Sprintf("a %d-byte constant is itself a pickle (analysed as %s): a loader that passes it to pickle.loads runs it", len(n.s), inner),
			Evidence: ig})
	}
	if res.exceeded {
		c.addf("limits/pickle-values", aiassure.High, path, base+res.end,
			"the pickle creates more than %d values: analysis stopped there; what follows is unchecked", c.lim.PickleValues)
	}
}
