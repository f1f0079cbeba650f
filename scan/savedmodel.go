package scan

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aiassure/aiassure"
)

// TensorFlow operations that reach outside the graph, by what they do.
// Save and Restore ops are in every SavedModel's saver and are only
// counted.
var tfOps = map[string]struct {
	sev  Severity
	what string
}{
	"PyFunc": {aiassure.Critical, "runs Python"}, "PyFuncStateless": {aiassure.Critical, "runs Python"},
	"EagerPyFunc": {aiassure.Critical, "runs Python"},
	"ReadFile":    {aiassure.High, "reads a file"}, "WriteFile": {aiassure.High, "writes a file"},
	"MatchingFiles": {aiassure.High, "lists files"}, "ImmutableConst": {aiassure.High, "maps a file into memory"},
	"WholeFileReader": {aiassure.High, "reads files"}, "WholeFileReaderV2": {aiassure.High, "reads files"},
	"TextLineReader": {aiassure.High, "reads files"}, "TextLineReaderV2": {aiassure.High, "reads files"},
	"FixedLengthRecordReader": {aiassure.High, "reads files"}, "FixedLengthRecordReaderV2": {aiassure.High, "reads files"},
	"TFRecordReader": {aiassure.High, "reads files"}, "TFRecordReaderV2": {aiassure.High, "reads files"},
	"TextLineDataset": {aiassure.High, "reads files"}, "TFRecordDataset": {aiassure.High, "reads files"},
	"FixedLengthRecordDataset": {aiassure.High, "reads files"}, "LoadAndRemapMatrix": {aiassure.High, "reads a checkpoint file"},
	"InitializeTableFromTextFile": {aiassure.Medium, "reads a vocabulary file"}, "InitializeTableFromTextFileV2": {aiassure.Medium, "reads a vocabulary file"},
	"CreateSummaryFileWriter": {aiassure.High, "writes files"}, "WriteSummary": {aiassure.Medium, "writes summaries"},
	"DebugIdentity": {aiassure.Medium, "sends tensors to a debug URL or file"}, "DebugIdentityV2": {aiassure.Medium, "sends tensors to a debug URL or file"},
	"PrintV2": {aiassure.Low, "prints, possibly to a file"}, "Socket": {aiassure.Critical, "opens a network socket"},
	"DeleteFile": {aiassure.High, "deletes files"}, "RecursivelyCreateDir": {aiassure.High, "creates directories"},
	"ShardedFilespec": {aiassure.Info, "names checkpoint files"}, "MergeV2Checkpoints": {aiassure.Info, "merges and deletes checkpoint files"},
}

var tfSaverOps = map[string]bool{"SaveV2": true, "Save": true, "SaveSlices": true, "RestoreV2": true, "Restore": true, "RestoreSlice": true,
	"ShardedFilename": true, "MergeV2Checkpoints": true, "StringJoin": true}

// savedModel walks saved_model.pb: every MetaGraphDef's GraphDef nodes
// and the nodes of its function library, and reports the operations that
// read or write files or run code.
func (c *ctxScan) savedModel(p string, r io.ReaderAt, size int64) []string {
	ops := map[string][]string{} // op -> node names
	nodes := 0
	var walkNode func(w *wire)
	walkNode = func(w *wire) {
		name, op := "", ""
		for w.more() {
			f, typ, err := w.next()
			if err != nil {
				break
			}
			switch {
			case f == 1 && typ == 2:
				name = w.str()
			case f == 2 && typ == 2:
				op = w.str()
			default:
				_ = w.skip(typ)
			}
		}
		nodes++
		if len(ops[op]) < 20 {
			ops[op] = append(ops[op], name)
		} else if len(ops[op]) == 20 {
			ops[op] = append(ops[op], "…")
		}
	}
	// fields: SavedModel.meta_graphs=2; MetaGraphDef.graph_def=2;
	// GraphDef.node=1, library=2; FunctionDefLibrary.function=1;
	// FunctionDef.node_def=3.
	each := func(w *wire, field uint64, fn func(*wire)) {
		for w.more() {
			f, typ, err := w.next()
			if err != nil {
				break
			}
			if f == field && typ == 2 {
				m, err := w.message()
				if err != nil {
					break
				}
				fn(m)
				continue
			}
			_ = w.skip(typ)
		}
	}
	top := newWire(r, 0, size)
	each(top, 2, func(mg *wire) {
		each(mg, 2, func(gd *wire) {
			for gd.more() {
				f, typ, err := gd.next()
				if err != nil {
					break
				}
				if typ != 2 || (f != 1 && f != 2) {
					_ = gd.skip(typ)
					continue
				}
				m, err := gd.message()
				if err != nil {
					break
				}
				if f == 1 {
					walkNode(m)
				} else {
					each(m, 1, func(fd *wire) { each(fd, 3, walkNode) })
				}
			}
		})
	})
	if top.err != nil {
		c.addf("tf/malformed", aiassure.Medium, p, top.pos, "saved_model.pb does not parse to its end: %v", top.err)
	}
	names := make([]string, 0, len(ops))
	for op := range ops {
		names = append(names, op)
	}
	sort.Strings(names)
	saver := 0
	for _, op := range names {
		if tfSaverOps[op] {
			saver += len(ops[op])
			continue
		}
		if d, ok := tfOps[op]; ok {
			c.add(Finding{Rule: "tf/io-op", Severity: d.sev, Path: p,
				Message:  fmt.Sprintf("%d %s node(s): the operation %s when the graph runs", len(ops[op]), op, d.what),
				Evidence: append([]string{op}, ops[op]...)})
		}
	}
	return []string{fmt.Sprintf("%d nodes, %d distinct ops, %d checkpoint save/restore nodes; ops: %s", nodes, len(ops), saver, clip(strings.Join(names, " "), 400))}
}
