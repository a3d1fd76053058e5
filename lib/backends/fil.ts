// The `fil` backend: Triton FIL model repositories (XGBoost JSON/UBJSON, LightGBM text, Treelite
// checkpoints) served by the native forest evaluator through the dynamic batcher. Tensors are
// FIL's: input__0 FP32 [num_feature] and output__0 FP32 [width], rows as the batch dimension;
// fil-config.ts holds the parameter and output semantics.
import { randomBytes } from 'node:crypto';
import { loadModel, nativeHandleOf, type Model } from '../forest/model.js';
import { LarchError, toLarchError } from '../protocol/errors.js';
import { registerBackend, type Backend, type BackendLoadContext } from '../repository/backend-registry.js';
import { filDefaultModelFilename } from '../repository/fil-files.js';
import { kserveDataType, type ModelConfig, type ModelInputConfig, type ModelOutputConfig } from '../repository/model-config.js';
import { withDefaults, subMessage } from '../repository/pbtxt/schema.js';
import { ModelConfigSchema } from '../repository/pbtxt/model-config-schema.js';
import { BatchedModel } from './batcher.js';
import { batchConfigOf, declaredOutputWidth, filOutput, filParameters } from './fil-config.js';
import type { InferenceModel, InferOptions, ModelStats, Tensor, TensorSpec } from './types.js';

/** Triton's default max_batch_size for auto-completed batching models (--backend-config default-max-batch-size). */
export const FIL_DEFAULT_MAX_BATCH_SIZE = 4;
export const FIL_PLATFORM = 'fil';

/** Rows x trees a request may cost to run inline on the receiving thread (see load()). */
const kInlineTreeRows = 4096;

async function loadForest(config: ModelConfig, ctx: BackendLoadContext): Promise<Model> {
  const params = filParameters(config);
  try {
    return await loadModel(ctx.modelPath, { format: params.format });
  } catch (err) {
    const e = toLarchError(err);
    throw new LarchError(e.code, `model "${config.name}" version ${ctx.version}: ${e.message}`, { cause: err });
  }
}

function ioDefaults(kind: 'input' | 'output', fields: Record<string, unknown>): Record<string, unknown> {
  return withDefaults(subMessage(ModelConfigSchema, kind), fields as never) as Record<string, unknown>;
}

/** Triton FIL auto-complete: input__0 / output__0 from the model, max_batch_size, dynamic batching. */
export function autoCompleteFilConfig(config: ModelConfig, model: Model): ModelConfig {
  const cfg: ModelConfig = { ...config };
  const { width } = filOutput(model, filParameters(cfg), declaredOutputWidth(cfg));
  if (cfg.max_batch_size === 0) {
    cfg.max_batch_size = FIL_DEFAULT_MAX_BATCH_SIZE;
    if (!cfg.dynamic_batching && !cfg.sequence_batching && !cfg.ensemble_scheduling) {
      const db = withDefaults(subMessage(ModelConfigSchema, 'dynamic_batching'), {}) as unknown as NonNullable<ModelConfig['dynamic_batching']>;
      db.preferred_batch_size = [cfg.max_batch_size];
      cfg.dynamic_batching = db;
    }
  }
  if (cfg.input.length === 0) {
    cfg.input = [ioDefaults('input', { name: 'input__0', data_type: 'TYPE_FP32', dims: [model.numFeature] }) as unknown as ModelInputConfig];
  } else {
    cfg.input = cfg.input.map((i) => (i.dims.length === 0 ? { ...i, dims: [model.numFeature] } : i));
  }
  if (cfg.output.length === 0) {
    cfg.output = [ioDefaults('output', { name: 'output__0', data_type: 'TYPE_FP32', dims: [width] }) as unknown as ModelOutputConfig];
  } else {
    cfg.output = cfg.output.map((o) => (o.dims.length === 0 ? { ...o, dims: [width] } : o));
  }
  return cfg;
}

function specOf(config: ModelConfig, io: ModelInputConfig | ModelOutputConfig, kind: string): TensorSpec {
  const datatype = kserveDataType(io.data_type);
  if (datatype !== 'FP32')
    throw new LarchError('INVALID_ARGUMENT',
      `${kind} "${io.name}" of model "${config.name}" is ${io.data_type}; the fil backend uses TYPE_FP32`);
  return { name: io.name, datatype, dims: [...io.dims] };
}

/** Checks the config's tensors against the forest and returns the specs the batcher serves. */
function checkTensors(config: ModelConfig, model: Model, width: number): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  if (config.max_batch_size < 1)
    throw new LarchError('INVALID_ARGUMENT',
      `model "${config.name}": the fil backend needs max_batch_size >= 1 (rows are the batch dimension)`);
  if (config.input.length !== 1)
    throw new LarchError('INVALID_ARGUMENT', `model "${config.name}": the fil backend takes exactly one input (input__0), got ${config.input.length}`);
  if (config.output.some((o) => o.name === 'treeshap_output'))
    throw new LarchError('UNSUPPORTED', `model "${config.name}": FIL's treeshap_output (SHAP values) is not supported by larch; remove that output from config.pbtxt to serve the predictions`);
  if (config.output.length !== 1)
    throw new LarchError('INVALID_ARGUMENT', `model "${config.name}": the fil backend gives exactly one output (output__0), got ${config.output.length}`);
  const input = specOf(config, config.input[0]!, 'input');
  const output = specOf(config, config.output[0]!, 'output');
  if (input.dims.length !== 1 || input.dims[0] !== model.numFeature)
    throw new LarchError('INVALID_ARGUMENT',
      `input "${input.name}" of model "${config.name}" has dims [${input.dims.join(', ')}], but the model has ${model.numFeature} features (dims: [ ${model.numFeature} ])`);
  if (output.dims.length !== 1 || output.dims[0] !== width)
    throw new LarchError('INVALID_ARGUMENT',
      `output "${output.name}" of model "${config.name}" has dims [${output.dims.join(', ')}], but with these is_classifier (output_class) / predict_proba settings the model gives ${width} value(s) per row (dims: [ ${width} ])`);
  return { inputs: [input], outputs: [output] };
}

class FilModel implements InferenceModel {
  readonly platform = FIL_PLATFORM;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly maxBatchSize: number;
  readonly #batched: BatchedModel;

  constructor(readonly name: string, readonly version: string,
    readonly responseParameters: Record<string, string | number | boolean>, batched: BatchedModel) {
    this.#batched = batched;
    this.inputs = batched.inputs;
    this.outputs = batched.outputs;
    this.maxBatchSize = batched.maxBatchSize;
  }

  /** The process-wide id worker threads open this model's batcher with (BatchedModel.open). */
  get nativeModelId(): string {
    return this.#batched.id;
  }

  infer(inputs: Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    return this.#batched.infer(inputs, options);
  }

  submit(inputs: Tensor[], options: InferOptions = {}): Tensor[] | Promise<Tensor[]> {
    return this.#batched.submit(inputs, options);
  }

  stats(): ModelStats {
    return this.#batched.stats();
  }

  unload(): Promise<void> {
    return this.#batched.unload();
  }
}

export const filBackend: Backend = {
  name: 'fil',
  metadataPlatform: () => FIL_PLATFORM,
  defaultModelFilename: (config) => filDefaultModelFilename(config),

  async autoComplete(config: ModelConfig, ctx: BackendLoadContext): Promise<ModelConfig> {
    return autoCompleteFilConfig(config, await loadForest(config, ctx));
  },

  async load(config: ModelConfig, ctx: BackendLoadContext): Promise<InferenceModel> {
    const params = filParameters(config);
    const batch = batchConfigOf(config);
    const model = await loadForest(config, ctx);
    const { mode, width } = filOutput(model, params, declaredOutputWidth(config));
    const { inputs, outputs } = checkTensors(config, model, width);
    if (config.instance_group.some((g) => g.kind === 'KIND_GPU'))
      process.emitWarning(`model "${config.name}": instance_group KIND_GPU runs on larch's CPU forest evaluator`, { code: 'LARCH_FIL_CPU' });
    // A lone small request on an idle model runs on the HTTP/gRPC thread that received it (no
    // hop to an instance thread and back, ~2 wake-ups), as long as it stays short: about 4096
    // tree evaluations, i.e. tens of microseconds of the event loop at most.
    const inlineMaxRows = Math.max(1, Math.floor(kInlineTreeRows / Math.max(1, model.numTree)));
    const batched = BatchedModel.create({
      id: `fil/${config.name}/${ctx.version}/${randomBytes(6).toString('hex')}`,
      name: config.name,
      inputs,
      outputs,
      config: { ...batch, inlineMaxRows },
      runner: { kind: 'forest', model: nativeHandleOf(model), mode, threshold: params.threshold },
    });
    return new FilModel(config.name, ctx.version, ctx.responseParameters, batched);
  },
};

registerBackend(filBackend);
