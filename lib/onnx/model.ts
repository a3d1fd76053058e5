// An ONNX model as larch serves it (InferenceModel): the config's view of its inputs and
// outputs, request checks, and an executor that runs requests on the model's sessions (one
// per instance). The executor is the native batcher where the model batches over fixed-size
// tensors, else the sessions directly.
import type { InferenceModel, InferOptions, ModelStats, Tensor, TensorSpec } from '../backends/types.js';
import { unavailable } from '../protocol/errors.js';
import type { OnnxSession } from './session.js';
import { validateOutputs, validateRequest } from './validate.js';

/** Runs checked requests; owns the sessions. */
export interface OnnxExecutor {
  run(inputs: Tensor[], outputNames: string[] | undefined, options: InferOptions | undefined): Promise<Tensor[]>;
  stats(): ModelStats;
  /** Finishes what is in flight, then frees the sessions. */
  close(): Promise<void>;
}

export interface OnnxModelDescription {
  name: string;
  version: string;
  maxBatchSize: number;
  /** dims exclude the batch dimension when maxBatchSize > 0. */
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  responseParameters?: Record<string, string | number | boolean>;
  /**
   * Config reshapes (name -> the model's own dims, batch excluded): requests use the config's
   * dims, the model sees these, and outputs come back in the config's dims again.
   */
  inputReshapes?: Record<string, number[]>;
  outputReshapes?: Record<string, number[]>;
}

export class OnnxModel implements InferenceModel {
  readonly name: string;
  readonly version: string;
  readonly platform = 'onnxruntime_onnx';
  readonly maxBatchSize: number;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly responseParameters: Record<string, string | number | boolean>;
  private closing: Promise<void> | undefined;

  constructor(description: OnnxModelDescription, private readonly executor: OnnxExecutor) {
    this.name = description.name;
    this.version = description.version;
    this.maxBatchSize = description.maxBatchSize;
    this.inputs = description.inputs;
    this.outputs = description.outputs;
    this.responseParameters = description.responseParameters ?? {};
    const { inputReshapes = {}, outputReshapes = {} } = description;
    if (Object.keys(inputReshapes).length || Object.keys(outputReshapes).length) this.reshapes = { inputReshapes, outputReshapes };
  }

  private readonly reshapes: Pick<OnnxModelDescription, 'inputReshapes' | 'outputReshapes'> | undefined;

  /** Runs one request: every input once, any order; outputs in the model's order (or as asked). */
  async infer(inputs: Tensor[], options?: InferOptions): Promise<Tensor[]> {
    if (this.closing) throw unavailable(`model '${this.name}' version ${this.version} is unloading`);
    validateRequest(this.name, this.maxBatchSize, this.inputs, inputs);
    const wanted = validateOutputs(this.name, this.outputs, options?.outputs);
    if (!this.reshapes) return this.executor.run(inputs, wanted, options);
    const batch = this.maxBatchSize > 0;
    const { inputReshapes = {}, outputReshapes = {} } = this.reshapes;
    const modelInputs = inputs.map((t) => {
      const r = inputReshapes[t.name];
      return r ? { ...t, shape: batch ? [t.shape[0]!, ...r] : [...r] } : t;
    });
    const outputs = await this.executor.run(modelInputs, wanted, options);
    return outputs.map((t) => {
      if (!outputReshapes[t.name]) return t;
      const dims = this.outputs.find((s) => s.name === t.name)!.dims;
      return { ...t, shape: batch ? [t.shape[0]!, ...dims] : [...dims] };
    });
  }

  stats(): ModelStats {
    return this.executor.stats();
  }

  unload(): Promise<void> {
    this.closing ??= this.executor.close();
    return this.closing;
  }
}

/** Statistics kept in JS for models that run without the native batcher. */
export class DirectStats {
  private s: ModelStats = {
    inferenceCount: 0, executionCount: 0, lastInference: 0,
    success: { count: 0, ns: 0 }, fail: { count: 0, ns: 0 }, queue: { count: 0, ns: 0 },
    computeInput: { count: 0, ns: 0 }, computeInfer: { count: 0, ns: 0 }, computeOutput: { count: 0, ns: 0 },
    batchStats: [],
  };

  record(rows: number, ok: boolean, ns: number): void {
    const s = this.s;
    if (!ok) {
      s.fail.count++;
      s.fail.ns += ns;
      return;
    }
    s.success.count++;
    s.success.ns += ns;
    s.inferenceCount += rows;
    s.executionCount++;
    s.lastInference = Date.now();
    s.queue.count++;
    s.computeInput.count++;
    s.computeInfer.count++;
    s.computeInfer.ns += ns;
    s.computeOutput.count++;
    let b = s.batchStats.find((x) => x.batchSize === rows);
    if (!b) {
      b = { batchSize: rows, computeInput: { count: 0, ns: 0 }, computeInfer: { count: 0, ns: 0 }, computeOutput: { count: 0, ns: 0 } };
      s.batchStats.push(b);
      s.batchStats.sort((x, y) => x.batchSize - y.batchSize);
    }
    b.computeInput.count++;
    b.computeInfer.count++;
    b.computeInfer.ns += ns;
    b.computeOutput.count++;
  }

  snapshot(): ModelStats {
    return structuredClone(this.s);
  }
}

/**
 * Runs each request straight on a session (instances taken in turn): for models the native
 * batcher cannot carry (BYTES tensors) and as the executor of models that do not batch.
 */
export class DirectExecutor implements OnnxExecutor {
  private next = 0;
  private inFlight = new Set<Promise<unknown>>();
  private readonly stat = new DirectStats();

  constructor(private readonly sessions: OnnxSession[], private readonly maxBatchSize: number) {}

  async run(inputs: Tensor[], outputNames: string[] | undefined): Promise<Tensor[]> {
    const session = this.sessions[this.next]!;
    this.next = (this.next + 1) % this.sessions.length;
    const rows = this.maxBatchSize > 0 ? inputs[0]?.shape[0] ?? 1 : 1;
    const start = process.hrtime.bigint();
    const p = session.run(inputs, outputNames);
    this.inFlight.add(p);
    try {
      const out = await p;
      this.stat.record(rows, true, Number(process.hrtime.bigint() - start));
      return out;
    } catch (err) {
      this.stat.record(rows, false, Number(process.hrtime.bigint() - start));
      throw err;
    } finally {
      this.inFlight.delete(p);
    }
  }

  stats(): ModelStats {
    return this.stat.snapshot();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    for (const s of this.sessions) s.release();
  }
}
