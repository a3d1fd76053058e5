// Builds a Triton model repository in a temporary folder from the reference fixtures
// (test/fixtures/MANIFEST.json), and describes each served model's inputs and expected outputs so
// the end-to-end tests can check predictions over every transport.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataType } from '../../lib/backends/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** test/fixtures in the source tree (this file runs from dist/test/server). */
export const FIXTURES = path.resolve(here, '../../../test/fixtures');

type Typed = Float32Array | Float64Array | BigInt64Array;

export interface ServedTensor {
  name: string;
  datatype: DataType;
  /** Elements per row. */
  perRow: number;
  /** All rows, row-major. */
  data: Typed;
}

export interface ServedCase {
  model: string;
  rows: number;
  inputs: ServedTensor[];
  outputs: Array<ServedTensor & { tolerance: { abs: number; rel: number } }>;
}

interface ManifestTensor { name: string; file: string; shape: number[]; dtype: string }
interface ManifestCase { id: string; library: string; model_file: string; inputs?: ManifestTensor[]; outputs?: ManifestTensor[]; tolerance: { abs: number; rel: number } }

const dtypes: Record<string, [DataType, (b: ArrayBuffer) => Typed]> = {
  float32: ['FP32', (b) => new Float32Array(b)],
  float64: ['FP64', (b) => new Float64Array(b)],
  int64: ['INT64', (b) => new BigInt64Array(b)],
};

function load(t: ManifestTensor): ServedTensor {
  const [datatype, view] = dtypes[t.dtype]!;
  const bytes = readFileSync(path.join(FIXTURES, t.file));
  const data = view(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const perRow = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { name: t.name, datatype, perRow, data };
}

function manifest(): ManifestCase[] {
  return (JSON.parse(readFileSync(path.join(FIXTURES, 'MANIFEST.json'), 'utf8')) as { cases: ManifestCase[] }).cases;
}

/** ONNX fixture models served by the onnxruntime backend (config auto-completed from the model). */
export function onnxCases(root: string): ServedCase[] {
  const out: ServedCase[] = [];
  for (const c of manifest().filter((m) => m.library === 'onnx')) {
    const model = c.id.replace(/^onnx_/, '');
    const dir = path.join(root, model);
    mkdirSync(path.join(dir, '1'), { recursive: true });
    cpSync(path.join(FIXTURES, c.model_file), path.join(dir, '1', 'model.onnx'));
    const inputs = c.inputs!.map(load);
    // Complete configs without batching: each tensor's dims are [-1, per-row dims...].
    const tdt = (d: string) => (d === 'float32' ? 'TYPE_FP32' : d === 'int64' ? 'TYPE_INT64' : 'TYPE_FP64');
    const io = (kind: string, ts: ManifestTensor[]) => `${kind} [ ${ts.map((t) => `{ name: "${t.name}" data_type: ${tdt(t.dtype)} dims: [ ${[-1, ...t.shape.slice(1)].join(', ')} ] }`).join(', ')} ]`;
    writeFileSync(path.join(dir, 'config.pbtxt'), `backend: "onnxruntime"\nmax_batch_size: 0\n${io('input', c.inputs!)}\n${io('output', c.outputs!)}\n`);
    out.push({ model, rows: c.inputs![0]!.shape[0]!, inputs, outputs: c.outputs!.map((o) => ({ ...load(o), tolerance: c.tolerance })) });
  }
  return out;
}

export function tempRepository(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'larch-e2e-'));
}

/** Rows [start, start+n) of a tensor. */
export function rowSlice(t: ServedTensor, start: number, n: number): Typed {
  return t.data.subarray(start * t.perRow, (start + n) * t.perRow) as Typed;
}

/** Asserts `got` matches `expected` within tolerance (exact for integers). Returns a message or ''. */
export function compare(got: ArrayLike<number | bigint>, expected: Typed, tol: { abs: number; rel: number }): string {
  if (got.length !== expected.length) return `length ${got.length} != expected ${expected.length}`;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!, e = expected[i]!;
    if (typeof e === 'bigint') { if (BigInt(g) !== e) return `element ${i}: ${g} != ${e}`; continue; }
    const gn = Number(g);
    if (Number.isNaN(e) && Number.isNaN(gn)) continue;
    if (!(Math.abs(gn - e) <= tol.abs + tol.rel * Math.abs(e))) return `element ${i}: ${gn} != ${e}`;
  }
  return '';
}
