// Reading test/fixtures: the manifest, raw little-endian arrays, and tolerance checks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../../lib/native.js';
import type { OutputKind } from '../../lib/index.js';

export const FIXTURES = path.join(root, 'test', 'fixtures');

export interface ManifestCase {
  id: string;
  library: string;
  model_file: string;
  model_format: string;
  num_features: number;
  input_file: string;
  input_shape: number[];
  input_dtype: string;
  expected_file: string;
  expected_shape: number[];
  expected_dtype: string;
  expected_kind: 'probability' | 'margin' | 'value' | 'class';
  tolerance: { abs: number; rel: number };
}

export function manifestCases(): ManifestCase[] {
  const m = JSON.parse(readFileSync(path.join(FIXTURES, 'MANIFEST.json'), 'utf8')) as { cases: ManifestCase[] };
  return m.cases;
}

export function readArray(file: string): Float32Array | Float64Array {
  const buf = readFileSync(path.join(FIXTURES, file));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  if (file.endsWith('.f32')) return new Float32Array(ab);
  if (file.endsWith('.f64')) return new Float64Array(ab);
  throw new Error(`unsupported fixture dtype: ${file}`);
}

export function outputKindOf(c: ManifestCase): OutputKind {
  return c.expected_kind === 'probability' ? 'value' : c.expected_kind;
}

/** Index and values of the first element outside tolerance, or null. NaN matches NaN. */
export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, tol: { abs: number; rel: number }):
  { index: number; got: number; want: number } | null {
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (!(Math.abs(g - w) <= tol.abs + tol.rel * Math.abs(w))) return { index: i, got: g, want: w };
  }
  return null;
}
