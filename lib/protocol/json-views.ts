// JSON bodies of the non-inference endpoints (KServe v2 / Triton HTTP): server and model
// metadata, repository index and the statistics extension.
import type { TensorSpec } from '../backends/types.js';
import type { ModelMetadataView, ModelRepositoryView, RepositoryIndexEntry } from '../repository/types.js';
import { statisticsResponse } from '../metrics/statistics.js';
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


/** Triton's statistics JSON, built in one place (lib/metrics/statistics.ts) for HTTP and gRPC. */
export { modelStatisticsJson as modelStatsObject } from '../metrics/statistics.js';

export function statisticsJson(stats: ReturnType<ModelRepositoryView['statistics']>): string {
  return JSON.stringify(statisticsResponse(stats));
}
