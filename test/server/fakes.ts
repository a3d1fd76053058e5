// In-memory stand-ins for the repository and backends, so the front ends can be tested on their
// own: a row-sum model (FP32 [-1,4] -> FP32 [-1,1]) and an identity model over every datatype.
import type { DataType, InferenceModel, InferOptions, ModelStats, Tensor, TensorSpec } from '../../lib/backends/types.js';
import { LarchError, notFound } from '../../lib/protocol/errors.js';
import type { LoadRequest, ModelMetadataView, ModelRepositoryView, RepositoryIndexEntry } from '../../lib/repository/types.js';

const zero = () => ({ count: 0, ns: 0 });
export function emptyStats(): ModelStats {
  return { inferenceCount: 0, executionCount: 0, lastInference: 0, success: zero(), fail: zero(), queue: zero(), computeInput: zero(), computeInfer: zero(), computeOutput: zero(), batchStats: [] };
}

abstract class FakeModel implements InferenceModel {
  readonly platform = 'fake';
  readonly responseParameters: Record<string, string | number | boolean> = { larch_run: 'FakeFlow/1' };
  #stats = emptyStats();
  calls: Array<{ inputs: Tensor[]; options?: InferOptions }> = [];
  /** Extra latency per call (graceful-shutdown tests). */
  delayMs = 0;
  constructor(readonly name: string, readonly version: string, readonly maxBatchSize: number,
    readonly inputs: TensorSpec[], readonly outputs: TensorSpec[]) {}
  async infer(inputs: Tensor[], options?: InferOptions): Promise<Tensor[]> {
    this.calls.push({ inputs, options });
    await new Promise((r) => (this.delayMs ? setTimeout(r, this.delayMs) : setImmediate(r)));
    const out = this.compute(inputs);
    const rows = this.maxBatchSize > 0 ? inputs[0]!.shape[0]! : 1;
    this.#stats.inferenceCount += rows;
    this.#stats.executionCount += 1;
    this.#stats.success.count += 1;
    this.#stats.success.ns += 1000;
    this.#stats.lastInference = Date.now();
    return out;
  }
  protected abstract compute(inputs: Tensor[]): Tensor[];
  stats(): ModelStats { return this.#stats; }
  async unload(): Promise<void> {}
}

/** input__0 FP32 [-1,4] -> output__0 FP32 [-1,1] (row sums) and output__1 FP32 [-1,4] (x * 2). */
export class RowSumModel extends FakeModel {
  constructor(name = 'rowsum', version = '1') {
    super(name, version, 8, [{ name: 'input__0', datatype: 'FP32', dims: [4] }],
      [{ name: 'output__0', datatype: 'FP32', dims: [1] }, { name: 'output__1', datatype: 'FP32', dims: [4] }]);
  }
  protected compute(inputs: Tensor[]): Tensor[] {
    const x = inputs[0]!.data as Float32Array;
    const rows = inputs[0]!.shape[0]!;
    const sums = new Float32Array(rows);
    const doubled = new Float32Array(x.length);
    for (let r = 0; r < rows; r++) for (let j = 0; j < 4; j++) { sums[r]! += x[r * 4 + j]!; doubled[r * 4 + j] = x[r * 4 + j]! * 2; }
    return [{ name: 'output__0', datatype: 'FP32', shape: [rows, 1], data: sums }, { name: 'output__1', datatype: 'FP32', shape: [rows, 4], data: doubled }];
  }
}

export const ALL_TYPES: DataType[] = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

/** One input IN_<T> per datatype, shape [-1] without batching; returns each as OUT_<T>. */
export class IdentityModel extends FakeModel {
  constructor() {
    super('identity', '1', 0, ALL_TYPES.map((t) => ({ name: `IN_${t}`, datatype: t, dims: [-1] })),
      ALL_TYPES.map((t) => ({ name: `OUT_${t}`, datatype: t, dims: [-1] })));
  }
  protected compute(inputs: Tensor[]): Tensor[] {
    return inputs.map((t) => ({ ...t, name: t.name.replace('IN_', 'OUT_') }));
  }
}

export class FakeRepository implements ModelRepositoryView {
  models = new Map<string, InferenceModel>();
  available = new Set<string>();
  ready = true;
  explicit = true;
  loads: Array<{ name: string; request?: LoadRequest }> = [];
  constructor(models: InferenceModel[]) {
    for (const m of models) { this.models.set(m.name, m); this.available.add(m.name); }
  }
  async index(options?: { readyOnly?: boolean }): Promise<RepositoryIndexEntry[]> {
    const out: RepositoryIndexEntry[] = [];
    for (const name of this.available) {
      const m = this.models.get(name);
      if (m) out.push({ name, version: m.version, state: 'READY', reason: '' });
      else if (!options?.readyOnly) out.push({ name, version: '', state: 'UNAVAILABLE', reason: 'unloaded' });
    }
    return out;
  }
  getModel(name: string, version?: string): InferenceModel {
    const m = this.models.get(name);
    if (!m) throw notFound(`Request for unknown model: '${name}' is not found`);
    if (version !== undefined && version !== m.version) throw notFound(`Request for unknown model: '${name}' version ${version} is not found`);
    return m;
  }
  isModelReady(name: string, version?: string): boolean {
    const m = this.models.get(name);
    return !!m && (version === undefined || version === m.version);
  }
  requireReady(name: string, version?: string): void {
    this.getModel(name, version);
  }
  metadata(name: string, version?: string): ModelMetadataView {
    const m = this.getModel(name, version);
    return { name, versions: [m.version], platform: m.platform, inputs: m.inputs, outputs: m.outputs, parameters: m.responseParameters };
  }
  config(name: string, version?: string): Record<string, unknown> {
    const m = this.getModel(name, version);
    return { name, backend: 'fake', max_batch_size: m.maxBatchSize, input: m.inputs.map((s) => ({ name: s.name, data_type: `TYPE_${s.datatype === 'BYTES' ? 'STRING' : s.datatype}`, dims: s.dims.map(String) })) };
  }
  #unloaded = new Map<string, InferenceModel>();
  async load(name: string, request?: LoadRequest): Promise<void> {
    if (!this.explicit) throw new LarchError('UNAVAILABLE', 'explicit model load / unload is not allowed if polling is enabled');
    this.loads.push({ name, request });
    const m = this.#unloaded.get(name) ?? this.models.get(name);
    if (!m) throw notFound(`failed to load '${name}', failed to poll from model repository`);
    this.models.set(name, m);
  }
  async unload(name: string): Promise<void> {
    if (!this.explicit) throw new LarchError('UNAVAILABLE', 'explicit model load / unload is not allowed if polling is enabled');
    const m = this.models.get(name);
    if (m) { this.#unloaded.set(name, m); this.models.delete(name); }
  }
  statistics(name?: string, version?: string) {
    const out: Array<{ name: string; version: string; stats: ModelStats }> = [];
    if (name) { const m = this.getModel(name, version); return [{ name, version: m.version, stats: m.stats() }]; }
    for (const [n, m] of this.models) out.push({ name: n, version: m.version, stats: m.stats() });
    return out;
  }
  async close(): Promise<void> {}
}
