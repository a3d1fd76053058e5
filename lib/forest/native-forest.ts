// Typed surface of native/addon/forest_binding.cc. Only lib/forest uses these directly; other
// modules get a model's handle through `nativeHandleOf` (model.ts).
import { addon } from '../native.js';

/** Opaque native model handle (a tagged object owning a shared predictor). */
export interface ForestHandle { readonly __forestHandle: unique symbol }

export interface ForestInfo {
  numFeature: number;
  numOutput: number;        // values per row for output 'value'
  numMarginOutput: number;  // values per row for output 'margin'
  numClassOutput: number;   // values per row for output 'class'
  task: 'binary' | 'regression' | 'multiclass' | 'ranking' | 'isolation_forest';
  float64: boolean;
  numTree: number;
  numClass: number;
  numTarget: number;
  /** Layout single-row predictions walk: 'complete' (pointer-free, shallow numerical forests) or 'packed'. */
  singleRowLayout: 'complete' | 'packed';
  /** Whether single rows use the AVX-512 kernel (off with LARCH_FOREST_SIMD=off). */
  singleRowSimd: boolean;
}

/** 0 value, 1 margin, 2 class (native OutputKind). */
export type NativeOutputKind = 0 | 1 | 2;

interface ForestNative {
  forestLoad(bytes: Uint8Array, format: string, fileName: string): Promise<ForestHandle>;
  forestInfo(handle: ForestHandle): ForestInfo;
  forestPredict(handle: ForestHandle, x: Float32Array | Float64Array, rows: number,
    kind: NativeOutputKind, out: Float32Array | Float64Array): Promise<void>;
  forestPredictSync(handle: ForestHandle, x: Float32Array | Float64Array, rows: number,
    kind: NativeOutputKind, out: Float32Array | Float64Array): void;
  forestToTreelite(handle: ForestHandle): Uint8Array;
}

export const forestNative = addon as unknown as ForestNative;
