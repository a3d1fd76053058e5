// Model config <-> ONNX model, as Triton's onnxruntime backend does it:
// - autoCompleteOnnxConfig fills what config.pbtxt leaves out from the model itself (inputs,
//   outputs, their data types and dims, max_batch_size = 4 when the model can batch, and then a
//   dynamic batcher) and refuses a config that contradicts the model;
// - sessionOptionsOf reads ORT's session settings from the config (parameters and
//   optimization.graph.level, with Triton's keys and values).
import type { TensorSpec } from '../backends/types.js';
import { invalidArgument } from '../protocol/errors.js';
import type { ModelConfig, ModelDynamicBatching, ModelInputConfig, ModelOutputConfig } from '../repository/model-config.js';
import { configParameter, kserveDataType, tritonDataType } from '../repository/model-config.js';
import { ModelConfigSchema } from '../repository/pbtxt/model-config-schema.js';
import { subMessage, withDefaults } from '../repository/pbtxt/schema.js';
import type { OnnxSessionOptions } from './session.js';
import { DEFAULT_MAX_BATCH_SIZE, modelCanBatch } from './specs.js';

interface ModelIo { inputs: readonly TensorSpec[]; outputs: readonly TensorSpec[] }
type IoConfig = ModelInputConfig | ModelOutputConfig;

const fmt = (d: readonly number[]) => `[${d.join(',')}]`;

/** Whether the config's own inputs/outputs (where it states dims) leave room for a batch dimension. */
function configAllowsBatching(config: ModelConfig, model: ModelIo): boolean {
  const given: Array<[IoConfig, TensorSpec | undefined]> = [
    ...config.input.map((c) => [c, model.inputs.find((m) => m.name === c.name)] as [IoConfig, TensorSpec | undefined]),
    ...config.output.map((c) => [c, model.outputs.find((m) => m.name === c.name)] as [IoConfig, TensorSpec | undefined]),
  ];
  return given.every(([c, m]) => !m || c.dims.length === 0 || c.reshape !== undefined || c.dims.length === m.dims.length - 1);
}

/**
 * Checks the config's inputs (or outputs) against the model's, filling every one the config
 * leaves out and the dims of those it lists without dims. Throws INVALID_ARGUMENT on a mismatch.
 */
function completeIo(kind: 'input' | 'output', model: string, given: IoConfig[], specs: readonly TensorSpec[], maxBatchSize: number): IoConfig[] {
  const out = given.map((c) => ({ ...c }));
  for (const c of out) {
    const spec = specs.find((s) => s.name === c.name);
    if (!spec) {
      throw invalidArgument(`model '${model}': config ${kind} '${c.name}' is not an ${kind} of the ONNX model ` +
        `(its ${kind}s: ${specs.map((s) => `'${s.name}'`).join(', ')})`);
    }
    const want = tritonDataType(spec.datatype);
    if (c.data_type === 'TYPE_INVALID') c.data_type = want;
    else if (c.data_type !== want) {
      throw invalidArgument(`model '${model}': config ${kind} '${c.name}' has data_type ${c.data_type}, the ONNX model's is ${want}`);
    }
    const modelDims = maxBatchSize > 0 ? spec.dims.slice(1) : spec.dims;
    if (maxBatchSize > 0 && modelDims.length === 0 && !c.reshape && (c.dims.length === 0 || (c.dims.length === 1 && c.dims[0] === 1))) {
      // Only the batch dimension: a config cannot say dims [], so (as Triton does) [1] reshaped to [].
      c.dims = [1];
      c.reshape = { shape: [] };
      continue;
    }
    if (c.dims.length === 0 && modelDims.length > 0 && !c.reshape) {
      c.dims = [...modelDims];
      continue;
    }
    if (c.reshape) continue;  // the config reshapes: its dims are the client's view, not the model's
    const fits = c.dims.length === modelDims.length && c.dims.every((d, i) => modelDims[i]! < 0 || d === modelDims[i]);
    if (!fits) {
      const batch = maxBatchSize > 0 ? ` (max_batch_size ${maxBatchSize}: the first model dimension is the batch)` : '';
      throw invalidArgument(`model '${model}': config ${kind} '${c.name}' has dims ${fmt(c.dims)}, the ONNX model's are ` +
        `${fmt(modelDims)}${batch}`);
    }
  }
  const schema = subMessage(ModelConfigSchema, kind);
  for (const spec of specs) {
    if (out.some((c) => c.name === spec.name)) continue;
    const dims = maxBatchSize > 0 ? spec.dims.slice(1) : [...spec.dims];
    const entry: Record<string, unknown> = { name: spec.name, data_type: tritonDataType(spec.datatype), dims };
    if (maxBatchSize > 0 && dims.length === 0) {
      entry.dims = [1];
      entry.reshape = { shape: [] };
    }
    out.push(withDefaults(schema, entry as never) as unknown as IoConfig);
  }
  return out;
}

/** Triton's auto-complete for an ONNX model; returns a new config, the input is not changed. */
export function autoCompleteOnnxConfig(config: ModelConfig, model: ModelIo): ModelConfig {
  const cfg: ModelConfig = { ...config };
  if (cfg.max_batch_size === 0 && modelCanBatch(model.inputs, model.outputs) && configAllowsBatching(cfg, model)) {
    cfg.max_batch_size = DEFAULT_MAX_BATCH_SIZE;
    // Triton: a model whose max_batch_size auto-complete sets above 1 gets the dynamic batcher
    // when the config names no scheduler.
    if (!cfg.dynamic_batching && !cfg.sequence_batching && !cfg.ensemble_scheduling) {
      const db = withDefaults(subMessage(ModelConfigSchema, 'dynamic_batching'), {}) as unknown as ModelDynamicBatching;
      db.preferred_batch_size = [cfg.max_batch_size];
      cfg.dynamic_batching = db;
    }
  }
  return checkOnnxConfig(cfg, model);
}

/**
 * Checks a config against the model without changing max_batch_size (what a strict config gets
 * at load time): every listed input/output exists with the model's data type and dims; those
 * the config leaves out are filled in. Returns the completed copy.
 */
export function checkOnnxConfig(config: ModelConfig, model: ModelIo): ModelConfig {
  const cfg: ModelConfig = { ...config };
  if (cfg.max_batch_size > 0 && !modelCanBatch(model.inputs, model.outputs)) {
    const fixed = [...model.inputs, ...model.outputs].filter((s) => s.dims.length === 0 || s.dims[0] !== -1);
    throw invalidArgument(`model '${cfg.name}': max_batch_size ${cfg.max_batch_size} needs a free first dimension on every ` +
      `input and output, but ${fixed.map((s) => `'${s.name}' ${fmt(s.dims)}`).join(', ')} ${fixed.length > 1 ? 'have' : 'has'} none ` +
      '(set max_batch_size: 0)');
  }
  cfg.input = completeIo('input', cfg.name, cfg.input, model.inputs, cfg.max_batch_size) as ModelInputConfig[];
  cfg.output = completeIo('output', cfg.name, cfg.output, model.outputs, cfg.max_batch_size) as ModelOutputConfig[];
  return cfg;
}

/** The config's inputs/outputs as InferenceModel specs (dims without the batch dimension). */
export function configTensorSpecs(model: string, io: IoConfig[]): TensorSpec[] {
  return io.map((c) => {
    const datatype = kserveDataType(c.data_type);
    if (!datatype) throw invalidArgument(`model '${model}': '${c.name}' has data_type ${c.data_type}, which KServe cannot carry`);
    return { name: c.name, datatype, dims: [...c.dims] };
  });
}

/** name -> the model's own dims (reshape.shape) for the config's inputs/outputs that reshape. */
export function configReshapes(io: IoConfig[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const c of io) if (c.reshape) out[c.name] = [...c.reshape.shape];
  return out;
}

function intParameter(config: ModelConfig, key: string, min: number): number | undefined {
  const v = configParameter(config, key);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw invalidArgument(`model '${config.name}': parameter ${key} = "${v}" is not an integer >= ${min}`);
  }
  return n;
}

function boolParameter(config: ModelConfig, key: string): boolean | undefined {
  const v = configParameter(config, key);
  if (v === undefined || v === '') return undefined;
  if (['1', 'true', 'on'].includes(v.toLowerCase())) return true;
  if (['0', 'false', 'off'].includes(v.toLowerCase())) return false;
  throw invalidArgument(`model '${config.name}': parameter ${key} = "${v}" is not a boolean (0/1, true/false)`);
}

/**
 * ORT session settings from the config: parameters intra_op_thread_count,
 * inter_op_thread_count, execution_mode (0 sequential, 1 parallel), enable_mem_arena,
 * session.intra_op.allow_spinning; optimization.graph.level (Triton's: absent/0 all,
 * -1 basic, 1 basic + extended, 2 none).
 */
export function sessionOptionsOf(config: ModelConfig): OnnxSessionOptions {
  const options: OnnxSessionOptions = {};
  const intra = intParameter(config, 'intra_op_thread_count', 0);
  if (intra !== undefined) options.intraOpThreads = intra;
  const inter = intParameter(config, 'inter_op_thread_count', 0);
  if (inter !== undefined) options.interOpThreads = inter;
  const mode = intParameter(config, 'execution_mode', 0);
  if (mode !== undefined) {
    if (mode > 1) throw invalidArgument(`model '${config.name}': parameter execution_mode must be 0 (sequential) or 1 (parallel)`);
    options.parallelExecution = mode === 1;
  }
  const arena = boolParameter(config, 'enable_mem_arena');
  if (arena !== undefined) options.memoryArena = arena;
  const spin = boolParameter(config, 'session.intra_op.allow_spinning');
  if (spin !== undefined) options.intraOpSpinning = spin;
  const graph = (config.optimization as { graph?: { level?: number } } | undefined)?.graph;
  const level = graph?.level ?? 0;
  const levels: Record<number, OnnxSessionOptions['graphOptimizationLevel']> = { 0: 99, [-1]: 1, 1: 2, 2: 0 };
  if (!(level in levels)) {
    throw invalidArgument(`model '${config.name}': optimization.graph.level ${level} is not one of -1 (basic), 0 (all), 1 (extended), 2 (none)`);
  }
  options.graphOptimizationLevel = levels[level];
  return options;
}

