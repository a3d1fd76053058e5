// An ONNX Runtime session (native/onnx through the addon): the model's own input and output
// specs, and run() over KServe tensors. Inputs are read in place by ORT; numeric outputs come
// back as typed arrays over ORT's own output memory (no copy).
import { toLarchError } from '../protocol/errors.js';
import type { Tensor, TensorSpec } from '../backends/types.js';
import { addon } from '../native.js';
import { requireOnnxRuntime } from './runtime.js';

/** Session settings; Triton's onnxruntime backend takes the same from config parameters. */
export interface OnnxSessionOptions {
  /** Threads ORT uses inside one operator; 0 = ORT's default (the machine's physical cores). */
  intraOpThreads?: number;
  /** Threads ORT uses to run independent operators at once (only with parallelExecution). */
  interOpThreads?: number;
  /** 0 none, 1 basic, 2 extended, 99 all (ORT's GraphOptimizationLevel; default 99). */
  graphOptimizationLevel?: 0 | 1 | 2 | 99;
  parallelExecution?: boolean;
  /** Whether idle intra-op threads spin before sleeping (lower latency, more CPU). Default true. */
  intraOpSpinning?: boolean;
  memoryArena?: boolean;
}

/** Opaque native handle (an object holding the session); the batcher accepts it too. */
export interface OnnxSessionHandle {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

interface OnnxSessionNative {
  onnxCreateSession(source: string | Uint8Array, label: string, options: OnnxSessionOptions): Promise<OnnxSessionHandle>;
  onnxRun(handle: OnnxSessionHandle, tensors: Tensor[], outputNames?: string[]): Promise<Tensor[]>;
  onnxRunSync(handle: OnnxSessionHandle, tensors: Tensor[], outputNames?: string[]): Tensor[];
  onnxReleaseSession(handle: OnnxSessionHandle): void;
}

const native = addon as unknown as OnnxSessionNative;

export class OnnxSession {
  /** Dims as the model declares them, batch dimension included; -1 = free. */
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  private released = false;

  private constructor(readonly handle: OnnxSessionHandle, readonly label: string) {
    this.inputs = handle.inputs;
    this.outputs = handle.outputs;
  }

  /** Loads a model from a file path or its bytes. Rejects with UNAVAILABLE when ONNX cannot run here. */
  static async create(source: string | Uint8Array, options: OnnxSessionOptions = {}, label?: string): Promise<OnnxSession> {
    const name = label ?? (typeof source === 'string' ? source : 'ONNX model');
    requireOnnxRuntime(name);
    try {
      return new OnnxSession(await native.onnxCreateSession(source, name, options), name);
    } catch (err) {
      throw toLarchError(err);
    }
  }

  /** Runs one request; every model input exactly once, any order. `outputNames` selects outputs. */
  async run(inputs: Tensor[], outputNames?: string[]): Promise<Tensor[]> {
    try {
      return await native.onnxRun(this.handle, inputs, outputNames);
    } catch (err) {
      throw toLarchError(err);
    }
  }

  /** The same on the calling thread (blocks it for the run): for small requests on an idle model. */
  runSync(inputs: Tensor[], outputNames?: string[]): Tensor[] {
    try {
      return native.onnxRunSync(this.handle, inputs, outputNames);
    } catch (err) {
      throw toLarchError(err);
    }
  }

  /** Frees the session once the runs in flight finish; later runs fail with INVALID_ARGUMENT. */
  release(): void {
    if (this.released) return;
    this.released = true;
    native.onnxReleaseSession(this.handle);
  }
}

