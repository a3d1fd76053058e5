// Importing this module registers every built-in backend (fil, onnxruntime) with the
// repository's backend registry (lib/repository/backend-registry.ts: registerBackend /
// backendFor; each backend's autoComplete(config, ctx) and load(config, ctx) hooks are
// documented there). The repository imports it once, so a server serves every backend.
import './fil.js';
import './onnx.js';

export { filBackend } from './fil.js';
export { onnxBackend } from './onnx.js';
export { registerBackend, registeredBackends, backendFor } from '../repository/backend-registry.js';
