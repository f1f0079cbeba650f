// Reference outputs from ONNX Runtime for the example models.
//
//   ORT_DIR=/tmp/ort node tools/ort_reference.mjs [--full DIR] examples/NAME ...
//
// For each examples/NAME/model/expected.json it runs every model listed there
// on examples/NAME/data/test.csv (all rows, one batch, one thread) and writes
// examples/NAME/model/<model>.ort.json: the first 64 input rows and the
// outputs for them, at full float32 precision. With --full DIR it also writes
// the outputs for all rows to DIR/NAME__<model>.json (tools/make_examples.py
// compares those with scikit-learn and PyTorch).
//
// onnxruntime-node is loaded from $ORT_DIR/node_modules (install it there with
// ONNXRUNTIME_NODE_INSTALL=skip; see tools/README.md), never from the repo.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const REF_ROWS = 64;

const ortDir = process.env.ORT_DIR || '/tmp/ort';
const require = createRequire(path.join(path.resolve(ortDir), 'package.json'));
const ort = require('onnxruntime-node');
const ortVersion = JSON.parse(
  readFileSync(path.join(ortDir, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8'),
).version;

function readCSV(file, labelColumn) {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const li = header.indexOf(labelColumn);
  if (li < 0) throw new Error(`${file}: no column ${labelColumn}`);
  const rows = lines.slice(1).map((l, i) => {
    const cells = l.split(',');
    if (cells.length !== header.length) throw new Error(`${file}:${i + 2}: ${cells.length} cells, want ${header.length}`);
    return cells.filter((_, j) => j !== li).map(Number);
  });
  return { ncols: header.length - 1, rows };
}

// plain converts a tensor's data to JSON numbers (int64 arrives as BigInt).
function plain(t, n) {
  const per = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return Array.from(t.data.slice(0, n * per), (v) => Number(v));
}

function describe(name, t, n) {
  return { name, dtype: t.type, dims: [n, ...t.dims.slice(1)], data: plain(t, n) };
}

async function main() {
  const args = process.argv.slice(2);
  let full = null;
  if (args[0] === '--full') {
    full = args[1];
    args.splice(0, 2);
  }
  if (args.length === 0) throw new Error('usage: node tools/ort_reference.mjs [--full DIR] examples/NAME ...');
  for (const dir of args) {
    const name = path.basename(path.resolve(dir));
    const expected = JSON.parse(readFileSync(path.join(dir, 'model', 'expected.json'), 'utf8'));
    const features = JSON.parse(readFileSync(path.join(dir, 'data', 'features.json'), 'utf8'));
    const { ncols, rows } = readCSV(path.join(dir, expected.data), features.label);
    const flat = Float32Array.from(rows.flat());
    for (const [file, spec] of Object.entries(expected.models)) {
      const modelPath = path.join(dir, 'model', file);
      const bytes = readFileSync(modelPath);
      const shape = [rows.length, ...spec.input.shape.slice(1)];
      if (shape.slice(1).reduce((a, b) => a * b, 1) !== ncols) {
        throw new Error(`${modelPath}: input shape ${spec.input.shape} does not fit ${ncols} columns`);
      }
      const session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
      const feeds = { [spec.input.name]: new ort.Tensor('float32', flat, shape) };
      const res = await session.run(feeds);
      const n = Math.min(REF_ROWS, rows.length);
      const ref = {
        model: file,
        model_sha256: createHash('sha256').update(bytes).digest('hex'),
        runtime: `onnxruntime-node ${ortVersion}`,
        data: expected.data,
        rows: n,
        inputs: [describe(spec.input.name, feeds[spec.input.name], n)],
        outputs: spec.outputs.map((o) => describe(o, res[o], n)),
      };
      const out = path.join(dir, 'model', file.replace(/\.onnx$/, '.ort.json'));
      writeFileSync(out, JSON.stringify(ref) + '\n');
      console.log(`ort ${name}/${file}: ${rows.length} rows, wrote ${n} to ${path.relative(process.cwd(), out)}`);
      if (full) {
        const all = Object.fromEntries(spec.outputs.map((o) => [o, describe(o, res[o], rows.length)]));
        writeFileSync(path.join(full, `${name}__${file}.json`), JSON.stringify(all));
      }
      await session.release();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
