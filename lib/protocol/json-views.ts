// JSON bodies of the non-inference endpoints (KServe v2 / Triton HTTP): server and model
// metadata, repository index and the statistics extension.
import type { DurationStat, ModelStats, TensorSpec } from '../backends/types.js';
import type { ModelMetadataView, ModelRepositoryView, RepositoryIndexEntry } from '../repository/types.js';
import { EXTENSIONS, SERVER_NAME, serverVersion } from './server-info.js';

export function serverMetadataJson(): string {
  return JSON.stringify({ name: SERVER_NAME, version: serverVersion(), extensions: EXTENSIONS });
}

/** Metadata shapes carry the batch dimension as -1 when the model batches. */
export function tensorMetadata(specs: readonly TensorSpec[], maxBatchSize: number) {
  return specs.map((s) => ({ name: s.name, datatype: s.datatype, shape: maxBatchSize > 0 ? [-1, ...s.dims] : [...s.dims] }));
}

export function maxBatchSizeOf(repo: ModelRepositoryView, name: string, version?: string): number {
  const mbs = repo.config(name, version).max_batch_size;
  return typeof mbs === 'number' ? mbs : Number(mbs ?? 0) || 0;
}

export function modelMetadataObject(meta: ModelMetadataView, maxBatchSize: number) {
  const out: Record<string, unknown> = {
    name: meta.name,
    versions: meta.versions,
    platform: meta.platform,
    inputs: tensorMetadata(meta.inputs, maxBatchSize),
    outputs: tensorMetadata(meta.outputs, maxBatchSize),
  };
  if (Object.keys(meta.parameters).length) out.parameters = meta.parameters;
  return out;
}

export function indexJson(entries: readonly RepositoryIndexEntry[]): string {
  return JSON.stringify(entries.map((e) => {
    const o: Record<string, string> = { name: e.name };
    if (e.version) o.version = e.version;
    o.state = e.state;
    if (e.reason) o.reason = e.reason;
    return o;
  }));
}

const dur = (d: DurationStat) => ({ count: d.count, ns: d.ns });

export function modelStatsObject(name: string, version: string, s: ModelStats) {
  return {
    name,
    version,
    last_inference: s.lastInference,
    inference_count: s.inferenceCount,
    execution_count: s.executionCount,
    inference_stats: {
      success: dur(s.success),
      fail: dur(s.fail),
      queue: dur(s.queue),
      compute_input: dur(s.computeInput),
      compute_infer: dur(s.computeInfer),
      compute_output: dur(s.computeOutput),
      cache_hit: { count: 0, ns: 0 },
      cache_miss: { count: 0, ns: 0 },
    },
    batch_stats: s.batchStats.map((b) => ({
      batch_size: b.batchSize,
      compute_input: dur(b.computeInput),
      compute_infer: dur(b.computeInfer),
      compute_output: dur(b.computeOutput),
    })),
  };
}

export function statisticsJson(stats: ReturnType<ModelRepositoryView['statistics']>): string {
  return JSON.stringify({ model_stats: stats.map((s) => modelStatsObject(s.name, s.version, s.stats)) });
}
