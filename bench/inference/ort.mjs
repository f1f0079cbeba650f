// Times ONNX Runtime (npm onnxruntime-node, CPU, one thread, sequential
// execution) on the cases that inferbench wrote to DIR/cases.json, the same
// way inferbench times aiassure: warm-up for REP_MS, then REPS repetitions of
// as many calls as the warm-up made; call i feeds input slice i mod count.
// Writes DIR/ort-RUN.json (samples/s per repetition) and the outputs of one
// pass over the inputs (DIR/<case>.b<batch>.ort.f32) for inferbench -report.
//
//   ORT_DIR=/tmp/aiassure-bench-ort node bench/inference/ort.mjs DIR RUN
//
// ORT_DIR is the directory where onnxruntime-node@1.30.0 is installed.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [dir, run = '0'] = process.argv.slice(2);
if (!dir || !process.env.ORT_DIR) {
  console.error('usage: ORT_DIR=<install dir> node ort.mjs DIR [RUN]');
  process.exit(2);
}
const require = createRequire(path.join(process.env.ORT_DIR, 'package.json'));
const ort = require('onnxruntime-node');
const version = require('onnxruntime-node/package.json').version;
const reps = Number(process.env.REPS || 5);
const repMs = Number(process.env.REP_MS || 300);
const rows = 256;
const batches = [1, rows];

const readF32 = (f) => new Float32Array(new Uint8Array(fs.readFileSync(f)).buffer);
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8'));
const res = { runtime: 'onnxruntime-node ' + version, rates: {} };
for (const c of cases) {
  const session = await ort.InferenceSession.create(c.model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const data = readF32(c.in);
  const per = data.length / rows;
  res.rates[c.name] = {};
  for (const bs of batches) {
    const feeds = [];
    for (let lo = 0; lo < rows; lo += bs) {
      const x = data.subarray(lo * per, (lo + bs) * per);
      feeds.push({ [c.input]: new ort.Tensor('float32', x, [bs, ...c.shape.slice(1)]) });
    }
    const out = [];
    for (const f of feeds) {
      const y = await session.run(f, [c.output]);
      out.push(...y[c.output].data);
    }
    const file = path.join(dir, `${c.name.replaceAll('/', '_')}.b${bs}.ort.f32`);
    fs.writeFileSync(file, Buffer.from(Float32Array.from(out).buffer));
    const calls = async (n) => {
      for (let i = 0; i < n; i++) await session.run(feeds[i % feeds.length], [c.output]);
    };
    let n = 0;
    for (const start = now(); now() - start < repMs; n += 16) await calls(16);
    const rates = [];
    for (let r = 0; r < reps; r++) {
      const start = now();
      await calls(n);
      rates.push((n * bs) / ((now() - start) / 1e3));
    }
    res.rates[c.name][String(bs)] = rates;
    const med = [...rates].sort((a, b) => a - b)[rates.length >> 1];
    console.error(`ORT      ${c.name.padEnd(28)} batch ${String(bs).padStart(3)}: ${med.toFixed(0).padStart(12)} samples/s`);
  }
  await session.release();
}
fs.writeFileSync(path.join(dir, `ort-${run}.json`), JSON.stringify(res));
