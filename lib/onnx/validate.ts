// Checks a request against a model's declared inputs (the config's view: dims exclude the batch
// dimension when max_batch_size > 0) before it reaches ONNX Runtime, so a wrong name, datatype
// or shape gets a message in KServe's terms rather than ORT's.
import type { Tensor, TensorSpec } from '../backends/types.js';
import { invalidArgument } from '../protocol/errors.js';

const fmt = (shape: readonly number[]) => `[${shape.join(',')}]`;

/** The request's batch size (1 for a model that does not batch). Throws INVALID_ARGUMENT. */
export function validateRequest(model: string, maxBatchSize: number, specs: readonly TensorSpec[], inputs: Tensor[]): number {
  if (!Array.isArray(inputs)) throw invalidArgument(`${model}: infer() takes an array of tensors`);
  let rows = -1;
  let seen = 0;  // inputs matched so far (names are checked unique below)
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    const spec = specs.find((s) => s.name === t?.name);
    if (!spec) {
      throw invalidArgument(`${model} has no input '${t?.name}' (its inputs: ${specs.map((s) => `'${s.name}'`).join(', ')})`);
    }
    for (let j = 0; j < i; j++) {
      if (inputs[j]!.name === spec.name) throw invalidArgument(`${model}: input '${spec.name}' is given more than once`);
    }
    seen++;
    if (t.datatype !== spec.datatype) {
      throw invalidArgument(`${model}: input '${spec.name}' has datatype ${spec.datatype}, got ${t.datatype}`);
    }
    const shape = t.shape;
    if (!Array.isArray(shape)) throw invalidArgument(`${model}: input '${spec.name}': shape must be an array of non-negative integers`);
    const offset = maxBatchSize > 0 ? 1 : 0;
    let fits = shape.length === spec.dims.length + offset;
    for (let d = 0; d < shape.length; d++) {
      const v = shape[d]!;
      if (!Number.isInteger(v) || v < 0) throw invalidArgument(`${model}: input '${spec.name}': shape must be an array of non-negative integers`);
      if (d >= offset && fits) {
        const want = spec.dims[d - offset]!;
        if (want >= 0 && want !== v) fits = false;
      }
    }
    if (!fits) {
      const shown = maxBatchSize > 0 ? `[batch,${spec.dims.join(',')}]` : fmt(spec.dims);
      throw invalidArgument(`${model}: input '${spec.name}' has shape ${fmt(shape)}, the model expects ${shown} (-1: any size)`);
    }
    if (maxBatchSize > 0) {
      const n = shape[0]!;
      if (n < 1 || n > maxBatchSize) {
        throw invalidArgument(`${model}: input '${spec.name}' has batch size ${n}, the model allows 1..${maxBatchSize} (max_batch_size)`);
      }
      if (rows >= 0 && rows !== n) throw invalidArgument(`${model}: inputs disagree on the batch size (${rows} and ${n})`);
      rows = n;
    }
  }
  if (seen < specs.length) {
    const missing = specs.filter((s) => !inputs.some((t) => t.name === s.name));
    throw invalidArgument(`${model}: missing input(s) ${missing.map((s) => `'${s.name}'`).join(', ')}`);
  }
  return rows < 0 ? 1 : rows;
}

/** The requested output names, checked; undefined = all. */
export function validateOutputs(model: string, specs: readonly TensorSpec[], names: string[] | undefined): string[] | undefined {
  if (!names) return undefined;
  for (const n of names) {
    if (!specs.some((s) => s.name === n)) {
      throw invalidArgument(`${model} has no output '${n}' (its outputs: ${specs.map((s) => `'${s.name}'`).join(', ')})`);
    }
  }
  return names;
}
