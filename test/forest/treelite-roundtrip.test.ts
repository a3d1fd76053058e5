// Treelite checkpoints: every fixture re-serialises to identical bytes, and larch's IR
// extensions survive a round trip through the optional-field slots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadModel } from '../../lib/index.js';
import { FIXTURES } from './fixtures.js';
import { buildCheckpoint } from './tl-builder.js';

const dir = path.join(FIXTURES, 'treelite');
const checkpoints = readdirSync(dir).filter((f) => f.endsWith('.tl')).sort();

test('there are Treelite fixtures to round-trip', () => {
  assert.ok(checkpoints.length >= 14);
});

for (const file of checkpoints) {
  test(`${file} re-serialises byte-identical`, async () => {
    const bytes = readFileSync(path.join(dir, file));
    const model = await loadModel(path.join(dir, file));
    const out = model.toTreelite();
    assert.equal(out.length, bytes.length);
    assert.ok(Buffer.from(out).equals(bytes), `${file}: toTreelite() bytes differ`);
  });
}

test('larch extensions (missing types, linear leaves, class output, rf margins) round-trip', async () => {
  const bytes = buildCheckpoint({
    float64: true, numFeature: 2, task: 'multiclass', numClass: [2], postprocessor: 'softmax',
    defaultOutputIsClass: true, averageTreeOutput: true, marginBeforeAveraging: true,
    trees: [
      { classId: 0, nodes: [
        { feature: 0, op: '<=', threshold: 1, left: 1, right: 2, missing: 'zero' },
        { leaf: 1, linear: { const: 0.5, terms: [[1, 2]] } }, { leaf: 2, linear: { const: 0, terms: [] } }] },
      { classId: 1, nodes: [{ leaf: 0.25 }] },
    ],
  });
  const model = await loadModel(bytes);
  const again = model.toTreelite();
  assert.ok(Buffer.from(again).equals(Buffer.from(bytes)), 'extension fields must be written back unchanged');
});
