// The forest library API: loadModel() and the Model it returns (README "Library API").
// Arguments are validated here, before the native call, with LarchError codes; native errors
// are re-created at the JS call site so their stack points at user code.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LarchError, invalidArgument, notFound, toLarchError } from '../protocol/errors.js';
import { forestNative, type ForestHandle, type ForestInfo, type NativeOutputKind } from './native-forest.js';
import type { Tensor } from '../backends/types.js';
import { inferForest } from './tensor-infer.js';

/** 'xgboost': XGBoost's legacy binary format (save_model('*.model') in XGBoost 1.x; FIL's model_type name). */
export type ModelFormat = 'xgboost_json' | 'xgboost_ubj' | 'lightgbm' | 'treelite_checkpoint' | 'xgboost';
export type OutputKind = 'value' | 'margin' | 'class';
export type ModelTask = ForestInfo['task'];
export type PredictInput = Float32Array | Float64Array;
export type PredictOutput = Float32Array | Float64Array;

export interface LoadModelOptions {
  /** Skip detection (extension + content) and use this loader. */
  format?: ModelFormat;
}

export interface PredictOptions {
  /** Number of rows in X; defaults to X.length / numFeature. */
  rows?: number;
  /** 'value' (default), 'margin' or 'class'. */
  output?: OutputKind;
}

const FORMATS: readonly ModelFormat[] = ['xgboost_json', 'xgboost_ubj', 'lightgbm', 'treelite_checkpoint', 'xgboost'];
const OUTPUT_KINDS: Record<OutputKind, NativeOutputKind> = { value: 0, margin: 1, class: 2 };

const describe = (v: unknown): string =>
  v === null ? 'null' : ArrayBuffer.isView(v) ? v.constructor.name : Array.isArray(v) ? 'Array' : typeof v;

/** Re-throws a native error as a LarchError created here (stack at the caller). */
function rethrow(err: unknown): never {
  const e = toLarchError(err);
  throw new LarchError(e.code, e.message, { cause: err });
}

const handles = new WeakMap<Model, ForestHandle>();

/** The native handle of a model, for other native modules (the batcher) to run it. */
export function nativeHandleOf(model: Model): ForestHandle {
  const h = handles.get(model);
  if (!h) throw invalidArgument(`expected a forest Model from loadModel(), got ${describe(model)}`);
  return h;
}

export class Model {
  readonly numFeature: number;
  /** Values per row of predict(X, { output: 'value' }). */
  readonly numOutput: number;
  readonly task: ModelTask;
  readonly numTree: number;
  readonly numClass: number;
  /** Element type of predictions (the model's threshold/leaf type). */
  readonly dtype: 'float32' | 'float64';
  readonly #info: ForestInfo;

  /** @internal Use loadModel(). */
  constructor(handle: ForestHandle) {
    handles.set(this, handle);
    this.#info = forestNative.forestInfo(handle);
    this.numFeature = this.#info.numFeature;
    this.numOutput = this.#info.numOutput;
    this.task = this.#info.task;
    this.numTree = this.#info.numTree;
    this.numClass = this.#info.numClass;
    this.dtype = this.#info.float64 ? 'float64' : 'float32';
  }

  /** Values per row for an output kind. */
  outputsPerRow(output: OutputKind = 'value'): number {
    const kind = this.#kind(output);
    return kind === 0 ? this.#info.numOutput : kind === 1 ? this.#info.numMarginOutput : this.#info.numClassOutput;
  }

  /** Predicts on the native thread pool. Result: rows * outputsPerRow(output) values, row-major. */
  async predict(X: PredictInput, options: PredictOptions = {}): Promise<PredictOutput> {
    const { rows, kind, out } = this.#prepare(X, options);
    try {
      await forestNative.forestPredict(nativeHandleOf(this), X, rows, kind, out);
    } catch (err) {
      rethrow(err);
    }
    return out;
  }

  /** Predicts on the calling thread (lowest latency for a few rows; blocks the event loop). */
  predictSync(X: PredictInput, options: PredictOptions = {}): PredictOutput {
    const { rows, kind, out } = this.#prepare(X, options);
    try {
      forestNative.forestPredictSync(nativeHandleOf(this), X, rows, kind, out);
    } catch (err) {
      rethrow(err);
    }
    return out;
  }

  /**
   * The tensor interface shared with ONNX models, under the FIL backend's names: input__0
   * [rows, numFeature] (FP32/FP64) -> output__0 [rows, numOutput] (predict's 'value').
   */
  infer(inputs: Tensor[]): Promise<Tensor[]> {
    return inferForest(this, inputs);
  }

  /** The model as a Treelite 4 checkpoint (.tl), readable by Treelite and by loadModel. */
  toTreelite(): Uint8Array {
    try {
      return forestNative.forestToTreelite(nativeHandleOf(this));
    } catch (err) {
      rethrow(err);
    }
  }

  #kind(output: unknown): NativeOutputKind {
    if (typeof output !== 'string' || !(output in OUTPUT_KINDS)) {
      throw invalidArgument(`output must be 'value', 'margin' or 'class', got ${typeof output === 'string' ? `'${output}'` : describe(output)}`);
    }
    return OUTPUT_KINDS[output as OutputKind];
  }

  #prepare(X: unknown, options: PredictOptions) {
    if (!(X instanceof Float32Array) && !(X instanceof Float64Array)) {
      throw invalidArgument(`X must be a Float32Array or Float64Array (row-major, NaN = missing), got ${describe(X)}`);
    }
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument(`options must be an object, got ${describe(options)}`);
    }
    const kind = this.#kind(options.output ?? 'value');
    if (kind === 2 && this.task !== 'binary' && this.task !== 'multiclass') {
      throw invalidArgument(`output 'class' needs a classifier; this model's task is '${this.task}'`);
    }
    const nf = this.numFeature;
    let rows: number;
    if (options.rows === undefined) {
      if (X.length % nf !== 0) {
        throw invalidArgument(`X has ${X.length} values, which is not a multiple of numFeature ${nf}`);
      }
      rows = X.length / nf;
    } else {
      rows = options.rows;
      if (!Number.isSafeInteger(rows) || rows < 0) {
        throw invalidArgument(`rows must be a non-negative integer, got ${String(rows)}`);
      }
      if (rows * nf !== X.length) {
        throw invalidArgument(`X has ${X.length} values but rows * numFeature = ${rows} * ${nf} = ${rows * nf}; ` +
          `the model expects ${nf} features per row`);
      }
    }
    const size = rows * this.outputsPerRow(options.output ?? 'value');
    const out = this.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
    return { rows, kind, out };
  }
}

/**
 * Loads an XGBoost (JSON/UBJSON/legacy binary), LightGBM (text) or Treelite checkpoint model from a path or
 * its bytes. Without options.format the format is detected from the extension and the content.
 */
export async function loadModel(pathOrBytes: string | Uint8Array | ArrayBuffer,
  options: LoadModelOptions = {}): Promise<Model> {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument(`options must be an object, got ${describe(options)}`);
  }
  const { format } = options;
  if (format !== undefined && !FORMATS.includes(format)) {
    throw invalidArgument(`unknown model format '${String(format)}': expected one of ${FORMATS.map((f) => `'${f}'`).join(', ')}`);
  }
  let bytes: Uint8Array;
  let fileName = '';
  if (typeof pathOrBytes === 'string') {
    fileName = path.basename(pathOrBytes);
    try {
      bytes = await readFile(pathOrBytes);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw notFound(`model file '${pathOrBytes}' does not exist`);
      throw invalidArgument(`cannot read model file '${pathOrBytes}': ${(err as Error).message}`);
    }
  } else if (pathOrBytes instanceof Uint8Array) {
    bytes = pathOrBytes;
  } else if (pathOrBytes instanceof ArrayBuffer) {
    bytes = new Uint8Array(pathOrBytes);
  } else {
    throw invalidArgument(`loadModel expects a path or a Uint8Array of model bytes, got ${describe(pathOrBytes)}`);
  }
  let handle: ForestHandle;
  try {
    handle = await forestNative.forestLoad(bytes, format ?? '', fileName);
  } catch (err) {
    rethrow(err);
  }
  return new Model(handle);
}
