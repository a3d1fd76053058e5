// The front-end-neutral form of an inference request and response: HTTP JSON, HTTP binary and
// gRPC all decode into InferRequest and encode from InferResult.
import type { InferenceModel, Tensor } from '../backends/types.js';
import type { SharedMemoryAccess, SharedMemoryRef } from './shared-memory.js';

export type ParameterValue = string | number | boolean;
export type Parameters = Record<string, ParameterValue>;

export interface RequestedOutput {
  name: string;
  /** Return this output in binary form (HTTP binary extension). Undefined: the request default. */
  binary?: boolean;
  /** Classification extension: return the top-k classes as "score:index" strings. */
  classCount?: number;
  /** Shared-memory extension: write the output into this region instead of the response. */
  sharedMemory?: SharedMemoryRef;
}

export interface InferRequest {
  id?: string;
  parameters: Parameters;
  inputs: Tensor[];
  /** Undefined = every output of the model. */
  outputs?: RequestedOutput[];
  /** Set when an output goes to shared memory: where such outputs are written. */
  sharedMemory?: SharedMemoryAccess;
}

export interface OutputResult {
  tensor: Tensor;
  binary: boolean;
  /** The output was written to this region: the response gives its name, datatype and shape only. */
  sharedMemory?: SharedMemoryRef;
}

export interface InferResult {
  model: InferenceModel;
  id?: string;
  /** The model's response parameters (lineage), shared by every response: read-only. */
  parameters: Parameters;
  outputs: OutputResult[];
}
