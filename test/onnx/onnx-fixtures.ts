// The ONNX cases of test/fixtures/MANIFEST.json as KServe tensors, and how to compare outputs
// with the expected files (floats within the case's tolerance, integers exactly).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataType, Tensor } from '../../lib/backends/types.js';

// dist/test/onnx -> the repository's test/fixtures
export const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures');

interface ManifestArray { name: string; file: string; shape: number[]; dtype: 'float32' | 'float64' | 'int64' }
export interface OnnxCase {
  id: string;
  modelFile: string;
  inputs: Tensor[];
  expected: Tensor[];
  tolerance: { abs: number; rel: number };
}

function readArray(a: ManifestArray): Tensor {
  const buf = readFileSync(path.join(fixturesDir, a.file));
  const bytes = new Uint8Array(buf.byteLength);
  bytes.set(buf);
  const map = {
    float32: ['FP32', new Float32Array(bytes.buffer)],
    float64: ['FP64', new Float64Array(bytes.buffer)],
    int64: ['INT64', new BigInt64Array(bytes.buffer)],
  } as const;
  const [datatype, data] = map[a.dtype];
  return { name: a.name, datatype: datatype as DataType, shape: a.shape, data };
}

export function onnxCases(): OnnxCase[] {
  const manifest = JSON.parse(readFileSync(path.join(fixturesDir, 'MANIFEST.json'), 'utf8')) as {
    cases: Array<{ id: string; model_format: string; model_file: string; inputs: ManifestArray[]; outputs: ManifestArray[]; tolerance: { abs: number; rel: number } }>;
  };
  return manifest.cases.filter((c) => c.model_format === 'onnx').map((c) => ({
    id: c.id,
    modelFile: path.join(fixturesDir, c.model_file),
    inputs: c.inputs.map(readArray),
    expected: c.outputs.map(readArray),
    tolerance: c.tolerance,
  }));
}

/**
 * The case as a batching model config shows it: a tensor with only the batch dimension ([N])
 * is [N,1] there (Triton's dims [1] + reshape []), in requests and in responses.
 */
export function asServed(c: OnnxCase): OnnxCase {
  const lift = (t: Tensor): Tensor => (t.shape.length === 1 ? { ...t, shape: [t.shape[0]!, 1] } : t);
  return { ...c, inputs: c.inputs.map(lift), expected: c.expected.map(lift) };
}

/** The first `rows` rows of a tensor (a view, no copy). */
export function sliceRows(t: Tensor, start: number, rows: number): Tensor {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = t.data as Float32Array;
  return { ...t, shape: [rows, ...t.shape.slice(1)], data: data.subarray(start * per, (start + rows) * per) };
}

/** Asserts `actual` matches the expected tensors (by name): shape, datatype, values. */
export function assertOutputsMatch(c: OnnxCase, actual: Tensor[], expected: Tensor[] = c.expected): void {
  for (const e of expected) {
    const a = actual.find((t) => t.name === e.name);
    assert.ok(a, `${c.id}: output ${e.name} missing (got ${actual.map((t) => t.name).join(', ')})`);
    assert.equal(a.datatype, e.datatype, `${c.id}: ${e.name} datatype`);
    assert.deepEqual(a.shape, e.shape, `${c.id}: ${e.name} shape`);
    assert.equal(a.data.length, e.data.length);
    if (e.datatype === 'INT64') {
      assert.deepEqual(Array.from(a.data as BigInt64Array), Array.from(e.data as BigInt64Array), `${c.id}: ${e.name} must match exactly`);
      continue;
    }
    const av = a.data as Float32Array;
    const ev = e.data as Float32Array;
    for (let i = 0; i < ev.length; i++) {
      const tol = c.tolerance.abs + c.tolerance.rel * Math.abs(ev[i]!);
      if (!(Math.abs(av[i]! - ev[i]!) <= tol)) assert.fail(`${c.id}: ${e.name}[${i}] = ${av[i]}, expected ${ev[i]} (±${tol})`);
    }
  }
}
