// Messages between the main thread and HTTP worker threads (--http-thread-count > 1).
//
//   worker -> main: listening | failed | forward (a request for a main-thread handler)
//                   | resolve (which native model serves name/version) | stopped
//   main -> worker: response (to a forward) | resolved | stop
import type { TensorSpec } from '../backends/types.js';
import type { ErrorCode } from '../protocol/errors.js';
import type { RequestHead } from './exchange.js';
import type { HandlerName } from './routes.js';

/** What a worker needs to run a model itself: the batcher's process-wide id and the model's shape. */
export interface ModelDescriptor {
  name: string;
  version: string;
  platform: string;
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  responseParameters: Record<string, string | number | boolean>;
  outputLabels?: Readonly<Record<string, readonly string[]>>;
  /** Absent: the model has no native batcher (e.g. ONNX); the worker forwards its requests. */
  nativeModelId?: string;
}

export interface WireError { code: ErrorCode; message: string }

export type ToMain =
  | { type: 'listening'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'forward'; id: number; name: HandlerName; head: RequestHead; body: ArrayBuffer }
  | { type: 'resolve'; id: number; model: string; version: string | undefined }
  | { type: 'stopped' };

export type ToWorker =
  | { type: 'response'; id: number; status: number; contentType: string; headers: Array<[string, string]>; body: string | ArrayBuffer }
  | { type: 'resolved'; id: number; descriptor?: ModelDescriptor; error?: WireError }
  | { type: 'stop'; timeoutMs: number };

export interface WorkerData {
  host: string;
  port: number;
  maxInputSize: number;
}

/** A copy of a buffer's bytes in an ArrayBuffer of its own (safe to transfer). */
export function ownBytes(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
