// larch_sklearn (python/larch_sklearn) against scikit-learn itself: each fitted estimator is
// exported to a Treelite checkpoint, loaded by larch, and must predict what scikit-learn's
// predict_proba / predict returns on the same rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { loadModel } from '../../lib/index.js';
import { root } from '../../lib/native.js';

const python = '/usr/bin/python3';

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function readF64(file: string): Float64Array {
  const b = readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

test('scikit-learn forests exported by larch_sklearn predict as scikit-learn does', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-sklearn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(python, [path.join(root, 'test', 'python', 'sklearn_oracle.py'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Record<string, { rows: number; features: number; outputs: number }>;
  assert.ok(Object.keys(cases).length >= 10);
  for (const [name, c] of Object.entries(cases)) {
    await t.test(name, async () => {
      const model = await loadModel(path.join(dir, `${name}.tl`));
      assert.equal(model.numFeature, c.features);
      const X = readF32(path.join(dir, `${name}.X.f32`));
      const expected = readF64(path.join(dir, `${name}.expected.f64`));
      const got = await model.predict(X);
      assert.equal(got.length, expected.length, `${name}: ${got.length} values, scikit-learn gave ${expected.length}`);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      // float64 model: differences are summation-order rounding only. GTIL-style postprocessors
      // (sigmoid, softmax) use float32 intermediates, hence 1e-6 for the boosted classifiers.
      const tol = name.startsWith('gb_') && !name.endsWith('regressor') ? 1e-6 : 1e-9;
      assert.ok(worst <= tol, `${name}: max |larch - scikit-learn| = ${worst} > ${tol}`);
    });
  }
});
