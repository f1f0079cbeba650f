package scan

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// AllowList is the set of globals a pickle may import. An entry is either
// exact ("collections.OrderedDict") or a package wildcard ("sklearn.*"),
// which allows the classes of every module under the package: names that
// begin with an upper-case letter, with no attribute path (no dot) and no
// dunder. Functions re-exported by a package (sklearn.datasets imports
// urllib's urlretrieve) are thus not allowed by its wildcard.
type AllowList struct {
	exact    map[string]bool
	prefixes []string // "sklearn." for "sklearn.*"
	profiles []string
}

// Profiles are named allow-lists.
var Profiles = map[string][]string{
	// default: what torch.save, numpy and joblib write for tensors, arrays,
	// state dicts and torch.nn modules (whole-model saves of torch's own
	// layers).
	"default": {
		"collections.OrderedDict", "collections.defaultdict", "collections.Counter", "collections.deque",
		"builtins.set", "builtins.frozenset", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.bytearray",
		"builtins.bytes", "builtins.complex", "builtins.slice", "builtins.range", "builtins.object", "builtins.int",
		"builtins.float", "builtins.str", "builtins.bool",
		"copyreg._reconstructor", "copyreg.__newobj__", "_codecs.encode",
		"torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
		"torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch._utils._rebuild_qtensor",
		"torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_sparse_csr_tensor", "torch._utils._rebuild_nested_tensor",
		"torch._utils._rebuild_meta_tensor_no_storage", "torch._utils._rebuild_wrapper_subclass",
		"torch._utils._rebuild_device_tensor_from_numpy", "torch._tensor._rebuild_from_type", "torch._tensor._rebuild_from_type_v2",
		"torch.Size", "torch.device", "torch.strided", "torch.sparse_coo", "torch.per_tensor_affine", "torch.per_channel_affine",
		"torch.nn.parameter.Parameter", "torch.nn.parameter.Buffer", "torch.storage.UntypedStorage", "torch.storage.TypedStorage",
		"torch.storage._TypedStorage", "torch.UntypedStorage",
		"torch.float16", "torch.float32", "torch.float64", "torch.bfloat16", "torch.half", "torch.float", "torch.double",
		"torch.int8", "torch.int16", "torch.int32", "torch.int64", "torch.uint8", "torch.bool", "torch.long", "torch.int",
		"torch.short", "torch.complex64", "torch.complex128", "torch.cfloat", "torch.cdouble", "torch.qint8", "torch.quint8", "torch.qint32",
		"torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.LongStorage",
		"torch.IntStorage", "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage", "torch.BoolStorage",
		"torch.ComplexFloatStorage", "torch.ComplexDoubleStorage", "torch.QInt8Storage", "torch.QUInt8Storage", "torch.QInt32Storage",
		"torch.nn.modules.*",
		"numpy.core.multiarray._reconstruct", "numpy.core.multiarray.scalar", "numpy._core.multiarray._reconstruct",
		"numpy._core.multiarray.scalar", "numpy.ndarray", "numpy.dtype", "numpy.core.numeric._frombuffer",
		"numpy._core.numeric._frombuffer", "numpy.random._pickle.__randomstate_ctor", "numpy.random._pickle.__bit_generator_ctor",
		"numpy.random._pickle.__generator_ctor", "numpy.random.mtrand.RandomState", "numpy.random._mt19937.MT19937",
		"joblib.numpy_pickle.NumpyArrayWrapper",
	},
	// sklearn: scikit-learn estimators as joblib.dump and pickle write
	// them. It trusts every class of scikit-learn and SciPy's sparse
	// matrices: their __setstate__ runs on the file's state.
	"sklearn": {
		"sklearn.*", "scipy.sparse.*", "scipy.sparse._csr.csr_matrix", "scipy.sparse._csc.csc_matrix",
		"scipy.sparse._coo.coo_matrix", "scipy.sparse.csr.csr_matrix", "scipy.sparse.csc.csc_matrix",
		"numpy.float64", "numpy.float32", "numpy.int64", "numpy.int32", "numpy.bool_",
	},
}

// DefaultAllowList is the "default" profile.
func DefaultAllowList() *AllowList {
	a, _ := NewAllowList([]string{"default"}, nil)
	return a
}

// NewAllowList combines profiles (names of Profiles) and extra entries.
func NewAllowList(profiles, extra []string) (*AllowList, error) {
	a := &AllowList{exact: map[string]bool{}}
	for _, p := range profiles {
		entries, ok := Profiles[p]
		if !ok {
			return nil, fmt.Errorf("unknown allow-list profile %q (have %s)", p, strings.Join(ProfileNames(), ", "))
		}
		a.profiles = append(a.profiles, p)
		a.addAll(entries)
	}
	for _, e := range extra {
		if e == "" || strings.ContainsAny(e, " \t\n") || !strings.Contains(e, ".") || e == "*" {
			return nil, fmt.Errorf("allow-list entry %q: want module.name or package.*", e)
		}
	}
	a.addAll(extra)
	return a, nil
}

// ProfileNames lists the profiles.
func ProfileNames() []string {
	var n []string
	for k := range Profiles {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func (a *AllowList) addAll(entries []string) {
	for _, e := range entries {
		if p, ok := strings.CutSuffix(e, ".*"); ok {
			a.prefixes = append(a.prefixes, p+".")
			continue
		}
		a.exact[e] = true
	}
}

// verdict on a global.
type verdict int

const (
	allowed verdict = iota
	notAllowed
	dangerous // a module or function known to run code, load code or touch the system
)

// Check judges module.name. A dangerous global is dangerous even when an
// entry allows it: an allow-list that names os.system is a mistake.
func (a *AllowList) Check(module, name string) verdict {
	if isDangerous(module, name) {
		return dangerous
	}
	full := module + "." + name
	if a.exact[full] {
		return allowed
	}
	if hasDunderPart(name) || strings.Contains(name, ".") {
		return notAllowed
	}
	for _, p := range a.prefixes {
		if strings.HasPrefix(module+".", p) {
			if r := []rune(name); len(r) > 0 && unicode.IsUpper(r[0]) {
				return allowed
			}
		}
	}
	return notAllowed
}

// hasDunderPart: some dotted part is __x__ (__class__, __globals__).
func hasDunderPart(name string) bool {
	for _, p := range strings.Split(name, ".") {
		if len(p) > 4 && strings.HasPrefix(p, "__") && strings.HasSuffix(p, "__") {
			return true
		}
	}
	return false
}

// dangerousModules run code, load code, or reach the file system, the
// network or processes. The list decides severity only: every global
// outside the allow-list is reported whatever this list says.
var dangerousModules = []string{
	"os", "posix", "nt", "subprocess", "sys", "importlib", "runpy", "pty", "socket", "shutil", "pickle", "_pickle",
	"cloudpickle", "dill", "marshal", "types", "code", "codeop", "ctypes", "webbrowser", "urllib", "http", "requests",
	"asyncio", "multiprocessing", "threading", "signal", "pdb", "bdb", "timeit", "tempfile", "pathlib", "glob",
	"io", "_io", "zipimport", "pkgutil", "platform", "ssl", "ftplib", "smtplib", "telnetlib", "xmlrpc", "_posixsubprocess",
	"torch.hub", "torch.jit", "torch.package", "torch.utils.cpp_extension", "tensorflow", "keras", "numpy.distutils",
	"numpy.f2py", "distutils", "setuptools", "site", "venv", "ensurepip", "operator", "functools", "inspect", "gc",
	"builtins.__builtins__",
}

var dangerousNames = []string{
	"builtins.eval", "builtins.exec", "builtins.compile", "builtins.open", "builtins.getattr", "builtins.setattr",
	"builtins.delattr", "builtins.__import__", "builtins.globals", "builtins.locals", "builtins.vars", "builtins.input",
	"builtins.breakpoint", "builtins.help", "builtins.exit", "builtins.quit", "builtins.memoryview", "builtins.type",
	"builtins.super", "builtins.classmethod", "builtins.staticmethod", "builtins.property", "builtins.print",
	"torch.load", "torch.storage._load_from_bytes", "torch.serialization.load", "torch._C", "torch.ops",
	"numpy.load", "numpy.loads", "numpy.fromfile", "numpy.save", "numpy.savetxt", "numpy.loadtxt", "numpy.genfromtxt",
	"numpy.memmap", "numpy.lib.npyio.load", "joblib.load", "joblib.dump", "pandas.read_pickle", "pandas.read_csv",
	"torch.from_file", "torch.save", "numpy.core.multiarray.fromfile",
}

func isDangerous(module, name string) bool {
	full := module + "." + name
	for _, m := range dangerousModules {
		if module == m || strings.HasPrefix(module, m+".") || full == m || strings.HasPrefix(full, m+".") {
			return true
		}
	}
	if slices.Contains(dangerousNames, full) {
		return true
	}
	for _, d := range dangerousNames {
		if strings.HasPrefix(full, d+".") {
			return true
		}
	}
	return hasDunderPart(name) && (strings.Contains(name, "__globals__") || strings.Contains(name, "__builtins__") ||
		strings.Contains(name, "__subclasses__") || strings.Contains(name, "__code__") || strings.Contains(name, "__import__"))
}

// Profiles of the list, for reports.
func (a *AllowList) ProfileNames() []string { return a.profiles }
