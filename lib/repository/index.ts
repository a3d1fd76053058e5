// The model repository: Triton's layout, config.pbtxt, control modes, version swaps, lineage.
export { ModelRepository, type ModelControlMode, type RepositoryOptions } from './repository.js';
export { registerBackend, unregisterBackend, registeredBackends, backendFor, type Backend, type BackendLoadContext } from './backend-registry.js';
export { parseConfigText, parseConfigJson, normalizeModelConfig, withConfigDefaults } from './config.js';
export { validateModelConfig } from './validate.js';
export { readLineage, LINEAGE_FILE, type Lineage } from './lineage.js';
export { FIL_MODEL_FILES, filModelType, filDefaultModelFilename, detectBackend } from './fil-files.js';
export * from './model-config.js';
export type * from './types.js';
