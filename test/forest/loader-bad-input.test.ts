// Truncated, garbled and mislabelled XGBoost JSON, XGBoost UBJSON and LightGBM text files: each
// is refused with a typed error (INVALID_ARGUMENT) whose message says where (byte offset with
// an excerpt, or the LightGBM line), and the process lives on to load and predict a good model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LarchError, loadModel, type ModelFormat } from '../../lib/index.js';
import { FIXTURES } from './fixtures.js';

const files: [string, ModelFormat][] = [
  ['xgboost/base_score_binary.json', 'xgboost_json'],
  ['xgboost/binary_logistic_nan.ubj', 'xgboost_ubj'],
  ['lightgbm/linear_tree_reg.txt', 'lightgbm'],
];
const isInvalid = (where: RegExp) => (e: unknown) =>
  LarchError.is(e) && e.code === 'INVALID_ARGUMENT' && where.test(e.message);
const WHERE: Record<ModelFormat, RegExp> = {
  xgboost_json: /XGBoost JSON: .* at byte \d+\n.*\n *\^/s,
  xgboost_ubj: /XGBoost UBJSON: .* at byte \d+\n.*\n *\^/s,
  lightgbm: /LightGBM text: /,
  treelite_checkpoint: /./,
  xgboost: /XGBoost binary: .* at byte/s,
};

for (const [file, format] of files) {
  const bytes = readFileSync(path.join(FIXTURES, file));
  // A LightGBM model is complete at "end of trees"; what follows is informational.
  const complete = format === 'lightgbm' ? bytes.indexOf('end of trees') : bytes.length;

  test(`${format}: truncated files are INVALID_ARGUMENT with the place`, async () => {
    for (const frac of [0, 0.001, 0.1, 0.37, 0.5, 0.83, 0.999]) {
      const cut = bytes.subarray(0, Math.floor(complete * frac));
      await assert.rejects(loadModel(cut, { format }), isInvalid(cut.length === 0 ? /./ : WHERE[format]), `${file} cut at ${cut.length}`);
    }
  });

  test(`${format}: garbled files are refused with a message or load; never a crash`, async () => {
    let seed = 7;
    for (let i = 0; i < 40; i++) {
      const copy = Buffer.from(bytes);
      for (let k = 0; k < 8; k++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        copy[seed % copy.length] = seed >>> 24;
      }
      await loadModel(copy, { format }).then(
        () => undefined,
        (e: unknown) => assert.ok(LarchError.is(e) && e.message.length > 0 && ['INVALID_ARGUMENT', 'UNSUPPORTED'].includes(e.code), String(e)));
    }
    // Structural damage that cannot stay valid.
    const wrecked = Buffer.from(bytes);
    wrecked.fill(0x7b, Math.floor(bytes.length / 3), Math.floor(bytes.length / 3) + 64);
    await assert.rejects(loadModel(wrecked, { format }), (e: unknown) => LarchError.is(e) && e.code === 'INVALID_ARGUMENT');
  });

  test(`${format}: the file given under every other format name is a typed error`, async () => {
    for (const other of ['xgboost_json', 'xgboost_ubj', 'lightgbm'] as ModelFormat[]) {
      if (other === format) continue;
      await assert.rejects(loadModel(bytes, { format: other }), isInvalid(WHERE[other]), `${file} as ${other}`);
    }
    // The checkpoint reader reads garbage as an unknown version: UNSUPPORTED, also typed.
    await assert.rejects(loadModel(bytes, { format: 'treelite_checkpoint' }),
      (e: unknown) => LarchError.is(e) && ['INVALID_ARGUMENT', 'UNSUPPORTED'].includes(e.code), `${file} as treelite_checkpoint`);
  });
}

test('the process lives on: a good model still loads and predicts after all the bad ones', async () => {
  const model = await loadModel(path.join(FIXTURES, 'xgboost/base_score_binary.json'));
  const out = await model.predict(new Float32Array(model.numFeature).fill(0.5));
  assert.equal(out.length, 1);
  assert.ok(out[0]! > 0 && out[0]! < 1);
});
