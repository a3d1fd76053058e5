// larch's library API. Each area adds its exports here.
export { loadModel, Model } from './forest/index.js';
export type {
  LoadModelOptions, ModelFormat, ModelTask, OutputKind, PredictInput, PredictOptions, PredictOutput,
} from './forest/index.js';
export { LarchError } from './protocol/errors.js';
export type { ErrorCode } from './protocol/errors.js';
export { createServer } from './server/create-server.js';
export type { LarchServer, ServerOptions } from './server/create-server.js';
export * from './train/index.js';
export * from './flow/index.js';
