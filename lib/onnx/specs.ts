// What an ONNX model declares, in a model config's terms (Triton's auto-complete for the
// onnxruntime backend): a model batches when every input and output has a free first dimension;
// then the config's dims drop it and max_batch_size bounds it.
import type { TensorSpec } from '../backends/types.js';

/** Triton's default max_batch_size for auto-completed models that can batch (--backend-config default-max-batch-size). */
export const DEFAULT_MAX_BATCH_SIZE = 4;

/** True when every input and output has rank >= 1 and a free (-1) first dimension. */
export function modelCanBatch(inputs: readonly TensorSpec[], outputs: readonly TensorSpec[]): boolean {
  return [...inputs, ...outputs].every((s) => s.dims.length >= 1 && s.dims[0] === -1);
}

/** The model's specs as a config with this max_batch_size states them (first dim dropped when batching). */
export function configSpecs(specs: readonly TensorSpec[], maxBatchSize: number): TensorSpec[] {
  return specs.map((s) => ({ name: s.name, datatype: s.datatype, dims: maxBatchSize > 0 ? s.dims.slice(1) : [...s.dims] }));
}
