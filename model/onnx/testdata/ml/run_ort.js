// Records ONNX Runtime's outputs for the models that make_models.py wrote,
// into ort.json, the reference of TestMLOperatorsMatchONNXRuntime.
//
// Needs npm's onnxruntime-node (installed with ONNXRUNTIME_NODE_INSTALL=skip):
//   ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix /tmp/ort onnxruntime-node@1.30.0
//   NODE_PATH=/tmp/ort/node_modules node run_ort.js
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

(async () => {
  const inputs = JSON.parse(fs.readFileSync('inputs.json', 'utf8'));
  const out = {};
  for (const name of Object.keys(inputs).sort()) {
    const s = await ort.InferenceSession.create(name + '.onnx', { intraOpNumThreads: 1 });
    const x = inputs[name];
    const data = Float32Array.from(x.data, (v) => (v === null ? NaN : v));
    // ZipMap's sequence-of-maps output is not a tensor: leave it out.
    const fetch = s.outputNames.filter((o) => o !== 'zipped');
    const res = await s.run({ X: new ort.Tensor('float32', data, x.shape) }, fetch);
    out[name] = {};
    for (const o of fetch) {
      const t = res[o];
      out[name][o] = { type: t.type, dims: Array.from(t.dims), data: Array.from(t.data, (v) => (typeof v === 'bigint' ? Number(v) : v)) };
    }
  }
  out._runtime = 'onnxruntime-node ' + require('onnxruntime-node/package.json').version;
  fs.writeFileSync('ort.json', JSON.stringify(out) + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
