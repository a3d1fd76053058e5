// Writes a larch dataset split in the layout bench/train/reference.py reads (row-major float32
// files plus meta.json), so the reference libraries train on exactly the same values.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rowMajor, type Dataset } from '../../lib/train/index.js';

export function writeReferenceDataset(folder: string, train: Dataset, test: Dataset, settings: object): void {
  mkdirSync(folder, { recursive: true });
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(path.join(folder, 'x_train.f32'), bytes(rowMajor(train)));
  writeFileSync(path.join(folder, 'y_train.f32'), bytes(train.y));
  writeFileSync(path.join(folder, 'x_test.f32'), bytes(rowMajor(test)));
  writeFileSync(path.join(folder, 'y_test.f32'), bytes(test.y));
  writeFileSync(path.join(folder, 'meta.json'), JSON.stringify({
    numFeatures: train.numFeatures, trainRows: train.numRows, testRows: test.numRows, ...settings,
  }, null, 2));
}
