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
interface ManifestCase {
  id: string; library: string; model_file: string; model_format: string; inputs?: ManifestTensor[]; outputs?: ManifestTensor[];
  input_file: string; input_shape: number[]; input_dtype: string; expected_file: string; expected_shape: number[]; expected_dtype: string;
  tolerance: { abs: number; rel: number };
}

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

/** The FIL backend's default file name per model_type. */
const filFile: Record<string, [string, string]> = {
  xgboost_json: ['xgboost_json', 'xgboost.json'], xgboost_ubj: ['xgboost_ubj', 'xgboost.ubj'],
  lightgbm_text: ['lightgbm', 'model.txt'], treelite_checkpoint: ['treelite_checkpoint', 'checkpoint.tl'],
};

/** A representative set of tree models (every format; binary, multiclass, regression) on the fil backend. */
export const FIL_CASES = [
  'xgb_binary_logistic_nan.probability', 'xgb_binary_logistic_nan_ubj.probability', 'xgb_multi_softprob4.probability',
  'xgb_reg_squarederror.value', 'lgb_regression.value', 'lgb_multiclass3.probability',
  'tl_sklearn_rf_classifier3.probability', 'tl_xgb_binary_logistic_nan.probability',
];

/**
 * Fixture tree models served by the fil backend with output_class=false (output__0 = the model's
 * predicted value: probabilities for classifiers), config completed from the model, dynamic
 * batching on.
 */
export function filCases(root: string, ids: readonly string[] = FIL_CASES): ServedCase[] {
  const all = manifest();
  return ids.map((id) => {
    const c = all.find((m) => m.id === id)!;
    const model = id.replace(/\.[a-z]+$/, '').replace(/[^a-z0-9_]/g, '_');
    const [modelType, file] = filFile[c.model_format]!;
    const dir = path.join(root, model);
    mkdirSync(path.join(dir, '1'), { recursive: true });
    cpSync(path.join(FIXTURES, c.model_file), path.join(dir, '1', file));
    writeFileSync(path.join(dir, 'config.pbtxt'), `backend: "fil"
max_batch_size: 64
parameters [ { key: "model_type" value: { string_value: "${modelType}" } },
             { key: "output_class" value: { string_value: "false" } } ]
dynamic_batching { max_queue_delay_microseconds: 100 }
`);
    const input = load({ name: 'input__0', file: c.input_file, shape: c.input_shape, dtype: c.input_dtype });
    const expected = load({ name: 'output__0', file: c.expected_file, shape: [c.expected_shape[0]!, c.expected_shape.slice(1).reduce((a, b) => a * b, 1)], dtype: c.expected_dtype });
    // output__0 is FP32 (as in Triton's FIL backend), while some references are float64.
    const tolerance = { abs: Math.max(c.tolerance.abs, 1e-6), rel: Math.max(c.tolerance.rel, 1e-6) };
    return { model, rows: c.input_shape[0]!, inputs: [input], outputs: [{ ...expected, tolerance }] };
  });
}

/** Server options for tests: every front end on an ephemeral loopback port, no log. */
export const LOCAL_QUIET = {
  httpPort: 0, grpcPort: 0, metricsPort: 0, httpAddress: '127.0.0.1', grpcAddress: '127.0.0.1', metricsAddress: '127.0.0.1', log: () => {},
} as const;

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
