// A Triton ModelConfig in its JSON form: what config.pbtxt parses into, what backends read and
// what the model config endpoints return. Field names are protobuf's (snake_case), enums are
// their names, int64 fields are numbers (Triton fixes protobuf's int64-as-string output for the
// fields it knows; the two it does not fix stay strings, see model-config-schema.ts).
// A 64-bit value beyond ±(2^53-1) (say priority_levels 18446744073709551615) stays exact as a
// decimal string, protobuf's own JSON form; the uint64 fields below are typed number | string.
// After normalizeModelConfig every primitive field of every present message is set (Triton
// prints with always_print_primitive_fields), so backends can read fields without defaults.
import type { DataType } from '../backends/types.js';

export type TritonDataType =
  | 'TYPE_INVALID' | 'TYPE_BOOL' | 'TYPE_UINT8' | 'TYPE_UINT16' | 'TYPE_UINT32' | 'TYPE_UINT64'
  | 'TYPE_INT8' | 'TYPE_INT16' | 'TYPE_INT32' | 'TYPE_INT64' | 'TYPE_FP16' | 'TYPE_FP32'
  | 'TYPE_FP64' | 'TYPE_STRING' | 'TYPE_BF16';

export interface ModelTensorReshape { shape: number[] }

export interface ModelInputConfig {
  name: string;
  data_type: TritonDataType;
  format: 'FORMAT_NONE' | 'FORMAT_NHWC' | 'FORMAT_NCHW';
  dims: number[];
  reshape?: ModelTensorReshape;
  is_shape_tensor: boolean;
  allow_ragged_batch: boolean;
  optional: boolean;
  is_non_linear_format_io: boolean;
}

export interface ModelOutputConfig {
  name: string;
  data_type: TritonDataType;
  dims: number[];
  reshape?: ModelTensorReshape;
  label_filename: string;
  is_shape_tensor: boolean;
  is_non_linear_format_io: boolean;
}

export type InstanceKind = 'KIND_AUTO' | 'KIND_GPU' | 'KIND_CPU' | 'KIND_MODEL';

export interface ModelInstanceGroup {
  name: string;
  kind: InstanceKind;
  count: number;
  gpus: number[];
  profile: string[];
  passive: boolean;
  host_policy: string;
  [field: string]: unknown;
}

export interface ModelQueuePolicy {
  timeout_action: 'REJECT' | 'DELAY';
  default_timeout_microseconds: number | string;
  allow_timeout_override: boolean;
  max_queue_size: number;
}

export interface ModelDynamicBatching {
  preferred_batch_size: number[];
  max_queue_delay_microseconds: number | string;
  preserve_ordering: boolean;
  priority_levels: number | string;
  default_priority_level: number | string;
  default_queue_policy?: ModelQueuePolicy;
  priority_queue_policy: Record<string, ModelQueuePolicy>;
}

export interface ModelVersionPolicy {
  latest?: { num_versions: number };
  all?: Record<string, never>;
  specific?: { versions: number[] };
}

export interface ModelConfig {
  name: string;
  platform: string;
  backend: string;
  runtime: string;
  version_policy?: ModelVersionPolicy;
  max_batch_size: number;
  input: ModelInputConfig[];
  output: ModelOutputConfig[];
  batch_input: unknown[];
  batch_output: unknown[];
  optimization?: Record<string, unknown>;
  dynamic_batching?: ModelDynamicBatching;
  sequence_batching?: Record<string, unknown>;
  ensemble_scheduling?: Record<string, unknown>;
  instance_group: ModelInstanceGroup[];
  default_model_filename: string;
  cc_model_filenames: Record<string, string>;
  metric_tags: Record<string, string>;
  /** Backend parameters, e.g. the FIL backend's model_type, output_class, threshold. */
  parameters: Record<string, { string_value: string }>;
  model_warmup: unknown[];
  model_operations?: Record<string, unknown>;
  model_transaction_policy?: { decoupled: boolean };
  model_repository_agents?: Record<string, unknown>;
  response_cache?: { enable: boolean };
  model_metrics?: Record<string, unknown>;
}

const kserveOfTriton: Record<TritonDataType, DataType | undefined> = {
  TYPE_INVALID: undefined, TYPE_BF16: undefined,
  TYPE_BOOL: 'BOOL', TYPE_UINT8: 'UINT8', TYPE_UINT16: 'UINT16', TYPE_UINT32: 'UINT32',
  TYPE_UINT64: 'UINT64', TYPE_INT8: 'INT8', TYPE_INT16: 'INT16', TYPE_INT32: 'INT32',
  TYPE_INT64: 'INT64', TYPE_FP16: 'FP16', TYPE_FP32: 'FP32', TYPE_FP64: 'FP64',
  TYPE_STRING: 'BYTES',
};

/** TYPE_FP32 -> FP32, TYPE_STRING -> BYTES; undefined for types KServe cannot carry (BF16, INVALID). */
export function kserveDataType(t: TritonDataType): DataType | undefined {
  return kserveOfTriton[t];
}

/** FP32 -> TYPE_FP32, BYTES -> TYPE_STRING. */
export function tritonDataType(t: DataType): TritonDataType {
  return t === 'BYTES' ? 'TYPE_STRING' : (`TYPE_${t}` as TritonDataType);
}

/** A backend parameter's string value, or undefined when the config does not set it. */
export function configParameter(config: ModelConfig, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(config.parameters, key)
    ? config.parameters[key]!.string_value
    : undefined;
}
