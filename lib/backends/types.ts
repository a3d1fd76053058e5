// The contract between the model repository, the front ends (HTTP, gRPC) and the backends
// (fil, onnxruntime). Every backend turns a model config plus its version folder into an
// InferenceModel; the server treats every backend alike through it.

/** KServe v2 datatype names. */
export type DataType =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64'
  | 'INT8' | 'INT16' | 'INT32' | 'INT64'
  | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

export type TensorData =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array
  | Buffer[];   // BYTES: one Buffer per element

/**
 * A tensor as it crosses every boundary in larch. Row-major. BOOL is a Uint8Array of 0/1;
 * FP16 is a Uint16Array of IEEE half bit patterns.
 */
export interface Tensor {
  name: string;
  datatype: DataType;
  shape: number[];
  data: TensorData;
}

/** An input or output as a model declares it: dims exclude the batch dimension when the model batches; -1 = variable. */
export interface TensorSpec {
  name: string;
  datatype: DataType;
  dims: number[];
}

/** Counters as Triton's statistics extension reports them (durations in nanoseconds). */
export interface DurationStat { count: number; ns: number }
export interface ModelStats {
  inferenceCount: number;       // rows (batch elements) inferred
  executionCount: number;       // batches executed
  lastInference: number;        // ms since epoch, 0 if never
  success: DurationStat;
  fail: DurationStat;
  queue: DurationStat;
  computeInput: DurationStat;
  computeInfer: DurationStat;
  computeOutput: DurationStat;
  batchStats: Array<{ batchSize: number; computeInput: DurationStat; computeInfer: DurationStat; computeOutput: DurationStat }>;
}

export interface InferOptions {
  /** Names of outputs the client asked for; undefined = all. */
  outputs?: string[];
  /** Per-output classification request (KServe class_count / Triton classification extension). */
  classCount?: Record<string, number>;
  /** Request-level timeout in microseconds from the request's parameters, if any. */
  timeoutUs?: number;
}

/** A loaded, servable model version. */
export interface InferenceModel {
  readonly name: string;
  readonly version: string;
  /** e.g. "fil" or "onnxruntime_onnx" as model metadata reports it. */
  readonly platform: string;
  readonly maxBatchSize: number;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  /** Extra key/values every response of this model carries in `parameters` (lineage). */
  readonly responseParameters: Record<string, string | number | boolean>;
  /**
   * Class labels per output name, from the output's label_filename in config.pbtxt (one label
   * per line, line i naming class i): the classification extension returns "score:index:label".
   */
  readonly outputLabels?: Readonly<Record<string, readonly string[]>>;
  infer(inputs: Tensor[], options?: InferOptions): Promise<Tensor[]>;
  /**
   * Present on models that can answer without a promise: like infer(), but returns the outputs
   * when the request ran synchronously on this thread (an idle native-batched model), a promise
   * when it was queued, and throws (rather than rejects) on a bad request.
   */
  submit?(inputs: Tensor[], options?: InferOptions): Tensor[] | Promise<Tensor[]>;
  /**
   * Present on models served by the native batcher: the process-wide id under which a worker
   * thread reaches the SAME native model and queue (BatchedModel.open(id) in
   * lib/backends/batcher.ts), without loading it again.
   */
  readonly nativeModelId?: string;
  stats(): ModelStats;
  unload(): Promise<void>;
}
