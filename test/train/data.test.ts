import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  readCsv, parseCsv, datasetFromTable, makeClassification, trainTestSplit, rowMajor, auc, logloss, accuracy,
} from '../../lib/train/index.js';

test('parseCsv: header names, column-major values, every missing marker is NaN', async () => {
  const t = await parseCsv('a,b,"c ""q"""\n1,2.5,-3e2\n,NA,nan\r\n4,"5",+6\n\n');
  assert.deepEqual(t.names, ['a', 'b', 'c "q"']);
  assert.equal(t.numRows, 3);
  const col = (c: number) => Array.from(t.data.subarray(c * 3, c * 3 + 3));
  assert.deepEqual(col(0).map(String), ['1', 'NaN', '4']);
  assert.deepEqual(col(1).map(String), ['2.5', 'NaN', '5']);
  assert.deepEqual(col(2).map(String), ['-300', 'NaN', '6']);
});

test('parseCsv: no header, other delimiter, quoted newline', async () => {
  const t = await parseCsv('1;"2"\n3;4\n', { header: false, delimiter: ';' });
  assert.deepEqual(t.names, ['column_0', 'column_1']);
  assert.deepEqual(Array.from(t.data), [1, 3, 2, 4]);
});

test('parseCsv: errors carry line:column and the field name', async () => {
  await assert.rejects(parseCsv('x,y\n1,2\n3,abc\n'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.match(e.message, /line 3, column 3 \(field "y"\): cannot parse "abc" as a number/);
    return true;
  });
  await assert.rejects(parseCsv('x,y\n1,2\n3\n'), /line 3: expected 2 fields, found 1/);
  await assert.rejects(parseCsv('x,y\n1,"2\n'), /line 2, column 3: unterminated quoted field/);
  await assert.rejects(parseCsv(''), /empty/);
  await assert.rejects(parseCsv('a\n1\n', { delimiter: ',,' }), /delimiter must be one character/);
});

test('readCsv reads a file; a missing file is NOT_FOUND', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-csv-'));
  const file = path.join(dir, 'd.csv');
  writeFileSync(file, 'f1,f2,label\n0.5,1,0\n1.5,,1\n');
  const t = await readCsv(file);
  const ds = datasetFromTable(t, 'label');
  assert.deepEqual(ds.featureNames, ['f1', 'f2']);
  assert.deepEqual(Array.from(ds.y), [0, 1]);
  assert.equal(ds.x[0], 0.5);
  assert.ok(Number.isNaN(ds.x[3]));
  await assert.rejects(readCsv(path.join(dir, 'nope.csv')), (e: Error & { code?: string }) => e.code === 'NOT_FOUND');
  assert.throws(() => datasetFromTable(t, 'nope'), /label column "nope"/);
});

test('makeClassification is deterministic, imbalanced as asked, with the named column groups', () => {
  const opts = { rows: 5000, informative: 5, redundant: 2, categorical: 2, noise: 3, positiveRate: 0.04, missingRate: 0.05, seed: 11 };
  const a = makeClassification(opts);
  const b = makeClassification(opts);
  assert.deepEqual(Buffer.from(a.x.buffer), Buffer.from(b.x.buffer));
  assert.deepEqual(Buffer.from(a.y.buffer), Buffer.from(b.y.buffer));
  assert.equal(a.numFeatures, 12);
  assert.deepEqual(a.featureNames.slice(0, 2), ['inf_0', 'inf_1']);
  assert.ok(a.featureNames.includes('cat_1') && a.featureNames.includes('noise_2') && a.featureNames.includes('red_0'));
  assert.equal(a.y.reduce((s, v) => s + v, 0), 200);
  const cat = a.x.subarray(7 * 5000, 8 * 5000);
  assert.ok(cat.every((v) => Number.isInteger(v) && v >= 0 && v < 12));
  const nan = a.x.subarray(0, 5000).filter(Number.isNaN).length;
  assert.ok(nan > 150 && nan < 400, `missing count ${nan}`);
  const c = makeClassification({ ...opts, seed: 12 });
  assert.notDeepEqual(Buffer.from(c.x.buffer), Buffer.from(a.x.buffer));
  assert.throws(() => makeClassification({ rows: 100, positiveRate: 1.5 }), /positiveRate/);
});

test('trainTestSplit is stratified and reproducible; rowMajor transposes', () => {
  const ds = makeClassification({ rows: 4000, seed: 3 });
  const s1 = trainTestSplit(ds, { testSize: 0.25, seed: 5 });
  const s2 = trainTestSplit(ds, { testSize: 0.25, seed: 5 });
  assert.equal(s1.test.numRows, 1000);
  assert.equal(s1.train.numRows + s1.test.numRows, 4000);
  assert.equal(s1.test.y.reduce((s, v) => s + v, 0), 30);
  assert.deepEqual(Buffer.from(s1.test.x.buffer), Buffer.from(s2.test.x.buffer));
  const rm = rowMajor({ x: new Float32Array([1, 2, 3, 4, 5, 6]), numRows: 3, numFeatures: 2 });
  assert.deepEqual(Array.from(rm), [1, 4, 2, 5, 3, 6]);
});

test('metrics: auc with ties, logloss, accuracy', () => {
  assert.equal(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  assert.equal(auc([0, 1], [0.5, 0.5]), 0.5);
  assert.ok(Math.abs(logloss([1, 0], [0.9, 0.2]) - (-(Math.log(0.9) + Math.log(0.8)) / 2)) < 1e-12);
  assert.equal(accuracy([1, 0, 1], [0.7, 0.2, 0.4]), 2 / 3);
  assert.throws(() => auc([1, 1], [0.2, 0.3]), /both positive and negative/);
});
