// Checks a decoded request against the model's declared inputs and outputs: names, datatypes,
// shapes (variable -1 dims; the leading batch dimension when max_batch_size > 0) and that every
// batched input agrees on the batch size. Messages name the model, the tensor, expected and got.
import type { InferenceModel, Tensor, TensorSpec } from '../backends/types.js';
import { invalidArgument } from './errors.js';
import type { RequestedOutput } from './infer-request.js';

const fmt = (dims: readonly number[]) => `[${dims.join(',')}]`;

/** What a request input must look like; `shape` excludes nothing (batch dim included). */
export interface InputHeader { name: string; datatype: string; shape: number[] }

function specByName(specs: readonly TensorSpec[], name: string): TensorSpec | undefined {
  for (const s of specs) if (s.name === name) return s;
  return undefined;
}

/**
 * Validates input names, datatypes and shapes before any tensor data is decoded. Throws
 * INVALID_ARGUMENT on the first problem.
 */
export function validateInputHeaders(model: InferenceModel, inputs: readonly InputHeader[]): void {
  const m = `model '${model.name}'`;
  const seen = new Set<string>();
  let batch = -1;
  for (const input of inputs) {
    const spec = specByName(model.inputs, input.name);
    if (!spec) {
      throw invalidArgument(`unexpected inference input '${input.name}' for ${m}; its inputs are ${model.inputs.map((s) => `'${s.name}'`).join(', ')}`);
    }
    if (seen.has(input.name)) throw invalidArgument(`input '${input.name}' appears more than once in the request for ${m}`);
    seen.add(input.name);
    if (input.datatype !== spec.datatype) {
      throw invalidArgument(`inference input '${input.name}' data-type is '${input.datatype}', but ${m} expects '${spec.datatype}'`);
    }
    const shape = input.shape;
    let dims: readonly number[] = shape;
    const expected = model.maxBatchSize > 0 ? [-1, ...spec.dims] : spec.dims;
    const mismatch = () => invalidArgument(`unexpected shape for input '${input.name}' for ${m}: expected ${fmt(expected)}, got ${fmt(shape)}`);
    if (model.maxBatchSize > 0) {
      if (shape.length !== spec.dims.length + 1) throw mismatch();
      const b = shape[0]!;
      if (b < 1 || b > model.maxBatchSize) {
        throw invalidArgument(`inference request batch-size ${b} for input '${input.name}' must be between 1 and max_batch_size ${model.maxBatchSize} of ${m}`);
      }
      if (batch >= 0 && b !== batch) throw invalidArgument(`inputs of one request must have the same batch size: input '${input.name}' has ${b}, another input has ${batch} (${m})`);
      batch = b;
      dims = shape.slice(1);
    } else if (shape.length !== spec.dims.length) {
      throw mismatch();
    }
    for (let i = 0; i < spec.dims.length; i++) {
      if (spec.dims[i] !== -1 && spec.dims[i] !== dims[i]) throw mismatch();
    }
  }
  if (seen.size !== model.inputs.length) {
    const missing = model.inputs.filter((s) => !seen.has(s.name)).map((s) => `'${s.name}'`);
    throw invalidArgument(`expected ${model.inputs.length} inputs but got ${seen.size} inputs for ${m}: missing ${missing.join(', ')}`);
  }
}

export function validateTensors(model: InferenceModel, inputs: readonly Tensor[]): void {
  validateInputHeaders(model, inputs);
}

/** Requested outputs must exist, appear once, and class_count must be a positive integer. */
export function validateRequestedOutputs(model: InferenceModel, outputs: readonly RequestedOutput[] | undefined): void {
  if (!outputs) return;
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i]!;
    if (!specByName(model.outputs, o.name)) {
      throw invalidArgument(`unexpected inference output '${o.name}' for model '${model.name}'; its outputs are ${model.outputs.map((s) => `'${s.name}'`).join(', ')}`);
    }
    // A model has a handful of outputs (each named once at most): a scan beats a Set per request.
    for (let j = 0; j < i; j++) if (outputs[j]!.name === o.name) throw invalidArgument(`output '${o.name}' is requested more than once`);
    if (o.classCount !== undefined && (!Number.isInteger(o.classCount) || o.classCount < 0)) {
      throw invalidArgument(`class_count of output '${o.name}' must be a non-negative integer, got ${o.classCount}`);
    }
    if (o.classCount && o.sharedMemory) {
      throw invalidArgument(`output '${o.name}' asks for classification and shared memory; classification results cannot go to shared memory`);
    }
  }
}
