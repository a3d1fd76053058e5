// The Triton FIL backend's parameters and output semantics (its docs/model_config.md), as pure
// functions of a ModelConfig and the loaded forest's shape:
//   is_classifier=false                      -> output__0 is the model's predict() value
//   is_classifier=true,  predict_proba=false -> the class: argmax for multiclass; value > threshold
//                                               (default 0.5) for single-output classifiers
//   predict_proba=true                       -> per-class probabilities (multi:softmax models: the
//                                               softmax of their scores); a binary model gives two
//                                               columns [1 - p, p] when output__0 has dims [ 2 ],
//                                               its one probability when dims are [ 1 ] (FIL
//                                               treats binary models as one class)
// `is_classifier` is the parameter since FIL 25.09; `output_class`, its earlier name, still
// decides when it is given (as in FIL, which maps it onto is_classifier).
// storage_type, algo, layout, threads_per_tree, chunk_size, blocks_per_sm, cpu_nthread,
// transfer_threshold, use_experimental_optimizations and xgboost_allow_unknown_field tune FIL's
// kernels or its parser; they do not change results and are accepted and ignored here.
import { LarchError } from '../protocol/errors.js';
import { configParameter, type ModelConfig } from '../repository/model-config.js';
import { filModelType } from '../repository/fil-files.js';
import type { Model } from '../forest/model.js';
import type { BatchConfig } from './batcher.js';

export type FilFormat = 'xgboost_json' | 'xgboost_ubj' | 'lightgbm' | 'treelite_checkpoint' | 'xgboost';
/** How native/batch/forest_runner.h turns predictions into output__0. */
export type FilOutputMode = 'value' | 'class' | 'class_threshold' | 'proba_binary' | 'probability';

export interface FilParameters {
  format: FilFormat;
  outputClass: boolean;
  predictProba: boolean;
  threshold: number;
}

/** FIL model_type -> loader format ("xgboost", FIL's default, is XGBoost's legacy binary format). */
const FORMATS: Record<string, FilFormat | undefined> = {
  xgboost: 'xgboost', xgboost_json: 'xgboost_json', xgboost_ubj: 'xgboost_ubj', lightgbm: 'lightgbm',
  treelite_checkpoint: 'treelite_checkpoint',
};

function boolParameter(config: ModelConfig, key: string): boolean {
  const v = configParameter(config, key);
  if (v === undefined || v === '') return false;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw new LarchError('INVALID_ARGUMENT', `parameter ${key} of model "${config.name}" must be "true" or "false", got "${v}"`);
}

export function filParameters(config: ModelConfig): FilParameters {
  const modelType = filModelType(config);
  const format = FORMATS[modelType];
  if (!format) {
    throw new LarchError('INVALID_ARGUMENT',
      `model_type "${modelType}" of model "${config.name}": expected one of ${Object.keys(FORMATS).join(', ')}`);
  }
  const t = configParameter(config, 'threshold');
  const threshold = t === undefined || t.trim() === '' ? 0.5 : Number(t);
  if (!Number.isFinite(threshold))
    throw new LarchError('INVALID_ARGUMENT', `parameter threshold of model "${config.name}" must be a number, got "${t}"`);
  const legacy = configParameter(config, 'output_class');
  const outputClass = legacy !== undefined && legacy.trim() !== '' ? boolParameter(config, 'output_class') : boolParameter(config, 'is_classifier');
  return { format, outputClass, predictProba: boolParameter(config, 'predict_proba'), threshold };
}

/** output__0's width as the config declares it (dims [ n ]), or undefined when it gives none. */
export function declaredOutputWidth(config: ModelConfig): number | undefined {
  return config.output.length === 1 && config.output[0]!.dims.length === 1 ? config.output[0]!.dims[0] : undefined;
}

/**
 * The output mode and output__0's width (values per row) for a loaded forest. `declaredWidth`:
 * output__0's dims in the config, when it gives them (a binary model's predict_proba output is
 * one or two columns, as declared; two when auto-completed).
 */
export function filOutput(model: Model, p: FilParameters, declaredWidth?: number): { mode: FilOutputMode; width: number } {
  const valueWidth = model.outputsPerRow('value');
  // XGBoost multi:softmax (and similar) already predicts the class as its value.
  const valueIsClass = model.task === 'multiclass' && valueWidth === model.outputsPerRow('class') && model.numClass > 1;
  if (p.predictProba) {
    // A model that predicts classes (multi:softmax) gives its softmax probabilities, as FIL does.
    if (valueIsClass) return { mode: 'probability', width: model.outputsPerRow('margin') };
    if (valueWidth !== 1) return { mode: 'value', width: valueWidth };
    return declaredWidth === 1 ? { mode: 'value', width: 1 } : { mode: 'proba_binary', width: 2 };
  }
  if (p.outputClass) {
    if (valueIsClass) return { mode: 'value', width: valueWidth };
    return valueWidth === 1 ? { mode: 'class_threshold', width: 1 } : { mode: 'class', width: model.outputsPerRow('class') };
  }
  return { mode: 'value', width: valueWidth };
}

/** Instances to run (instance_group counts summed; KIND_GPU groups run on the CPU evaluator). */
export function filInstanceCount(config: ModelConfig): number {
  return Math.max(1, config.instance_group.reduce((n, g) => n + Math.max(0, g.count || 0), 0));
}

/** A uint64 config value as a number; values beyond 2^53 (kept as strings) are refused. */
function u64(config: ModelConfig, field: string, v: number | string | undefined): number {
  if (v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new LarchError('INVALID_ARGUMENT', `${field} ${String(v)} of model "${config.name}" is out of range`);
  return n;
}

/** The native batcher's settings from the config's max_batch_size, dynamic_batching and instance_group. */
export function batchConfigOf(config: ModelConfig): BatchConfig {
  const db = config.dynamic_batching;
  const policy = db?.default_queue_policy;
  if (policy && policy.timeout_action === 'DELAY')
    throw new LarchError('UNSUPPORTED',
      `default_queue_policy timeout_action DELAY of model "${config.name}" is not supported (use REJECT)`);
  if (db && u64(config, 'priority_levels', db.priority_levels) > 0)
    throw new LarchError('UNSUPPORTED', `dynamic_batching priority_levels of model "${config.name}" are not supported`);
  return {
    maxBatchSize: config.max_batch_size,
    dynamicBatching: db !== undefined,
    preferredBatchSizes: db?.preferred_batch_size ?? [],
    maxQueueDelayUs: u64(config, 'max_queue_delay_microseconds', db?.max_queue_delay_microseconds),
    maxQueueSize: policy?.max_queue_size ?? 0,
    defaultTimeoutUs: u64(config, 'default_timeout_microseconds', policy?.default_timeout_microseconds),
    allowTimeoutOverride: policy?.allow_timeout_override ?? false,
    instanceCount: filInstanceCount(config),
  };
}
