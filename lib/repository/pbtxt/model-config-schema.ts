// Triton's ModelConfig (model_config.proto of triton-inference-server/common, package
// `inference`) as parser descriptors: every message and field, so any valid config.pbtxt parses
// and any misspelt field is an error. Which features larch serves is decided later, in
// validate.ts; here only the wire shape lives.
import type { EnumSchema, FieldSchema, MessageSchema, ScalarType } from './schema.js';

const s = (type: ScalarType, extra: Partial<FieldSchema> = {}): FieldSchema => ({ type, ...extra }) as FieldSchema;
const rep = (type: ScalarType): FieldSchema => ({ type, repeated: true });
const e = (en: EnumSchema, extra: Partial<FieldSchema> = {}): FieldSchema => ({ type: 'enum', enum: en, ...extra }) as FieldSchema;
const m = (message: () => MessageSchema, extra: Partial<FieldSchema> = {}): FieldSchema =>
  ({ type: 'message', message, ...extra }) as FieldSchema;
const repM = (message: () => MessageSchema): FieldSchema => ({ type: 'message', message, repeated: true });
const mapOf = (key: ScalarType, value: FieldSchema): FieldSchema => ({ type: 'map', key, value });
const msg = (name: string, fields: Record<string, FieldSchema>): MessageSchema => ({ name, fields });

export const DataTypeEnum: EnumSchema = {
  name: 'DataType',
  values: ['TYPE_INVALID', 'TYPE_BOOL', 'TYPE_UINT8', 'TYPE_UINT16', 'TYPE_UINT32', 'TYPE_UINT64',
    'TYPE_INT8', 'TYPE_INT16', 'TYPE_INT32', 'TYPE_INT64', 'TYPE_FP16', 'TYPE_FP32', 'TYPE_FP64',
    'TYPE_STRING', 'TYPE_BF16'],
};
const InstanceKind: EnumSchema = { name: 'ModelInstanceGroup.Kind', values: ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'] };
const SecondaryDeviceKind: EnumSchema = { name: 'SecondaryDevice.SecondaryDeviceKind', values: ['KIND_NVDLA'] };
const InputFormat: EnumSchema = { name: 'ModelInput.Format', values: ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'] };
const BatchInputKind: EnumSchema = {
  name: 'BatchInput.Kind',
  values: ['BATCH_ELEMENT_COUNT', 'BATCH_ACCUMULATED_ELEMENT_COUNT', 'BATCH_ACCUMULATED_ELEMENT_COUNT_WITH_ZERO',
    'BATCH_MAX_ELEMENT_COUNT_AS_SHAPE', 'BATCH_ITEM_SHAPE', 'BATCH_ITEM_SHAPE_FLATTEN'],
};
const BatchOutputKind: EnumSchema = { name: 'BatchOutput.Kind', values: ['BATCH_SCATTER_WITH_INPUT_SHAPE'] };
const ModelPriority: EnumSchema = { name: 'ModelOptimizationPolicy.ModelPriority', values: ['PRIORITY_DEFAULT', 'PRIORITY_MAX', 'PRIORITY_MIN'] };
const TimeoutAction: EnumSchema = { name: 'ModelQueuePolicy.TimeoutAction', values: ['REJECT', 'DELAY'] };
const ControlKind: EnumSchema = {
  name: 'Control.Kind',
  values: ['CONTROL_SEQUENCE_START', 'CONTROL_SEQUENCE_READY', 'CONTROL_SEQUENCE_END', 'CONTROL_SEQUENCE_CORRID'],
};

const RateLimiterResource = msg('ModelRateLimiter.Resource', { name: s('string'), global: s('bool'), count: s('uint32') });
const RateLimiter = msg('ModelRateLimiter', { resources: repM(() => RateLimiterResource), priority: s('uint32') });
const SecondaryDevice = msg('ModelInstanceGroup.SecondaryDevice', {
  kind: e(SecondaryDeviceKind),
  device_id: s('int64', { jsonString: true }),   // not among the int64 fields Triton turns into numbers
});
const InstanceGroup = msg('ModelInstanceGroup', {
  name: s('string'), kind: e(InstanceKind), count: s('int32'), rate_limiter: m(() => RateLimiter),
  gpus: rep('int32'), secondary_devices: repM(() => SecondaryDevice), profile: rep('string'),
  passive: s('bool'), host_policy: s('string'),
});
const TensorReshape = msg('ModelTensorReshape', { shape: rep('int64') });
const ModelInput = msg('ModelInput', {
  name: s('string'), data_type: e(DataTypeEnum), format: e(InputFormat), dims: rep('int64'),
  reshape: m(() => TensorReshape), is_shape_tensor: s('bool'), allow_ragged_batch: s('bool'),
  optional: s('bool'), is_non_linear_format_io: s('bool'),
});
const ModelOutput = msg('ModelOutput', {
  name: s('string'), data_type: e(DataTypeEnum), dims: rep('int64'), reshape: m(() => TensorReshape),
  label_filename: s('string'), is_shape_tensor: s('bool'), is_non_linear_format_io: s('bool'),
});
const BatchInput = msg('BatchInput', {
  kind: e(BatchInputKind), target_name: rep('string'), data_type: e(DataTypeEnum), source_input: rep('string'),
});
const BatchOutput = msg('BatchOutput', { target_name: rep('string'), kind: e(BatchOutputKind), source_input: rep('string') });
const VersionPolicy = msg('ModelVersionPolicy', {
  latest: m(() => msg('ModelVersionPolicy.Latest', { num_versions: s('uint32') }), { oneof: 'policy_choice' }),
  all: m(() => msg('ModelVersionPolicy.All', {}), { oneof: 'policy_choice' }),
  specific: m(() => msg('ModelVersionPolicy.Specific', { versions: rep('int64') }), { oneof: 'policy_choice' }),
});

const GraphShape = msg('GraphSpec.Shape', { dim: { type: 'int64', repeated: true, jsonString: true } });
const GraphLowerBound = msg('GraphSpec.LowerBound', { batch_size: s('int32'), input: mapOf('string', m(() => GraphShape)) });
const GraphSpec = msg('Cuda.GraphSpec', {
  batch_size: s('int32'), input: mapOf('string', m(() => GraphShape)), graph_lower_bound: m(() => GraphLowerBound),
});
const Cuda = msg('ModelOptimizationPolicy.Cuda', {
  graphs: s('bool'), busy_wait_events: s('bool'), graph_spec: repM(() => GraphSpec), output_copy_stream: s('bool'),
});
const Accelerator = msg('ExecutionAccelerators.Accelerator', { name: s('string'), parameters: mapOf('string', s('string')) });
const Accelerators = msg('ModelOptimizationPolicy.ExecutionAccelerators', {
  gpu_execution_accelerator: repM(() => Accelerator), cpu_execution_accelerator: repM(() => Accelerator),
});
const PinnedMemory = msg('ModelOptimizationPolicy.PinnedMemoryBuffer', { enable: s('bool') });
const Optimization = msg('ModelOptimizationPolicy', {
  graph: m(() => msg('ModelOptimizationPolicy.Graph', { level: s('int32') })),
  priority: e(ModelPriority), cuda: m(() => Cuda), execution_accelerators: m(() => Accelerators),
  input_pinned_memory: m(() => PinnedMemory), output_pinned_memory: m(() => PinnedMemory),
  gather_kernel_buffer_threshold: s('uint32'), eager_batching: s('bool'),
});

const QueuePolicy = msg('ModelQueuePolicy', {
  timeout_action: e(TimeoutAction), default_timeout_microseconds: s('uint64'),
  allow_timeout_override: s('bool'), max_queue_size: s('uint32'),
});
const DynamicBatching = msg('ModelDynamicBatching', {
  preferred_batch_size: rep('int32'), max_queue_delay_microseconds: s('uint64'), preserve_ordering: s('bool'),
  priority_levels: s('uint64'), default_priority_level: s('uint64'), default_queue_policy: m(() => QueuePolicy),
  priority_queue_policy: mapOf('uint64', m(() => QueuePolicy)),
});

const Control = msg('ModelSequenceBatching.Control', {
  kind: e(ControlKind), int32_false_true: rep('int32'), fp32_false_true: rep('float'),
  bool_false_true: rep('bool'), data_type: e(DataTypeEnum),
});
const InitialState = msg('ModelSequenceBatching.InitialState', {
  data_type: e(DataTypeEnum), dims: rep('int64'), zero_data: s('bool', { oneof: 'state_data' }),
  data_file: s('string', { oneof: 'state_data' }), name: s('string'),
});
const SequenceBatching = msg('ModelSequenceBatching', {
  direct: m(() => msg('ModelSequenceBatching.StrategyDirect', {
    max_queue_delay_microseconds: s('uint64'), minimum_slot_utilization: s('float'),
  }), { oneof: 'strategy_choice' }),
  oldest: m(() => msg('ModelSequenceBatching.StrategyOldest', {
    max_candidate_sequences: s('int32'), preferred_batch_size: rep('int32'),
    max_queue_delay_microseconds: s('uint64'), preserve_ordering: s('bool'),
  }), { oneof: 'strategy_choice' }),
  max_sequence_idle_microseconds: s('uint64'),
  control_input: repM(() => msg('ModelSequenceBatching.ControlInput', { name: s('string'), control: repM(() => Control) })),
  state: repM(() => msg('ModelSequenceBatching.State', {
    input_name: s('string'), output_name: s('string'), data_type: e(DataTypeEnum), dims: rep('int64'),
    initial_state: repM(() => InitialState), use_same_buffer_for_input_output: s('bool'), use_growable_memory: s('bool'),
  })),
  iterative_sequence: s('bool'),
});
const Ensembling = msg('ModelEnsembling', {
  step: repM(() => msg('ModelEnsembling.Step', {
    model_name: s('string'), model_version: s('int64'), input_map: mapOf('string', s('string')),
    output_map: mapOf('string', s('string')), model_namespace: s('string'),
  })),
  max_inflight_requests: s('uint32'),
});

const WarmupInput = msg('ModelWarmup.Input', {
  data_type: e(DataTypeEnum), dims: rep('int64'),
  zero_data: s('bool', { oneof: 'input_data_type' }), random_data: s('bool', { oneof: 'input_data_type' }),
  input_data_file: s('string', { oneof: 'input_data_type' }),
});
const Warmup = msg('ModelWarmup', {
  name: s('string'), batch_size: s('uint32'), inputs: mapOf('string', m(() => WarmupInput)), count: s('uint32'),
});
const MetricControl = msg('ModelMetrics.MetricControl', {
  metric_identifier: m(() => msg('MetricControl.MetricIdentifier', { family: s('string') })),
  histogram_options: m(() => msg('MetricControl.HistogramOptions', { buckets: rep('double') }), { oneof: 'metric_options' }),
});

export const ModelConfigSchema: MessageSchema = msg('ModelConfig', {
  name: s('string'),
  platform: s('string'),
  backend: s('string'),
  runtime: s('string'),
  version_policy: m(() => VersionPolicy),
  max_batch_size: s('int32'),
  input: repM(() => ModelInput),
  output: repM(() => ModelOutput),
  batch_input: repM(() => BatchInput),
  batch_output: repM(() => BatchOutput),
  optimization: m(() => Optimization),
  dynamic_batching: m(() => DynamicBatching, { oneof: 'scheduling_choice' }),
  sequence_batching: m(() => SequenceBatching, { oneof: 'scheduling_choice' }),
  ensemble_scheduling: m(() => Ensembling, { oneof: 'scheduling_choice' }),
  instance_group: repM(() => InstanceGroup),
  default_model_filename: s('string'),
  cc_model_filenames: mapOf('string', s('string')),
  metric_tags: mapOf('string', s('string')),
  parameters: mapOf('string', m(() => msg('ModelParameter', { string_value: s('string') }))),
  model_warmup: repM(() => Warmup),
  model_operations: m(() => msg('ModelOperations', { op_library_filename: rep('string') })),
  model_transaction_policy: m(() => msg('ModelTransactionPolicy', { decoupled: s('bool') })),
  model_repository_agents: m(() => msg('ModelRepositoryAgents', {
    agents: repM(() => msg('ModelRepositoryAgents.Agent', { name: s('string'), parameters: mapOf('string', s('string')) })),
  })),
  response_cache: m(() => msg('ModelResponseCache', { enable: s('bool') })),
  model_metrics: m(() => msg('ModelMetrics', { metric_control: repM(() => MetricControl) })),
});
