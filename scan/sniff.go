package scan

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
)

// Format is a file format the scanner recognises by content.
type Format string

// The formats.
const (
	FormatUnknown     Format = "unknown"
	FormatPickle      Format = "pickle"
	FormatPyTorchZip  Format = "pytorch-zip" // torch.save since 1.6: a zip with */data.pkl
	FormatNPY         Format = "npy"
	FormatNPZ         Format = "npz"
	FormatSafetensors Format = "safetensors"
	FormatONNX        Format = "onnx"
	FormatGGUF        Format = "gguf"
	FormatHDF5        Format = "hdf5"          // Keras 2 .h5 and other HDF5
	FormatKeras       Format = "keras"         // Keras 3 .keras: a zip with config.json
	FormatKerasConfig Format = "json-config"   // a JSON model config or tokenizer config
	FormatSavedModel  Format = "tf-savedmodel" // saved_model.pb
	FormatZip         Format = "zip"
	FormatTar         Format = "tar"
	FormatGzip        Format = "gzip"
	FormatZlib        Format = "zlib"  // joblib.dump(compress=...) writes zlib by default
	FormatBzip2       Format = "bzip2" // and bz2 when asked
	FormatXZ          Format = "xz"    // xz, lzma and lz4 are recognised, not decompressed
	FormatLZ4         Format = "lz4"
)

var hdf5Magic = []byte("\x89HDF\r\n\x1a\n")

// sniff names the format of a file from its first bytes (head) and, for
// zip and protobuf, its structure. For a zip it returns the opened view.
func sniff(head []byte, r io.ReaderAt, size int64) (Format, *zipView) {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		z, err := openZip(r, size)
		if err != nil {
			return FormatZip, nil // zipArchive reports it
		}
		return z.kind(), z
	case bytes.HasPrefix(head, []byte("GGUF")):
		return FormatGGUF, nil
	case bytes.HasPrefix(head, []byte("\x93NUMPY")):
		return FormatNPY, nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return FormatGzip, nil
	case len(head) >= 2 && head[0] == 0x78 && head[1]&0x20 == 0 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0:
		// zlib with a 32 KiB window (what zlib and joblib write), no preset dictionary
		return FormatZlib, nil
	case bytes.HasPrefix(head, []byte("BZh")) && len(head) > 3 && head[3] >= '1' && head[3] <= '9':
		return FormatBzip2, nil
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		return FormatXZ, nil
	case bytes.HasPrefix(head, []byte{0x04, 0x22, 0x4d, 0x18}):
		return FormatLZ4, nil
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return FormatTar, nil
	}
	for _, off := range []int64{0, 512, 1024, 2048} {
		if int64(len(head)) >= off+8 && bytes.Equal(head[off:off+8], hdf5Magic) {
			return FormatHDF5, nil
		}
	}
	if isSafetensors(head, size) {
		return FormatSafetensors, nil
	}
	if looksLikePickle(head) {
		return FormatPickle, nil
	}
	if t := trimSpace(head); len(t) > 0 && t[0] == '{' {
		if bytes.Contains(head, []byte(`"class_name"`)) || bytes.Contains(head, []byte(`"chat_template"`)) ||
			bytes.Contains(head, []byte(`"registered_name"`)) || bytes.Contains(head, []byte(`"module"`)) {
			return FormatKerasConfig, nil
		}
		return FormatUnknown, nil
	}
	switch protoKind(r, size) {
	case "onnx":
		return FormatONNX, nil
	case "savedmodel":
		return FormatSavedModel, nil
	}
	return FormatUnknown, nil
}

func trimSpace(b []byte) []byte { return bytes.TrimLeft(b, " \t\r\n\ufeff") }

// isSafetensors: an 8-byte little-endian header length that fits the
// file, followed by a JSON object.
func isSafetensors(head []byte, size int64) bool {
	if len(head) < 10 {
		return false
	}
	n := binary.LittleEndian.Uint64(head)
	if n >= 2 && n <= uint64(size-8) && head[8] == '{' {
		return true
	}
	// a header length that does not fit is still safetensors if a JSON
	// object begins where the header should: safetensors() reports it
	return n >= 2 && head[8] == '{' && head[9] == '"'
}

// looksLikePickle decodes opcodes from the start of head: a pickle begins
// with PROTO or with an opcode that makes sense first, and its opcodes are
// all valid up to STOP or the end of what was read.
func looksLikePickle(head []byte) bool {
	if len(head) < 2 {
		return false
	}
	if head[0] == opPROTO {
		return head[1] <= 5
	}
	if !strings.ContainsRune("(cd}l]KJMNIFSVUTXGBCPi\x8c\x80", rune(head[0])) {
		return false
	}
	n, ok := 0, true
	for p := 0; p < len(head); {
		op := head[p]
		if op == opSTOP {
			return n >= 1
		}
		adv, valid := opcodeLength(head[p:])
		if !valid {
			ok = false
			break
		}
		if adv < 0 { // runs past head: fine if we have seen enough
			break
		}
		n++
		p += adv
	}
	return ok && n >= 3
}

// protoKind tells ONNX's ModelProto from TensorFlow's SavedModel by their
// top-level fields (without reading payloads), or "".
func protoKind(r io.ReaderAt, size int64) string {
	if size < 2 {
		return ""
	}
	w := newWire(r, 0, size)
	seen := map[uint64]bool{}
	n := 0
	for w.more() && n < 64 {
		f, typ, err := w.next()
		if err != nil {
			return ""
		}
		if f == 0 || f > 32 {
			return ""
		}
		seen[f] = true
		n++
		if err := w.skip(typ); err != nil {
			return ""
		}
	}
	if w.err != nil {
		return ""
	}
	switch {
	case seen[7] || seen[8]:
		return "onnx"
	case seen[2] && len(seen) <= 2 && (len(seen) == 1 || seen[1]):
		return "savedmodel"
	}
	return ""
}
