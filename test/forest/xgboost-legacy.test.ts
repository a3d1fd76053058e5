// XGBoost's legacy binary format (format 'xgboost', FIL's model_type "xgboost") against
// test/fixtures-xgboost-legacy (made by test/python/make_xgboost_legacy_fixtures.py with
// XGBoost 1.7.4): margin and predict() match XGBoost, the same booster saved as JSON builds the
// same forest, detection goes by content, damaged files are typed errors, and a FIL repository
// that names no model_type serves 1/xgboost.model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LarchError, loadModel, type Model } from '../../lib/index.js';
import { root } from '../../lib/native.js';
import { ModelRepository } from '../../lib/repository/repository.js';
import '../../lib/backends/index.js';
import { firstMismatch } from './fixtures.js';

const DIR = path.join(root, 'test', 'fixtures-xgboost-legacy');

interface LegacyCase {
  id: string;
  objective: string;
  model_file: string;
  json_file: string;
  num_feature: number;
  num_tree: number;
  expected_margin_file: string;
  expected_margin_shape: number[];
  expected_value_file: string;
  expected_value_shape: number[];
  tolerance: { abs: number; rel: number };
}
const manifest = JSON.parse(readFileSync(path.join(DIR, 'MANIFEST.json'), 'utf8')) as {
  cases: LegacyCase[];
  input: { file: string; shape: [number, number] };
  headerless: { model_file: string; same_as: string };
};
const f32 = (file: string) => {
  const b = readFileSync(path.join(DIR, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const X = f32(manifest.input.file);
const ROWS = manifest.input.shape[0];
const caseOf = (id: string) => manifest.cases.find((c) => c.id === id)!;

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: { abs: number; rel: number }, what: string) {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, expected ${want.length}`);
  const bad = firstMismatch(got, want, tol);
  assert.equal(bad, null, `${what}: element ${bad?.index} is ${bad?.got}, expected ${bad?.want}`);
}

const typedError = (codes: string[], re: RegExp = /./) => (e: unknown) =>
  LarchError.is(e) && codes.includes(e.code) && re.test(e.message);

test('the legacy fixtures cover the objectives and boosters asked for', () => {
  const objectives = new Set(manifest.cases.map((c) => c.objective));
  for (const o of ['binary:logistic', 'reg:squarederror', 'multi:softprob', 'multi:softmax', 'count:poisson'])
    assert.ok(objectives.has(o), `no legacy model for ${o}`);
  assert.ok(manifest.cases.some((c) => c.id === 'dart_binary'));
  assert.ok(manifest.cases.some((c) => c.num_tree >= 50));
});

for (const c of manifest.cases) {
  test(`xgboost legacy ${c.id} (${c.objective}): margin and value match XGBoost; the JSON copy predicts identically`, async () => {
    const binary = await loadModel(path.join(DIR, c.model_file));  // detected from the content
    const explicit = await loadModel(readFileSync(path.join(DIR, c.model_file)), { format: 'xgboost' });
    const json = await loadModel(path.join(DIR, c.json_file), { format: 'xgboost_json' });
    for (const m of [binary, explicit]) {
      assert.equal(m.numFeature, c.num_feature);
      assert.equal(m.numTree, json.numTree);
    }
    const margin = await binary.predict(X, { rows: ROWS, output: 'margin' });
    const value = await binary.predict(X, { rows: ROWS, output: 'value' });
    assertClose(margin, f32(c.expected_margin_file), c.tolerance, `${c.model_file} margin`);
    assertClose(value, f32(c.expected_value_file), c.tolerance, `${c.model_file} value`);
    assert.equal(margin.length, c.expected_margin_shape.reduce((a, b) => a * b, 1));
    for (const m of [explicit, json]) {
      assert.deepEqual(await m.predict(X, { rows: ROWS, output: 'margin' }), margin);
      assert.deepEqual(await m.predict(X, { rows: ROWS, output: 'value' }), value);
    }
    // One builder for both formats: the forests serialise to the same Treelite checkpoint.
    assert.deepEqual(Buffer.from(binary.toTreelite()), Buffer.from(json.toTreelite()), 'binary and JSON forests differ');
  });
}

test('xgboost legacy: the XGBoost 1.0-1.4 layout without the "binf" header loads and predicts the same', async () => {
  const headerless = await loadModel(path.join(DIR, manifest.headerless.model_file));
  const withHeader = await loadModel(path.join(DIR, caseOf(manifest.headerless.same_as).model_file));
  assert.deepEqual(await headerless.predict(X, { output: 'margin' }), await withHeader.predict(X, { output: 'margin' }));
  // Detected by content alone: the objective and booster names after the learner parameters.
  const bytes = readFileSync(path.join(DIR, manifest.headerless.model_file));
  assert.notEqual(bytes.subarray(0, 4).toString('latin1'), 'binf');
  assert.equal((await loadModel(bytes)).numTree, withHeader.numTree);
});

test('xgboost legacy: a JSON or UBJSON file given as format xgboost says what it is', async () => {
  const json = readFileSync(path.join(DIR, caseOf('binary_logistic').json_file));
  await assert.rejects(loadModel(json, { format: 'xgboost' }), typedError(['INVALID_ARGUMENT'], /XGBoost binary: .*xgboost_json/));
});

/** binary_logistic.model with its pieces, for building variants. */
function pieces() {
  const bytes = readFileSync(path.join(DIR, caseOf('binary_logistic').model_file));
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'binf');
  const params = bytes.subarray(4, 140);
  let at = 140;
  const str = () => {
    const n = Number(bytes.readBigUInt64LE(at));
    const s = bytes.subarray(at, at + 8 + n);
    at += 8 + n;
    return s;
  };
  const objective = str();
  const booster = str();
  return { bytes, params, objective, booster, rest: bytes.subarray(at) };
}
const u64str = (s: string) => {
  const b = Buffer.alloc(8 + s.length);
  b.writeBigUInt64LE(BigInt(s.length));
  b.write(s, 8, 'latin1');
  return b;
};

test('xgboost legacy: gblinear, pre-1.0 files and trailing bytes are refused precisely', async () => {
  const { bytes, params, objective, rest } = pieces();
  const header = Buffer.from('binf');
  const linear = Buffer.concat([header, params, objective, u64str('gblinear'), rest]);
  await assert.rejects(loadModel(linear, { format: 'xgboost' }), typedError(['UNSUPPORTED'], /booster 'gblinear' .* at byte/));
  const old = Buffer.from(bytes);
  old.writeUInt32LE(0, 4 + 20);  // major_version
  old.writeUInt32LE(90, 4 + 24);  // minor_version
  await assert.rejects(loadModel(old, { format: 'xgboost' }), typedError(['UNSUPPORTED'], /XGBoost 0\.90 \(before 1\.0\)/));
  await assert.rejects(loadModel(Buffer.concat([bytes, Buffer.alloc(3)]), { format: 'xgboost' }),
    typedError(['INVALID_ARGUMENT'], /3 unexpected bytes after the model at byte offset \d+/));
  const unknown = Buffer.concat([header, params, u64str('reg:mystery'), u64str('gbtree'), rest]);
  await assert.rejects(loadModel(unknown, { format: 'xgboost' }), typedError(['UNSUPPORTED'], /reg:mystery/));
});

test('xgboost legacy: every truncation of a model is INVALID_ARGUMENT naming the byte offset', async () => {
  const { bytes } = pieces();
  for (let n = 0; n < bytes.length; n++) {
    await assert.rejects(loadModel(bytes.subarray(0, n), { format: 'xgboost' }),
      typedError(['INVALID_ARGUMENT'], /^XGBoost binary: .* at byte (offset )?\d+/s), `cut at ${n}`);
  }
});

test('xgboost legacy: thousands of random byte flips give a typed error or a model that predicts', async () => {
  const { bytes } = pieces();
  let seed = 20240607;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const outcomes = { loaded: 0, refused: 0 };
  for (let i = 0; i < 3000; i++) {
    const copy = Buffer.from(bytes);
    const flips = 1 + (next() % 4);
    for (let k = 0; k < flips; k++) copy[next() % copy.length] ^= 1 << (next() % 8);
    let model: Model;
    try {
      model = await loadModel(copy, { format: 'xgboost' });
    } catch (e) {
      assert.ok(typedError(['INVALID_ARGUMENT', 'UNSUPPORTED'])(e), `flip ${i}: ${String(e)}`);
      outcomes.refused++;
      continue;
    }
    outcomes.loaded++;
    const out = await model.predict(new Float32Array(model.numFeature * 2).fill(NaN), { output: 'margin' });
    assert.equal(out.length, 2 * model.outputsPerRow('margin'));
  }
  assert.ok(outcomes.loaded > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
});

test('FIL repository: backend "fil" with no model_type serves 1/xgboost.model (FIL\'s default)', async () => {
  const repoRoot = await mkdtemp(path.join(os.tmpdir(), 'larch-xgblegacy-'));
  const binary = caseOf('binary_logistic');
  const softprob = caseOf('multi_softprob3');
  await mkdir(path.join(repoRoot, 'clf', '1'), { recursive: true });
  await copyFile(path.join(DIR, binary.model_file), path.join(repoRoot, 'clf', '1', 'xgboost.model'));
  await writeFile(path.join(repoRoot, 'clf', 'config.pbtxt'), 'backend: "fil"\nmax_batch_size: 16\n');
  // No config.pbtxt at all: the default file name says fil with model_type xgboost.
  await mkdir(path.join(repoRoot, 'multi', '1'), { recursive: true });
  await copyFile(path.join(DIR, softprob.model_file), path.join(repoRoot, 'multi', '1', 'xgboost.model'));
  const repo = await ModelRepository.open({ root: repoRoot, log: () => {} });
  try {
    for (const [name, c, width] of [['clf', binary, 1], ['multi', softprob, 3]] as const) {
      const model = repo.getModel(name);
      assert.equal(model.platform, 'fil');
      assert.deepEqual(model.inputs, [{ name: 'input__0', datatype: 'FP32', dims: [c.num_feature] }]);
      const want = f32(c.expected_value_file);
      const jobs = [];
      for (let r = 0; r < ROWS; r += 4) {
        jobs.push(model.infer([{ name: 'input__0', datatype: 'FP32', shape: [4, c.num_feature],
          data: X.slice(r * c.num_feature, (r + 4) * c.num_feature) }]));
      }
      const got = new Float32Array(ROWS * width);
      (await Promise.all(jobs)).forEach((res, i) => {
        assert.deepEqual(res[0]!.shape, [4, width]);
        got.set(res[0]!.data as Float32Array, i * 4 * width);
      });
      assertClose(got, want, c.tolerance, `${name} output__0`);
    }
  } finally {
    await repo.close();
    await rm(repoRoot, { recursive: true });
  }
});
