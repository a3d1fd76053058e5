import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withConfigDefaults } from '../../lib/repository/config.js';
import { detectBackend, filDefaultModelFilename } from '../../lib/repository/fil-files.js';

const cfg = (raw: Record<string, unknown> = {}) => withConfigDefaults({ name: 'm', ...raw });
function dirWith(...files: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-fil-files-'));
  for (const f of files) writeFileSync(path.join(dir, f), '');
  return dir;
}

test('FIL default file names per model_type, and default_model_filename', () => {
  const pt = (t: string) => cfg({ parameters: { model_type: { string_value: t } } });
  assert.equal(filDefaultModelFilename(pt('xgboost_json')), 'xgboost.json');
  assert.equal(filDefaultModelFilename(pt('xgboost_ubj')), 'xgboost.ubj');
  assert.equal(filDefaultModelFilename(pt('lightgbm')), 'model.txt');
  assert.equal(filDefaultModelFilename(pt('treelite_checkpoint')), 'checkpoint.tl');
  assert.equal(filDefaultModelFilename(cfg()), 'xgboost.model', 'FIL defaults to the xgboost binary format');
});

test('a model without config finds its backend from its files', async () => {
  const cases: Array<[string[], Record<string, unknown>, string, string | undefined]> = [
    [['model.onnx'], {}, 'onnxruntime', undefined],
    [['checkpoint.tl', 'lineage.json'], {}, 'fil', 'treelite_checkpoint'],
    [['model.txt'], {}, 'fil', 'lightgbm'],
    [['xgboost.ubj'], {}, 'fil', 'xgboost_ubj'],
    [['custom.bin'], { default_model_filename: 'custom.bin', parameters: { model_type: { string_value: 'lightgbm' } } }, 'fil', 'lightgbm'],
    [['custom.bin'], { default_model_filename: 'custom.bin' }, '', undefined],
    [['readme.md'], {}, '', undefined],
  ];
  for (const [files, raw, backend, modelType] of cases) {
    const dir = dirWith(...files);
    const c = cfg(raw);
    assert.equal(await detectBackend(c, dir), backend !== '', files.join());
    assert.equal(c.backend, backend, files.join());
    assert.equal(c.parameters.model_type?.string_value, modelType, files.join());
    rmSync(dir, { recursive: true });
  }
});
