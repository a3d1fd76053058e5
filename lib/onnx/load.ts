// The library entry point for ONNX files: loadOnnxModel('m.onnx') -> a model with
// infer(inputs: Tensor[]): Promise<Tensor[]>, the same InferenceModel the server uses.
import path from 'node:path';
import { invalidArgument } from '../protocol/errors.js';
import { CoalescingExecutor } from './coalescing-executor.js';
import { DirectExecutor, OnnxModel } from './model.js';
import { OnnxSession, type OnnxSessionOptions } from './session.js';
import { configSpecs, modelCanBatch } from './specs.js';

export interface LoadOnnxOptions {
  /** The model's name in messages and metadata (default: the file name without .onnx). */
  name?: string;
  /**
   * Largest batch (rows) one request may carry, and the dynamic batcher's limit. Default: 1024
   * when every input and output has a free first dimension, else 0 (no batch dimension: tensors
   * are passed whole, shaped as the model declares them).
   */
  maxBatchSize?: number;
  /**
   * Sessions (model instances). 1 (default): requests run on the calling thread, those made in
   * the same event-loop turn merged into one batch (lowest latency for small models). More than
   * 1: each request runs on a libuv worker thread, on the instances in turn.
   */
  instances?: number;
  session?: OnnxSessionOptions;
}

export const LIBRARY_MAX_BATCH_SIZE = 1024;

export async function loadOnnxModel(source: string | Uint8Array, options: LoadOnnxOptions = {}): Promise<OnnxModel> {
  const name = options.name ?? (typeof source === 'string' ? path.basename(source).replace(/\.onnx$/i, '') : 'model');
  const instances = options.instances ?? 1;
  if (!Number.isInteger(instances) || instances < 1) throw invalidArgument(`${name}: instances must be an integer >= 1`);
  const sessions: OnnxSession[] = [];
  try {
    for (let i = 0; i < instances; i++) sessions.push(await OnnxSession.create(source, options.session, name));
  } catch (err) {
    for (const s of sessions) s.release();
    throw err;
  }
  const first = sessions[0]!;
  const canBatch = modelCanBatch(first.inputs, first.outputs);
  const maxBatchSize = options.maxBatchSize ?? (canBatch ? LIBRARY_MAX_BATCH_SIZE : 0);
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 0) throw invalidArgument(`${name}: maxBatchSize must be an integer >= 0`);
  if (maxBatchSize > 0 && !canBatch) {
    for (const s of sessions) s.release();
    throw invalidArgument(`${name}: maxBatchSize ${maxBatchSize} needs a free first dimension on every input and output, ` +
      'which this model does not declare (use maxBatchSize 0)');
  }
  return new OnnxModel(
    { name, version: '1', maxBatchSize, inputs: configSpecs(first.inputs, maxBatchSize), outputs: configSpecs(first.outputs, maxBatchSize) },
    instances === 1
      ? new CoalescingExecutor(first, maxBatchSize, first.inputs.map((s) => s.name))
      : new DirectExecutor(sessions, maxBatchSize),
  );
}
