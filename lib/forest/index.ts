// The forest engine's public surface (re-exported by lib/index.ts).
export { loadModel, Model, nativeHandleOf } from './model.js';
export type { LoadModelOptions, ModelFormat, ModelTask, OutputKind, PredictInput, PredictOptions, PredictOutput } from './model.js';
