// What the front ends (HTTP, gRPC, metrics) need from the model repository. The repository
// (lib/repository) implements it; front ends never touch files or backends directly.
import type { InferenceModel, ModelStats, TensorSpec } from '../backends/types.js';

export type ModelState = 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';

/** One row of the repository index (Triton's RepositoryIndex). */
export interface RepositoryIndexEntry {
  name: string;
  version: string;      // '' when the model has no loaded or failed version
  state: ModelState;
  reason: string;       // why UNAVAILABLE; '' otherwise
}

export interface ModelMetadataView {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Lineage and other key/values (from lineage.json when present). */
  parameters: Record<string, string | number | boolean>;
}

export interface LoadRequest {
  /** A JSON model config that overrides config.pbtxt (Triton's `config` load parameter). */
  config?: string;
  /** Files that override those on disk, keyed like Triton's `file:<version>/<name>`. */
  files?: Record<string, Buffer>;
}

export interface ModelRepositoryView {
  /** Every model in the repository, with its state (Triton's index: ready=false lists all). */
  index(options?: { readyOnly?: boolean }): Promise<RepositoryIndexEntry[]>;
  /** The model that serves a request. Throws LarchError NOT_FOUND (unknown model/version) or UNAVAILABLE. */
  getModel(name: string, version?: string): InferenceModel;
  isModelReady(name: string, version?: string): boolean;
  /**
   * Throws what a request for the model would get unless a version is ready to serve it (as
   * Triton's model-ready endpoints do): NOT_FOUND for an unknown model or version, or no ready
   * version; UNAVAILABLE for a named version that failed to load.
   */
  requireReady(name: string, version?: string): void;
  metadata(name: string, version?: string): ModelMetadataView;
  /** The effective model config in Triton's JSON form (protobuf JSON mapping, snake_case). */
  config(name: string, version?: string): Record<string, unknown>;
  /** Explicit model control. Throws UNAVAILABLE when the control mode is not explicit (as Triton does). */
  load(name: string, request?: LoadRequest): Promise<void>;
  unload(name: string, options?: { unloadDependents?: boolean }): Promise<void>;
  /** Statistics of every loaded version, or of one model / version. */
  /** Statistics of the ready versions; loadSeconds: how long each took to load (where known). */
  statistics(name?: string, version?: string): Array<{ name: string; version: string; stats: ModelStats; loadSeconds?: number }>;
  /** True once the initial load has finished (server readiness). */
  readonly ready: boolean;
  close(): Promise<void>;
}
