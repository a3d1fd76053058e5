// ONNX models: the library loader, the session layer and availability checks.
export { loadOnnxModel, type LoadOnnxOptions } from './load.js';
export { OnnxModel } from './model.js';
export { OnnxSession, type OnnxSessionOptions } from './session.js';
export { onnxAvailability, type OnnxAvailability } from './runtime.js';
