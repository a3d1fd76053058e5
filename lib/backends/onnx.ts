// The `onnxruntime` backend (config `backend: "onnxruntime"` or `platform: "onnxruntime_onnx"`,
// default file model.onnx): one ONNX Runtime session per model instance, config auto-complete
// from the model's own inputs and outputs, and requests through the model's executor. Where
// this larch cannot run ONNX (built without the headers, or no libonnxruntime), auto-complete
// and load fail with UNAVAILABLE and the reason, so the repository lists the model as
// UNAVAILABLE while every other model keeps serving.
import type { InferenceModel, TensorSpec } from './types.js';
import { registerBackend, type Backend, type BackendLoadContext } from '../repository/backend-registry.js';
import type { ModelConfig } from '../repository/model-config.js';
import { BatchedExecutor, nativelyBatchable } from '../onnx/batched-executor.js';
import { batchConfigOf } from './fil-config.js';
import { autoCompleteOnnxConfig, checkOnnxConfig, configReshapes, configTensorSpecs, sessionOptionsOf } from '../onnx/config.js';
import { DirectExecutor, OnnxModel } from '../onnx/model.js';
import { OnnxSession } from '../onnx/session.js';

export const ONNX_PLATFORM = 'onnxruntime_onnx';

function label(config: ModelConfig, ctx: BackendLoadContext): string {
  return `model '${config.name}' version ${ctx.version} (${ctx.modelPath})`;
}

/** Sessions for every instance of every instance_group (at least one). */
async function createSessions(config: ModelConfig, ctx: BackendLoadContext): Promise<OnnxSession[]> {
  const options = sessionOptionsOf(config);
  const count = Math.max(1, config.instance_group.reduce((n, g) => n + (g.count || 0), 0));
  const sessions: OnnxSession[] = [];
  try {
    for (let i = 0; i < count; i++) sessions.push(await OnnxSession.create(ctx.modelPath, options, label(config, ctx)));
  } catch (err) {
    for (const s of sessions) s.release();
    throw err;
  }
  return sessions;
}

export const onnxBackend: Backend = {
  name: 'onnxruntime',
  platforms: [ONNX_PLATFORM],
  metadataPlatform: () => ONNX_PLATFORM,
  defaultModelFilename: () => 'model.onnx',

  async autoComplete(config: ModelConfig, ctx: BackendLoadContext): Promise<ModelConfig> {
    // A light session (no graph optimisation, one thread) only to read the model's declarations.
    const probe = await OnnxSession.create(ctx.modelPath, { graphOptimizationLevel: 0, intraOpThreads: 1 }, label(config, ctx));
    try {
      return autoCompleteOnnxConfig(config, probe);
    } finally {
      probe.release();
    }
  },

  async load(config: ModelConfig, ctx: BackendLoadContext): Promise<InferenceModel> {
    const sessions = await createSessions(config, ctx);
    try {
      const checked = checkOnnxConfig(config, sessions[0]!);
      const inputs = configTensorSpecs(config.name, checked.input);
      const outputs = configTensorSpecs(config.name, checked.output);
      const inputReshapes = configReshapes(checked.input);
      const outputReshapes = configReshapes(checked.output);
      const description = { name: config.name, version: ctx.version, maxBatchSize: checked.max_batch_size, inputs, outputs, responseParameters: ctx.responseParameters };
      // The batcher takes tensors in the model's order; the config may list them in another.
      const inModelOrder = (specs: TensorSpec[], model: readonly TensorSpec[]) => model.map((m) => specs.find((s) => s.name === m.name)!);
      const plan = {
        name: config.name, version: ctx.version,
        inputs: inModelOrder(inputs, sessions[0]!.inputs), outputs: inModelOrder(outputs, sessions[0]!.outputs),
        inputReshapes, outputReshapes, batch: batchConfigOf(checked),  // the dynamic_batching settings read as for every backend
      };
      if (nativelyBatchable(plan)) return new OnnxModel(description, new BatchedExecutor(sessions, plan));
      // BYTES tensors or outputs of variable size: each request runs on a session directly,
      // with the config's reshapes applied in JS.
      return new OnnxModel({ ...description, inputReshapes, outputReshapes }, new DirectExecutor(sessions, checked.max_batch_size));
    } catch (err) {
      for (const s of sessions) s.release();
      throw err;
    }
  },
};

registerBackend(onnxBackend);
