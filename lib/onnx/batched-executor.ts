// Runs an ONNX model's requests through the native dynamic batcher (native/batch): a queue per
// model, instance threads each over its own session, batches concatenated along dim 0 and
// outputs written by ORT straight into each request's arrays (native/onnx/onnx_batch_runner).
// Eligible when no tensor is BYTES and every output has fixed dims in the config; other models
// run through DirectExecutor.
import { BatchedModel, type BatchConfig } from '../backends/batcher.js';
import type { InferOptions, ModelStats, Tensor, TensorSpec } from '../backends/types.js';
import type { OnnxExecutor } from './model.js';
import type { OnnxSession } from './session.js';

let nextId = 0;

export interface BatchedOnnxPlan {
  name: string;
  version: string;
  /** The config's view, in the model's (session's) order. */
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  inputReshapes: Record<string, number[]>;
  outputReshapes: Record<string, number[]>;
  batch: BatchConfig;
}

/** Whether the native batcher can carry this model (else use DirectExecutor). */
export function nativelyBatchable(plan: Pick<BatchedOnnxPlan, 'inputs' | 'outputs' | 'outputReshapes'>): boolean {
  const all = [...plan.inputs, ...plan.outputs];
  return all.every((s) => s.datatype !== 'BYTES' && s.dims.length < 8) &&
    plan.outputs.every((s) => s.dims.every((d) => d >= 0) && (plan.outputReshapes[s.name] ?? []).every((d) => d >= 0));
}

export class BatchedExecutor implements OnnxExecutor {
  private readonly batched: BatchedModel;

  constructor(private readonly sessions: OnnxSession[], plan: BatchedOnnxPlan) {
    this.batched = BatchedModel.create({
      id: `onnx/${plan.name}/${plan.version}/${process.pid}.${nextId++}`,
      name: plan.name,
      inputs: plan.inputs,
      outputs: plan.outputs,
      config: { ...plan.batch, instanceCount: sessions.length },
      runner: {
        kind: 'onnx',
        sessions: sessions.map((s) => s.handle),
        inputReshapes: plan.inputs.map((s) => plan.inputReshapes[s.name] ?? null),
        outputModelDims: plan.outputs.map((s) => plan.outputReshapes[s.name] ?? s.dims),
      },
    });
  }

  run(inputs: Tensor[], outputNames: string[] | undefined, options: InferOptions | undefined): Promise<Tensor[]> {
    const opts: { outputs?: string[]; timeoutUs?: number } = {};
    if (outputNames) opts.outputs = outputNames;
    if (options?.timeoutUs) opts.timeoutUs = options.timeoutUs;
    return this.batched.infer(inputs, opts);
  }

  stats(): ModelStats {
    return this.batched.stats();
  }

  async close(): Promise<void> {
    await this.batched.unload();
    for (const s of this.sessions) s.release();
  }
}
