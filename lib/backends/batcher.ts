// A model behind the native dynamic batcher (native/batch), as JS sees it: infer() queues the
// request's typed arrays natively and resolves when an instance thread has run the batch it
// joined. Any Node environment in the process can reach the same native model: the creator
// passes `id` to worker threads, which call BatchedModel.open(id).
//
// Memory: input arrays are borrowed (not copied) by native code and output arrays are allocated
// here and filled natively, so the Tensor objects of a request are kept referenced (in
// #pending) until its completion arrives. Do not detach or transfer their buffers meanwhile.
// Outputs with a variable (-1) dim cannot be sized here: native code fills its own buffer and
// hands the data and shape back with the completion.
import { addon } from '../native.js';
import { pooledArray } from './pooled.js';
import { LarchError, toLarchError } from '../protocol/errors.js';
import type { DataType, ModelStats, Tensor, TensorData, TensorSpec } from './types.js';

/** What the native batcher needs to know about batching; mirrors BatchConfig in native/batch/policy.h. */
export interface BatchConfig {
  /** 0: the model does not batch (tensors are passed whole). */
  maxBatchSize: number;
  /** dynamic_batching {} present: requests are combined into batches. */
  dynamicBatching: boolean;
  preferredBatchSizes?: number[];
  maxQueueDelayUs?: number;
  /** default_queue_policy.max_queue_size (0 = unbounded). */
  maxQueueSize?: number;
  /** default_queue_policy.default_timeout_microseconds (0 = none). */
  defaultTimeoutUs?: number;
  allowTimeoutOverride?: boolean;
  /** instance_group count: native threads forming and running batches. */
  instanceCount?: number;
  /**
   * Requests of at most this many rows run synchronously on the calling thread when nothing is
   * queued (and, with dynamic batching, no batch runs on an instance thread), instead of hopping
   * to an instance thread and back; 0 or absent: never. Only for runners whose rows are cheap:
   * the calling thread's event loop waits.
   */
  inlineMaxRows?: number;
}

/** Which native runner computes the batches, plus its options (e.g. a forest model handle). */
export interface RunnerOptions {
  kind: string;
  [option: string]: unknown;
}

export interface BatchedModelOptions {
  /** Process-wide unique id (other threads open the model by it). */
  id: string;
  name: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  config: BatchConfig;
  runner: RunnerOptions;
}

type Failure = [slot: number, code: string, message: string];
type Owned = [slot: number, output: number, data: ArrayBuffer, shape: number[]];
type OnComplete = (slots: Uint32Array, failures: Failure[] | undefined, owned: Owned[] | undefined) => void;

/** Per input in the meta array infer() reads: [dtype code, rank, dims (kMaxRank slots)]. */
const kMaxRank = 8;  // native/batch/tensor.h Shape::kMaxRank
const kMetaStride = 2 + kMaxRank;

interface NativeBatchHandle {
  /**
   * infer(slot, timeoutUs, meta, ...inputData, ...outputData): true when it ran at once on this
   * thread (outputs filled); false when queued (onComplete reports it). An output is null when
   * native code sizes it (a -1 dim).
   */
  infer(...args: unknown[]): boolean;
  stats(): ModelStats;
  describe(): { id: string; name: string; maxBatchSize: number; inputs: TensorSpec[]; outputs: TensorSpec[] };
  unload(): void;
  close(): void;
  pending(): number;
}
interface BatchAddon {
  BatchHandle: new (optionsOrId: BatchedModelOptions | string, onComplete: OnComplete) => NativeBatchHandle;
  batchRunnerKinds(): string[];
  batchModelIds(): string[];
}
const native = addon as unknown as BatchAddon;

/** Codes of native/batch/tensor.h's DType, in order. */
const dtypeCode: Partial<Record<DataType, number>> = {
  BOOL: 0, UINT8: 1, UINT16: 2, UINT32: 3, UINT64: 4, INT8: 5, INT16: 6, INT32: 7, INT64: 8,
  FP16: 9, FP32: 10, FP64: 11,
};

type TypedArrayCtor = {
  new (length: number): Exclude<TensorData, Buffer[]>;
  new (buffer: ArrayBuffer): Exclude<TensorData, Buffer[]>;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): Exclude<TensorData, Buffer[]>;
  BYTES_PER_ELEMENT: number;
};
const arrayOf: Partial<Record<DataType, TypedArrayCtor>> = {
  BOOL: Uint8Array, UINT8: Uint8Array, UINT16: Uint16Array, UINT32: Uint32Array, UINT64: BigUint64Array,
  INT8: Int8Array, INT16: Int16Array, INT32: Int32Array, INT64: BigInt64Array,
  FP16: Uint16Array, FP32: Float32Array, FP64: Float64Array,
};

interface Pending {
  resolve: (outputs: Tensor[]) => void;
  reject: (err: Error) => void;
  inputs: Tensor[];        // keeps the borrowed input memory alive
  outputs: Tensor[];
  wanted: string[] | undefined;
}

function isShape(shape: unknown): shape is number[] {
  if (!Array.isArray(shape)) return false;
  for (let i = 0; i < shape.length; i++) if (!Number.isSafeInteger(shape[i]) || shape[i] < 0) return false;
  return true;
}

/** `wanted` names exactly `outputs`, in order (the usual request): no filtered copy needed. */
function namesAll(wanted: string[], outputs: Tensor[]): boolean {
  if (wanted.length !== outputs.length) return false;
  for (let i = 0; i < wanted.length; i++) if (wanted[i] !== outputs[i]!.name) return false;
  return true;
}

export function batchRunnerKinds(): string[] {
  return native.batchRunnerKinds();
}

export class BatchedModel {
  readonly id: string;
  readonly name: string;
  readonly maxBatchSize: number;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  #handle: NativeBatchHandle | undefined;
  #pending: Array<Pending | undefined> = [];
  #freeSlots: number[] = [];
  #inFlight = 0;
  #drained: Array<() => void> = [];
  #inputIndex = new Map<string, number>();
  // infer()'s arguments and meta array, reused by every call from this thread (native code reads
  // them before returning; the data arrays are cleared after the call).
  readonly #meta: Float64Array;
  readonly #args: unknown[];

  private constructor(optionsOrId: BatchedModelOptions | string) {
    try {
      this.#handle = new native.BatchHandle(optionsOrId, (slots, failures, owned) => this.#complete(slots, failures, owned));
    } catch (err) {
      throw toLarchError(err);
    }
    const d = this.#handle.describe();
    this.id = d.id;
    this.name = d.name;
    this.maxBatchSize = d.maxBatchSize;
    this.inputs = d.inputs;
    this.outputs = d.outputs;
    this.inputs.forEach((s, i) => this.#inputIndex.set(s.name, i));
    this.#meta = new Float64Array(Math.max(1, this.inputs.length) * kMetaStride);
    this.#args = new Array<unknown>(3 + this.inputs.length + this.outputs.length).fill(null);
  }

  /** Creates the native model and its instance threads, and registers it under options.id. */
  static create(options: BatchedModelOptions): BatchedModel {
    return new BatchedModel(options);
  }

  /** Opens a model another environment (e.g. the main thread) created, by its id. */
  static open(id: string): BatchedModel {
    return new BatchedModel(id);
  }

  /** Requests queued or running from this environment. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Queues one request. Inputs are matched by name; each is [rows, ...dims] when the model
   * batches. Resolves with every output (or those named in `outputs`), rows first. When nothing
   * is queued (and, with dynamic batching, no batch runs on an instance thread) and the request
   * has at most config.inlineMaxRows rows, it runs synchronously on this thread before infer()
   * returns: no hop to an instance thread and back (see Batcher::EnqueueOrRunInline).
   */
  infer(inputs: Tensor[], options: { outputs?: string[]; timeoutUs?: number } = {}): Promise<Tensor[]> {
    try {
      const out = this.submit(inputs, options);
      return Array.isArray(out) ? Promise.resolve(out) : out;
    } catch (err) {
      return Promise.reject(toLarchError(err));
    }
  }

  /**
   * infer() without the promise when none is needed: returns the outputs when the request ran
   * inline on this thread, a promise when it was queued; throws a LarchError for a bad request.
   * The HTTP hot path uses it to answer within the callback that delivered the body.
   */
  submit(inputs: Tensor[], options: { outputs?: string[]; timeoutUs?: number } = {}): Tensor[] | Promise<Tensor[]> {
    const handle = this.#handle;
    if (!handle) throw new LarchError('UNAVAILABLE', `model "${this.name}" is unloaded`);
    const ordered = this.#orderInputs(inputs);
    const rows = this.maxBatchSize > 0 ? ordered[0]!.shape[0]! : 1;
    if (rows === undefined || rows > this.maxBatchSize && this.maxBatchSize > 0)
      throw new LarchError('INVALID_ARGUMENT',
        `batch size ${String(rows)} of the request exceeds max_batch_size ${this.maxBatchSize} of model "${this.name}"`);
    const outputs = this.#allocateOutputs(rows);
    const wanted = options.outputs;
    if (wanted) {
      for (let w = 0; w < wanted.length; w++) {
        let known = false;
        for (let o = 0; o < this.outputs.length; o++) known ||= this.outputs[o]!.name === wanted[w];
        if (!known) throw new LarchError('INVALID_ARGUMENT', `unexpected inference output '${wanted[w]}' for model '${this.name}'`);
      }
    }
    const slot = this.#freeSlots.length ? this.#freeSlots.pop()! : this.#pending.length;
    const args = this.#args;
    const meta = this.#meta;
    args[0] = slot;
    args[1] = options.timeoutUs ?? 0;
    args[2] = meta;
    for (let i = 0; i < ordered.length; i++) {
      const t = ordered[i]!;
      const base = i * kMetaStride;
      meta[base] = dtypeCode[t.datatype]!;
      meta[base + 1] = t.shape.length;  // native code refuses a rank above kMaxRank
      for (let k = 0; k < t.shape.length && k < kMaxRank; k++) meta[base + 2 + k] = t.shape[k]!;
      args[3 + i] = t.data;
    }
    const firstOutput = 3 + ordered.length;
    for (let k = 0; k < outputs.length; k++) args[firstOutput + k] = outputs[k]!.shape.includes(-1) ? null : outputs[k]!.data;
    let ranInline: boolean;
    try {
      ranInline = handle.infer(...args);
    } catch (err) {
      this.#freeSlots.push(slot);
      throw toLarchError(err);
    } finally {
      for (let i = 3; i < args.length; i++) args[i] = null;  // hold no request's memory
    }
    if (ranInline) {  // it ran on this thread: the outputs are filled
      this.#freeSlots.push(slot);
      return wanted && !namesAll(wanted, outputs) ? outputs.filter((o) => wanted.includes(o.name)) : outputs;
    }
    return new Promise<Tensor[]>((resolve, reject) => {
      this.#pending[slot] = { resolve, reject, inputs, outputs, wanted };
      this.#inFlight++;
    });
  }

  stats(): ModelStats {
    if (!this.#handle) throw new LarchError('UNAVAILABLE', `model "${this.name}" is unloaded`);
    return this.#handle.stats();
  }

  /**
   * Unloads the model for every environment: new requests fail with UNAVAILABLE, requests
   * already queued still run. Resolves once this environment's requests have completed.
   */
  async unload(): Promise<void> {
    this.#handle?.unload();
    await this.close();
  }

  /** Detaches this environment (after its requests complete); the model stays loaded elsewhere. */
  async close(): Promise<void> {
    if (!this.#handle) return;
    if (this.#inFlight > 0) await new Promise<void>((r) => this.#drained.push(r));
    this.#handle?.close();
    this.#handle = undefined;
  }

  #orderInputs(inputs: Tensor[]): Tensor[] {
    if (inputs.length !== this.inputs.length)
      throw new LarchError('INVALID_ARGUMENT',
        `expected ${this.inputs.length} inputs but got ${inputs.length} inputs for model '${this.name}'`);
    let inOrder = true;
    for (let k = 0; k < inputs.length; k++) {
      const t = inputs[k]!;
      const i = this.#inputIndex.get(t.name);
      if (i === undefined)
        throw new LarchError('INVALID_ARGUMENT', `unexpected inference input '${t.name}' for model '${this.name}'`);
      const spec = this.inputs[i]!;
      if (t.datatype !== spec.datatype)
        throw new LarchError('INVALID_ARGUMENT',
          `inference input '${t.name}' data-type is '${t.datatype}', but model '${this.name}' expects '${spec.datatype}'`);
      if (!isShape(t.shape))
        throw new LarchError('INVALID_ARGUMENT',
          `inference input '${t.name}' of model '${this.name}' has shape [${String(t.shape)}]; dims must be non-negative integers`);
      if (dtypeCode[t.datatype] === undefined || Array.isArray(t.data))
        throw new LarchError('UNSUPPORTED', `input '${t.name}': ${t.datatype} tensors are not batched natively`);
      inOrder &&= i === k;
    }
    if (inOrder) return inputs;  // the usual case: no reordered copy
    const ordered = new Array<Tensor>(inputs.length);
    for (const t of inputs) {
      const i = this.#inputIndex.get(t.name)!;
      if (ordered[i]) throw new LarchError('INVALID_ARGUMENT', `input '${t.name}' is given more than once for model '${this.name}'`);
      ordered[i] = t;
    }
    return ordered;
  }

  /**
   * Output tensors to fill. An output with a variable (-1) dim cannot be sized here: it keeps
   * -1 in its shape and an empty array, and native code returns its data and shape with the
   * completion (#complete replaces the tensor).
   */
  #allocateOutputs(rows: number): Tensor[] {
    const specs = this.outputs;
    const outputs = new Array<Tensor>(specs.length);
    for (let k = 0; k < specs.length; k++) {
      const spec = specs[k]!;
      const Ctor = arrayOf[spec.datatype];
      if (!Ctor) throw new LarchError('UNSUPPORTED', `output '${spec.name}': ${spec.datatype} is not batched natively`);
      const batched = this.maxBatchSize > 0;
      const shape = new Array<number>(spec.dims.length + (batched ? 1 : 0));
      if (batched) shape[0] = rows;
      for (let d = 0; d < spec.dims.length; d++) shape[d + (batched ? 1 : 0)] = spec.dims[d]!;
      let n = 1;
      for (let d = 0; d < shape.length; d++) n = shape[d]! < 0 ? 0 : n * shape[d]!;  // a -1 dim: sized natively
      outputs[k] = { name: spec.name, datatype: spec.datatype, shape, data: pooledArray(Ctor, n) };
    }
    return outputs;
  }

  #complete(slots: Uint32Array, failures: Failure[] | undefined, owned: Owned[] | undefined): void {
    if (owned) {
      for (const [slot, k, data, shape] of owned) {
        const p = this.#pending[slot];
        const t = p?.outputs[k];
        if (!p || !t) continue;
        p.outputs[k] = { name: t.name, datatype: t.datatype, shape, data: new arrayOf[t.datatype]!(data) };
      }
    }
    if (failures) {
      for (const [slot, code, message] of failures) {
        const p = this.#take(slot);
        if (p) p.reject(toLarchError(Object.assign(new Error(message), { code })));
      }
    }
    for (let i = 0; i < slots.length; i++) {
      const p = this.#take(slots[i]!);
      if (!p) continue;  // a failure, already rejected
      p.resolve(p.wanted ? p.outputs.filter((o) => p.wanted!.includes(o.name)) : p.outputs);
    }
    if (this.#inFlight === 0 && this.#drained.length) {
      const waiters = this.#drained;
      this.#drained = [];
      for (const w of waiters) w();
    }
  }

  #take(slot: number): Pending | undefined {
    const p = this.#pending[slot];
    if (!p) return undefined;
    this.#pending[slot] = undefined;
    this.#freeSlots.push(slot);
    this.#inFlight--;
    return p;
  }
}
