// Records ONNX Runtime's outputs for the models that make_models.py wrote
// in the current directory, into its ort.json: the reference of
// TestTypesMatchONNXRuntime (run in testdata/types) and of
// TestSignalMatchONNXRuntime (run in testdata/signal).
//
// Needs npm's onnxruntime-node (installed with ONNXRUNTIME_NODE_INSTALL=skip):
//   ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix /tmp/ort onnxruntime-node@1.30.0
//   NODE_PATH=/tmp/ort/node_modules node run_ort.js          (in testdata/types)
//   NODE_PATH=/tmp/ort/node_modules node ../types/run_ort.js (in testdata/signal)
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const arrays = { float64: Float64Array, float32: Float32Array };

(async () => {
  const inputs = JSON.parse(fs.readFileSync('inputs.json', 'utf8'));
  const out = {};
  for (const name of Object.keys(inputs).sort()) {
    const s = await ort.InferenceSession.create(name + '.onnx', { intraOpNumThreads: 1 });
    const feeds = {};
    for (const [k, x] of Object.entries(inputs[name])) {
      const data = x.type === 'string' ? x.data : arrays[x.type].from(x.data);
      feeds[k] = new ort.Tensor(x.type, data, x.shape);
    }
    const res = await s.run(feeds);
    out[name] = {};
    for (const o of s.outputNames) {
      const t = res[o];
      out[name][o] = { type: t.type, dims: Array.from(t.dims), data: Array.from(t.data, (v) => (typeof v === 'bigint' ? Number(v) : v)) };
    }
  }
  out._runtime = 'onnxruntime-node ' + require('onnxruntime-node/package.json').version;
  fs.writeFileSync('ort.json', JSON.stringify(out) + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
