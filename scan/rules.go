package scan

import "strings"

// RuleInfo documents one rule of the scanner.
type RuleInfo struct {
	Short  string // what it finds
	Help   string // what to do
	Threat string // the catalogue threat it evidences
}

// Threats of the catalogue the rules evidence.
const (
	threatUnsafeLoading = "sw-unsafe-model-loading"
	threatBackdoor      = "backdoor-payload"
	threatSupplyChain   = "sw-supply-chain"
	threatLLMComponent  = "llm-supply-chain-poisoned-component"
	threatTampering     = "model-poisoning-parameter-tampering"
)

const helpPickle = "Do not load the file with pickle, torch.load(weights_only=False), joblib.load or np.load(allow_pickle=True). Get the weights in a format without code (safetensors, ONNX, GGUF) from a source you trust, or, if the globals are legitimate, allow them explicitly with -allow after reviewing their code."

// Rules are every rule the scanner reports, by ID.
var Rules = map[string]RuleInfo{
	"pickle/unsafe-global":       {"A pickle imports a function or module that runs code or reaches the system", helpPickle, threatUnsafeLoading},
	"pickle/global-not-allowed":  {"A pickle imports a global outside the allow-list", helpPickle, threatUnsafeLoading},
	"pickle/computed-global":     {"A pickle imports a global whose name is computed at load time", helpPickle, threatUnsafeLoading},
	"pickle/computed-callable":   {"A pickle calls a callable that an earlier call returned", helpPickle, threatUnsafeLoading},
	"pickle/method-call":         {"A pickle makes the loader call a method of an object", helpPickle, threatUnsafeLoading},
	"pickle/extension-code":      {"A pickle uses the copyreg extension registry (EXT opcodes)", helpPickle, threatUnsafeLoading},
	"pickle/build-on-global":     {"A pickle sets attributes on an imported module or class", helpPickle, threatUnsafeLoading},
	"pickle/nested":              {"A pickle holds another pickle as a bytes constant", helpPickle, threatUnsafeLoading},
	"pickle/multiple":            {"A file holds several pickles one after another", "Load only what the format defines; a second pickle is unexpected in most model files.", threatUnsafeLoading},
	"pickle/malformed":           {"A pickle does not parse to its STOP", "A truncated or corrupted pickle still runs what precedes the error: treat it as untrusted.", threatUnsafeLoading},
	"pickle/trailing-data":       {"Bytes follow a pickle's STOP", "Find out what the trailing bytes are; a different parser may read them.", threatTampering},
	"npy/object-array":           {"A NumPy file holds an object array (a pickle)", "Load it with allow_pickle=False, or convert it to a numeric array from a trusted source.", threatUnsafeLoading},
	"npy/header":                 {"A NumPy header does not parse or fit", "Regenerate the file from a trusted source.", threatTampering},
	"npy/size":                   {"A NumPy array's data does not match its header", "Regenerate the file from a trusted source.", threatTampering},
	"safetensors/header":         {"A safetensors header is invalid or too large", "Reject the file; regenerate it with the safetensors library.", threatTampering},
	"safetensors/duplicate-key":  {"A safetensors header names a tensor twice", "Reject the file: parsers disagree on which tensor it holds.", threatTampering},
	"safetensors/offsets":        {"A safetensors tensor's byte range is invalid or leaves the file", "Reject the file.", threatTampering},
	"safetensors/overlap":        {"Safetensors tensors share bytes", "Reject the file: writing one tensor changes another.", threatTampering},
	"safetensors/size":           {"A safetensors tensor's shape and dtype do not match its byte range", "Reject the file.", threatTampering},
	"safetensors/gap":            {"Bytes of a safetensors file belong to no tensor", "Find out what the hidden bytes are; the safetensors library never writes them.", threatTampering},
	"safetensors/dtype":          {"A safetensors tensor has an unknown dtype", "Check the file against the safetensors version that wrote it.", threatTampering},
	"onnx/external-data":         {"An ONNX tensor's external data points outside the model or does not fit", "Keep external data as relative files inside the model's directory; reject models whose paths are absolute, climb out or are links.", threatSupplyChain},
	"onnx/custom-domain":         {"An ONNX model uses operators of a custom domain", "Review the custom-operator library the model needs: it is native code.", threatSupplyChain},
	"onnx/function":              {"An ONNX model defines local functions", "Review local functions, especially any named like a standard operator.", threatBackdoor},
	"onnx/conditional-branch":    {"An ONNX graph branches on a condition computed from its inputs", "Review the subgraph named in the finding: a trigger in the input could switch the output (a graph backdoor).", threatBackdoor},
	"onnx/tensor-size":           {"An ONNX tensor's data does not match its type and dims", "Reject the model; runtimes that trust dims read out of bounds.", threatTampering},
	"onnx/malformed":             {"An ONNX model does not parse", "Regenerate the model from a trusted source.", threatTampering},
	"gguf/header":                {"A GGUF header is invalid", "Reject the file.", threatTampering},
	"gguf/metadata":              {"GGUF metadata does not parse", "Reject the file.", threatTampering},
	"gguf/duplicate-key":         {"A GGUF metadata key appears twice", "Reject the file: loaders disagree on its value.", threatTampering},
	"gguf/alignment":             {"A GGUF alignment is invalid", "Reject the file.", threatTampering},
	"gguf/tensor":                {"A GGUF tensor entry is inconsistent with the file", "Reject the file.", threatTampering},
	"gguf/overlap":               {"GGUF tensors overlap", "Reject the file.", threatTampering},
	"gguf/template-code":         {"A chat template reaches Python attributes or callables", "Replace the chat template with the publisher's, or render templates in a sandbox that denies attribute access.", threatLLMComponent},
	"gguf/template-hidden-text":  {"A chat template holds invisible characters", "Remove the invisible characters; compare the template with the publisher's.", threatLLMComponent},
	"gguf/template-instructions": {"A chat template adds text to every conversation", "Compare the template with the publisher's; remove instructions you did not write.", threatLLMComponent},
	"keras/lambda":               {"A Keras model has a Lambda layer (serialised Python code)", "Load with safe_mode=True (Keras 3) or rebuild the layer in code you control.", threatUnsafeLoading},
	"keras/custom-object":        {"A Keras model needs a custom object from outside Keras", "Review the module it imports before loading the model.", threatUnsafeLoading},
	"keras/tf-op":                {"A Keras TF-op layer reads or writes files or runs Python", "Review the layer; rebuild the model without it.", threatUnsafeLoading},
	"keras/config":               {"A JSON model config does not parse", "Regenerate the file.", threatTampering},
	"keras/not-analysed":         {"An HDF5 file's model config was not found", "Scan the model as a .keras archive or check it with h5py.", threatSupplyChain},
	"tf/io-op":                   {"A TensorFlow graph has operations that read or write files or run code", "Review why the graph needs them; serve it with those ops denied.", threatUnsafeLoading},
	"tf/malformed":               {"A SavedModel does not parse", "Regenerate the model from a trusted source.", threatTampering},
	"archive/bomb":               {"An archive member decompresses far beyond its size", "Reject the archive.", threatSupplyChain},
	"archive/size-mismatch":      {"An archive member's size differs from its header", "Reject the archive.", threatSupplyChain},
	"archive/path-traversal":     {"An archive member's name writes outside the extraction directory", "Reject the archive; extract with a tool that refuses such names.", threatSupplyChain},
	"archive/link":               {"An archive holds a link", "Reject links in model archives.", threatSupplyChain},
	"archive/device":             {"An archive holds a device or pipe", "Reject the archive.", threatSupplyChain},
	"archive/duplicate-member":   {"Two archive members share a name", "Reject the archive: loaders disagree on which they read.", threatTampering},
	"archive/not-decompressed":   {"Compressed data the scanner cannot decompress (xz, lz4)", "Decompress it and scan the content, or recompress with gzip or zlib.", threatSupplyChain},
	"archive/malformed":          {"An archive does not read", "Regenerate the archive.", threatSupplyChain},
	"file/symlink":               {"A model file is a symbolic link", "Replace the link by the file it points to after review.", threatSupplyChain},
	"file/not-regular":           {"A path among the model files is not a regular file", "Remove it.", threatSupplyChain},
	"file/misleading-extension":  {"A file's extension names a format its content is not", "Rename the file; trust the content's format, not the name.", threatSupplyChain},
	"file/polyglot":              {"A file is two formats at once", "Reject the file: two loaders see two different models.", threatSupplyChain},
	"file/read":                  {"A file could not be read", "Check the file.", threatSupplyChain},
	"limits/pickle-size":         {"A pickle is larger than the analysis limit", "Raise the limit or get the model in a format without code.", threatUnsafeLoading},
	"limits/pickle-values":       {"A pickle creates more values than the analysis limit", "Treat the file as unchecked.", threatUnsafeLoading},
	"limits/pickle-nesting":      {"Pickles are nested beyond the analysis limit", "Treat the file as unchecked.", threatUnsafeLoading},
	"limits/archive-depth":       {"Archives are nested beyond the limit", "Treat the archive as unchecked.", threatSupplyChain},
	"limits/archive-members":     {"An archive has more members than the limit", "Treat the archive as unchecked.", threatSupplyChain},
	"limits/member-size":         {"An archive member is larger than the limit", "Treat the member as unchecked.", threatSupplyChain},
	"limits/json-size":           {"A JSON config is larger than the limit", "Treat the file as unchecked.", threatSupplyChain},
	"limits/json-nesting":        {"A JSON config nests beyond the limit", "Treat the file as unchecked.", threatSupplyChain},
	"limits/onnx-nesting":        {"ONNX subgraphs nest beyond the limit", "Treat the model as unchecked.", threatSupplyChain},
}

// ruleName turns "pickle/unsafe-global" into "PickleUnsafeGlobal".
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if r == '/' || r == '-' || r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}
