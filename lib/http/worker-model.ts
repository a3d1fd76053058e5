// A model as an HTTP worker thread runs it: the descriptor the main thread resolved, over the
// worker's own handle on the model's native batcher (BatchedModel.open by process-wide id). Every
// thread feeds the same native queue, so dynamic batching sees requests from all of them.
import { BatchedModel } from '../backends/batcher.js';
import type { InferenceModel, InferOptions, ModelStats, Tensor, TensorSpec } from '../backends/types.js';
import { LarchError } from '../protocol/errors.js';
import type { ModelDescriptor } from './thread-messages.js';

export class WorkerModel implements InferenceModel {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
  readonly maxBatchSize: number;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly responseParameters: Record<string, string | number | boolean>;
  readonly outputLabels: Readonly<Record<string, readonly string[]>> | undefined;
  readonly #batched: BatchedModel;

  constructor(d: ModelDescriptor & { nativeModelId: string }) {
    this.name = d.name;
    this.version = d.version;
    this.platform = d.platform;
    this.maxBatchSize = d.maxBatchSize;
    this.inputs = d.inputs;
    this.outputs = d.outputs;
    this.responseParameters = d.responseParameters;
    this.outputLabels = d.outputLabels;
    this.#batched = BatchedModel.open(d.nativeModelId);
  }

  infer(inputs: Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    return this.#batched.infer(inputs, options);
  }

  submit(inputs: Tensor[], options: InferOptions = {}): Tensor[] | Promise<Tensor[]> {
    return this.#batched.submit(inputs, options);
  }

  stats(): ModelStats { return this.#batched.stats(); }

  /** Detaches this thread from the native model (after its requests complete). */
  close(): Promise<void> { return this.#batched.close(); }

  unload(): Promise<void> {
    return Promise.reject(new LarchError('UNSUPPORTED', `model "${this.name}" is owned by the main thread's repository`));
  }
}
