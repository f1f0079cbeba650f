// ONNX Runtime's outputs for the real-model cases of model/onnx (docs/onnx.md, "Real models").
//
//   (cd tools/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci)   # onnxruntime-node, pinned in package-lock.json
//   tools/fetch_real_models.sh                                # the published models, into the cache
//   node tools/ort_real.mjs [--cache DIR] [--bench]
//
// For every case of model/onnx/testdata/real/models.json it makes the inputs (a fixed generator
// seeded by the case name), runs the model in ONNX Runtime (one thread, default optimisation
// level) and writes <case>.ort.json next to the model: the inputs and every requested output at
// full float32 precision. Cases of published models ("cache": true) read and write DIR
// ($AIASSURE_REAL_MODELS, default ~/.cache/aiassure/onnx-real) and are skipped, with a line
// saying so, when the model is not there.
//
// --bench instead times ONNX Runtime on the benchmark models (bench/onnx-real) and prints one
// JSON line per model, batch and thread count: {"model","batch","threads","per_second",
// "per_cpu_second"} (samples per second of wall clock and of the process's CPU time).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const require = createRequire(path.join(here, 'ort', 'package.json'));
const ort = require('onnxruntime-node');
const ortVersion = require('onnxruntime-node/package.json').version;
const realDir = path.join(root, 'model', 'onnx', 'testdata', 'real');

// mulberry32: a small, well-known 32-bit generator; the Go test only reads the inputs written.
function generator(name) {
  let s = 0;
  for (const c of createHash('sha256').update(name).digest().subarray(0, 4)) s = (s << 8) | c;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeInput(spec, rand) {
  const n = spec.dims.reduce((a, b) => a * b, 1);
  const vals = new Array(n);
  const [rows, cols] = spec.dims.length ? [spec.dims[0], n / spec.dims[0]] : [1, 1];
  for (let i = 0; i < n; i++) {
    switch (spec.gen) {
      case 'uniform':
        vals[i] = Math.fround(spec.lo + (spec.hi - spec.lo) * rand());
        break;
      case 'ids':
        vals[i] = Math.floor(spec.hi * rand());
        break;
      case 'const':
        vals[i] = spec.value;
        break;
      case 'mask':
        vals[i] = i % cols < cols - 3 * (Math.floor(i / cols) % Math.max(1, Math.floor(cols / 6))) ? 1 : 0;
        break;
      default:
        throw new Error(`input ${spec.name}: unknown gen ${spec.gen}`);
    }
  }
  if (rows * cols !== n) throw new Error(`input ${spec.name}: bad dims`);
  let data;
  if (spec.type === 'float32') data = Float32Array.from(vals);
  else if (spec.type === 'int64') data = BigInt64Array.from(vals, (v) => BigInt(v));
  else throw new Error(`input ${spec.name}: type ${spec.type} not handled`);
  return { json: { name: spec.name, dtype: spec.type, dims: spec.dims, data: vals }, tensor: new ort.Tensor(spec.type, data, spec.dims) };
}

function modelPath(c, cache) {
  return c.cache ? path.join(cache, c.model) : path.join(realDir, c.model);
}

async function session(file, threads) {
  return ort.InferenceSession.create(readFileSync(file), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
}

async function record(cases, cache) {
  for (const c of cases) {
    const file = modelPath(c, cache);
    if (!existsSync(file)) {
      console.log(`ort ${c.case}: skipped, ${file} is not there (tools/fetch_real_models.sh)`);
      continue;
    }
    const rand = generator(c.case);
    const inputs = c.inputs.map((spec) => makeInput(spec, rand));
    const s = await session(file, 1);
    const fetch = c.outputs || s.outputNames;
    const res = await s.run(Object.fromEntries(inputs.map((x) => [x.json.name, x.tensor])), fetch);
    const ref = {
      case: c.case,
      model: c.model,
      model_sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
      runtime: `onnxruntime-node ${ortVersion}`,
      inputs: inputs.map((x) => x.json),
      outputs: fetch.map((o) => ({
        name: o,
        dtype: res[o].type,
        dims: Array.from(res[o].dims),
        data: Array.from(res[o].data, (v) => (typeof v === 'bigint' ? Number(v) : v)),
      })),
    };
    const out = path.join(path.dirname(file), `${c.case}.ort.json`);
    writeFileSync(out, JSON.stringify(ref) + '\n');
    console.log(`ort ${c.case}: ${fetch.join(', ')} -> ${out}`);
    await s.release();
  }
}

// bench times s.run on the encoder and the CNN: batches 1 and 32, one thread and all cores.
async function bench() {
  const models = [
    { name: 'bert_tiny_embeds', file: 'bert_tiny_embeds.onnx', dims: (b) => [b, 16, 64] },
    { name: 'resnet_tiny', file: 'resnet_tiny.onnx', dims: (b) => [b, 3, 32, 32] },
  ];
  const seconds = Number(process.env.BENCH_SECONDS || 2);
  for (const m of models) {
    for (const threads of [1, os.availableParallelism()]) {
      const s = await session(path.join(realDir, m.file), threads);
      for (const batch of [1, 32]) {
        const dims = m.dims(batch);
        const rand = generator(m.name);
        const x = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() - 0.5);
        const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x, dims) };
        for (let i = 0; i < 5; i++) await s.run(feeds);
        let runs = 0;
        const cpu0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        let dt = 0;
        while (dt < seconds) {
          await s.run(feeds);
          runs++;
          dt = Number(process.hrtime.bigint() - t0) / 1e9;
        }
        const cpu = process.cpuUsage(cpu0);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        console.log(JSON.stringify({ model: m.name, batch, threads, per_second: (runs * batch) / dt, per_cpu_second: (runs * batch) / cpuSeconds }));
      }
      await s.release();
    }
  }
}

async function main() {
  const args = process.argv.slice(2);
  let cache = process.env.AIASSURE_REAL_MODELS || path.join(os.homedir(), '.cache', 'aiassure', 'onnx-real');
  const i = args.indexOf('--cache');
  if (i >= 0) cache = args[i + 1];
  if (args.includes('--bench')) return bench();
  const { cases } = JSON.parse(readFileSync(path.join(realDir, 'models.json'), 'utf8'));
  return record(cases, cache);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
