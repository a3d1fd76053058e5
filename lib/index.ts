// larch's library API. Each area adds its exports here.
export { Model } from './forest/index.js';
export type {
  ModelFormat, ModelTask, OutputKind, PredictInput, PredictOptions, PredictOutput,
} from './forest/index.js';
export { loadModel } from './load-model.js';
export type { LoadModelOptions, OnnxLoadModelOptions } from './load-model.js';
export { loadOnnxModel, OnnxModel, OnnxSession, onnxAvailability } from './onnx/index.js';
export type { LoadOnnxOptions, OnnxAvailability, OnnxSessionOptions } from './onnx/index.js';
export type { DataType, Tensor, TensorData, TensorSpec, InferenceModel } from './backends/types.js';
import './backends/index.js';
export { BatchedModel, batchRunnerKinds } from './backends/batcher.js';
export type { BatchConfig, BatchedModelOptions, RunnerOptions } from './backends/batcher.js';
export { filBackend } from './backends/fil.js';
export { nativeHandleOf } from './forest/index.js';
export { LarchError } from './protocol/errors.js';
export type { ErrorCode } from './protocol/errors.js';
export { createServer } from './server/create-server.js';
export type { LarchServer, ServerOptions } from './server/create-server.js';
export {
  ModelRepository, registerBackend, parseConfigText, parseConfigJson, normalizeModelConfig, validateModelConfig,
} from './repository/index.js';
export type {
  RepositoryOptions, ModelControlMode, Backend, BackendLoadContext, ModelConfig, ModelRepositoryView,
  RepositoryIndexEntry, ModelMetadataView, LoadRequest,
} from './repository/index.js';
export { renderMetrics, statisticsResponse, METRICS_CONTENT_TYPE } from './metrics/index.js';
export * from './train/index.js';
export * from './flow/index.js';
