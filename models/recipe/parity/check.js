#!/usr/bin/env node
// ONNX side of the parity check (models/recipe/parity/run.sh): runs MODEL_DIR/model.onnx with
// onnxruntime-node on the cases written by reference.py and compares with the PyTorch results.
// Per case: full forward over the sequence with p = 0, keep present_*[cache rows] as the cache,
// run the window against it. Fails (exit 1) when entropy differs by more than --tol (1e-3) or an
// argmax differs. Usage: node check.js MODEL_DIR CASES_JSON [--tol 1e-3]
'use strict';
const path = require('path');
const fs = require('fs');
const ort = require('onnxruntime-node');

function int64(values) {
  return new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), [1, values.length]);
}

function inputNames(session) {
  return session.inputNames.filter((n) => n.startsWith('past_key_') || n.startsWith('past_value_'));
}

function emptyPast(session, kvHeads, headDim) {
  const feeds = {};
  for (const name of inputNames(session)) {
    feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, 0, kvHeads, headDim]);
  }
  return feeds;
}

// Rows `rows` of a present tensor [1, n, kvH, hd] as a past tensor [1, rows.length, kvH, hd].
function gatherRows(tensor, rows) {
  const [, , kvH, hd] = tensor.dims;
  const stride = kvH * hd;
  const out = new Float32Array(rows.length * stride);
  rows.forEach((r, i) => out.set(tensor.data.subarray(r * stride, (r + 1) * stride), i * stride));
  return new ort.Tensor('float32', out, [1, rows.length, kvH, hd]);
}

async function runCase(session, manifest, c) {
  const full = await session.run({
    input_ids: int64(c.ids), position_ids: int64(c.pos),
    ...emptyPast(session, manifest.numKvHeads, manifest.headDim),
  });
  const feeds = { input_ids: int64(c.window.map((r) => c.ids[r])), position_ids: int64(c.window.map((r) => c.pos[r])) };
  for (const name of inputNames(session)) {
    feeds[name] = gatherRows(full[name.replace('past_', 'present_')], c.cache);
  }
  const out = await session.run(feeds);
  const n = c.window.length;
  for (const name of Object.keys(out)) {
    if (out[name].dims[1] !== n) throw new Error(`${name}: dims ${out[name].dims}, want n=${n}`);
  }
  return out;
}

function compare(c, out) {
  const e = c.expected;
  let entropyDiff = 0, confDiff = 0, argmaxMismatch = 0, minGap = Infinity;
  const k = out.topk_ids.dims[2];
  for (let i = 0; i < e.entropy.length; i++) {
    entropyDiff = Math.max(entropyDiff, Math.abs(out.entropy.data[i] - e.entropy[i]));
    confDiff = Math.max(confDiff, Math.abs(out.confidence.data[i] - e.confidence[i]));
    if (Number(out.token.data[i]) !== e.token[i]) argmaxMismatch++;
    if (Number(out.topk_ids.data[i * k]) !== Number(out.token.data[i])) argmaxMismatch++;
    minGap = Math.min(minGap, e.top2_gap[i]);
  }
  return { entropyDiff, confDiff, argmaxMismatch, minGap };
}

async function main() {
  const args = process.argv.slice(2);
  const tolAt = args.indexOf('--tol');
  const tol = tolAt >= 0 ? Number(args.splice(tolAt, 2)[1]) : 1e-3;
  const [modelDir, casesPath] = args;
  const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
  const { cases } = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
  const session = await ort.InferenceSession.create(path.join(modelDir, 'model.onnx'), { intraOpNumThreads: 1 });
  let failed = false;
  for (const c of cases) {
    const r = compare(c, await runCase(session, manifest, c));
    const ok = r.entropyDiff <= tol && r.argmaxMismatch === 0;
    failed = failed || !ok;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name}: n=${c.window.length} p=${c.cache.length} ` +
      `entropy max|diff|=${r.entropyDiff.toExponential(2)} confidence max|diff|=${r.confDiff.toExponential(2)} ` +
      `argmax mismatches=${r.argmaxMismatch} (smallest top1-top2 logp gap ${r.minGap.toExponential(2)})`);
  }
  console.log(failed ? 'PARITY FAILED' : `PARITY OK (tolerance ${tol})`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => { console.error(err); process.exit(2); });
