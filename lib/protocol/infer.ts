// Runs one decoded request on a model: validates the requested outputs, calls the model, then
// selects, orders and post-processes (classification) the outputs the client asked for.
import type { InferenceModel, InferOptions, Tensor } from '../backends/types.js';
import { classify } from './classification.js';
import { internal, invalidArgument } from './errors.js';
import type { InferRequest, InferResult, OutputResult, RequestedOutput } from './infer-request.js';
import { validateRequestedOutputs } from './validate.js';
import { writeSharedMemoryOutputs } from './shared-memory.js';

// Requests decoded from a cached plan share its (frozen) outputs array: the options made from it
// are kept with it, so such requests build no options object and no list of names.
const kNoOptions: InferOptions = Object.freeze({});
const optionsOf = new WeakMap<readonly RequestedOutput[], InferOptions>();
/** The model a cached plan's outputs were last validated against. */
const validatedFor = new WeakMap<readonly RequestedOutput[], InferenceModel>();

/** Request parameters larch understands; others are accepted and ignored, as Triton does. */
function inferOptions(req: InferRequest): InferOptions {
  const timeout = req.parameters.timeout;
  if (timeout === undefined) {
    if (!req.outputs) return kNoOptions;
    let shared = optionsOf.get(req.outputs);
    if (!shared) {
      shared = Object.freeze({ outputs: Object.freeze(req.outputs.map((o) => o.name)) as string[] });
      if (Object.isFrozen(req.outputs)) optionsOf.set(req.outputs, shared);
    }
    return shared;
  }
  const options: InferOptions = {};
  if (req.outputs) options.outputs = req.outputs.map((o) => o.name);
  if (timeout !== undefined) {
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0) {
      throw invalidArgument(`request parameter "timeout" must be a non-negative integer of microseconds, got ${JSON.stringify(timeout)}`);
    }
    options.timeoutUs = timeout;
  }
  return options;
}

export async function runInference(model: InferenceModel, req: InferRequest, defaultBinary: boolean): Promise<InferResult> {
  return inferenceResult(model, req, defaultBinary, await startInference(model, req));
}

/**
 * Validates the requested outputs and starts the model on the request (the first half of
 * runInference). The outputs come back at once when the model answered synchronously (see
 * InferenceModel.submit); a bad request throws.
 */
export function startInference(model: InferenceModel, req: InferRequest): Tensor[] | Promise<Tensor[]> {
  if (req.outputs && validatedFor.get(req.outputs) !== model) {
    validateRequestedOutputs(model, req.outputs);
    if (Object.isFrozen(req.outputs)) validatedFor.set(req.outputs, model);  // a cached plan's: shared, immutable
  }
  const options = inferOptions(req);
  return model.submit ? model.submit(req.inputs, options) : model.infer(req.inputs, options);
}

/** Selects, orders and post-processes the outputs the client asked for (the second half). */
export function inferenceResult(model: InferenceModel, req: InferRequest, defaultBinary: boolean, tensors: Tensor[]): InferResult {
  let outputs: OutputResult[];
  const batched = model.maxBatchSize > 0;
  if (req.outputs) {
    const wanted = req.outputs;
    outputs = new Array<OutputResult>(wanted.length);  // sized up front: no growth per request
    for (let i = 0; i < wanted.length; i++) {
      const o = wanted[i]!;
      let tensor = findTensor(tensors, o.name);
      if (!tensor) throw internal(`model '${model.name}' did not produce requested output '${o.name}'`);
      if (o.classCount) tensor = classify(tensor, o.classCount, batched, model.outputLabels?.[o.name]);
      if (o.sharedMemory === undefined) outputs[i] = { tensor, binary: o.binary ?? defaultBinary };
      else outputs[i] = { tensor, binary: false, sharedMemory: o.sharedMemory };
    }
    // Outputs for shared memory are written once all are known (sizes checked before any write).
    if (req.sharedMemory) writeSharedMemoryOutputs(req.sharedMemory, outputs);
  } else {
    outputs = [];
    for (const spec of model.outputs) {
      const tensor = findTensor(tensors, spec.name);
      if (tensor) outputs.push({ tensor, binary: defaultBinary });
    }
    // Outputs a backend adds beyond the declared ones are passed through too.
    for (const t of tensors) if (!model.outputs.some((s) => s.name === t.name)) outputs.push({ tensor: t, binary: defaultBinary });
  }
  const result: InferResult = { model, parameters: model.responseParameters, outputs };
  if (req.id !== undefined) result.id = req.id;
  return result;
}

// Models have a handful of outputs: a scan beats building a Map per request.
function findTensor(tensors: Tensor[], name: string): Tensor | undefined {
  for (let i = 0; i < tensors.length; i++) if (tensors[i]!.name === name) return tensors[i];
  return undefined;
}
