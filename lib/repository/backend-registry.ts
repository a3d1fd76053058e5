// Backends register here; the repository picks one per model from its config (backend, or
// platform as Triton maps it) and asks it to auto-complete the config and load a version.
// Backends (lib/backends/*) import this module and call registerBackend at import time.
import type { InferenceModel } from '../backends/types.js';
import { LarchError } from '../protocol/errors.js';
import type { ModelConfig } from './model-config.js';

/** Everything a backend needs to load one version of a model. Files are always on disk. */
export interface BackendLoadContext {
  /** DIR/<model> (a temporary copy when the load request overrides files). */
  modelDir: string;
  /** DIR/<model>/<version> */
  versionDir: string;
  version: string;
  /** Absolute path of the model file: default_model_filename, or the backend's default. */
  modelPath: string;
  /** Key/values every response of this version carries (lineage: larch_run, ...); the repository
   *  adds them to what getModel returns, so a backend need not copy them into its model. */
  responseParameters: Record<string, string | number | boolean>;
}

export interface Backend {
  /** The config's `backend` value, e.g. "fil" or "onnxruntime". */
  readonly name: string;
  /** Platforms that mean this backend, e.g. ["onnxruntime_onnx"]; the platform a model reports. */
  readonly platforms?: readonly string[];
  /** The platform string model metadata reports for models of this backend. */
  metadataPlatform(config: ModelConfig): string;
  /** The model file inside a version folder when default_model_filename is empty. */
  defaultModelFilename(config: ModelConfig): string;
  /**
   * Completes a missing or partial config from the model itself (Triton's auto-complete with
   * --strict-model-config=false): inputs, outputs, max_batch_size, ... . Receives a normalized
   * config (every primitive field present) and returns the completed one; it must not remove
   * or change what the user wrote, only fill what is absent, and throw a LarchError where the
   * user's config contradicts the model.
   */
  autoComplete?(config: ModelConfig, ctx: BackendLoadContext): Promise<ModelConfig>;
  /** Loads a version, ready to serve. Throws LarchError with the reason on failure. */
  load(config: ModelConfig, ctx: BackendLoadContext): Promise<InferenceModel>;
}

const backends = new Map<string, Backend>();

/** Registers a backend under its name; a second registration under the same name replaces it. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Removes a backend (tests register fakes and remove them again). */
export function unregisterBackend(name: string): void {
  backends.delete(name);
}

export function registeredBackends(): string[] {
  return [...backends.keys()].sort();
}

/**
 * Triton's platform -> backend mapping (GetBackendTypeFromPlatform), plus larch's own backends'
 * platforms. Returns '' for a platform no backend claims.
 */
export function backendOfPlatform(platform: string): string {
  if (platform === 'onnxruntime_onnx') return 'onnxruntime';
  for (const b of backends.values()) if (b.platforms?.includes(platform)) return b.name;
  return '';
}

/** The backend for a config; throws INVALID_ARGUMENT naming what the config asked for. */
export function backendFor(config: ModelConfig): Backend {
  const name = config.backend || backendOfPlatform(config.platform);
  const backend = name ? backends.get(name) : undefined;
  if (backend) return backend;
  const asked = config.backend
    ? `backend "${config.backend}"`
    : config.platform ? `platform "${config.platform}"` : 'no backend or platform';
  const known = registeredBackends();
  throw new LarchError('INVALID_ARGUMENT',
    `model "${config.name}" asks for ${asked}, which larch does not serve ` +
    `(available backends: ${known.length ? known.join(', ') : 'none registered'})`);
}
