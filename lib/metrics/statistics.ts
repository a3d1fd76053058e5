// Triton's statistics extension: ModelStats (lib/backends/types.ts) -> the JSON that
// GET v2/models[/NAME[/versions/V]]/stats returns, field for field as Triton prints it. The gRPC
// front end maps the same objects onto ModelStatisticsResponse.
import type { DurationStat, ModelStats } from '../backends/types.js';

export interface DurationStatJson { count: number; ns: number }

export interface ModelStatisticsJson {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: {
    success: DurationStatJson;
    fail: DurationStatJson;
    queue: DurationStatJson;
    compute_input: DurationStatJson;
    compute_infer: DurationStatJson;
    compute_output: DurationStatJson;
    cache_hit: DurationStatJson;
    cache_miss: DurationStatJson;
  };
  response_stats: Record<string, never>;
  batch_stats: Array<{
    batch_size: number;
    compute_input: DurationStatJson;
    compute_infer: DurationStatJson;
    compute_output: DurationStatJson;
  }>;
  memory_usage: never[];
}

const d = (s: DurationStat): DurationStatJson => ({ count: s.count, ns: s.ns });
const zero = (): DurationStatJson => ({ count: 0, ns: 0 });

/** One model version's statistics in Triton's JSON shape (larch has no response cache: cache_* stay 0). */
export function modelStatisticsJson(name: string, version: string, stats: ModelStats): ModelStatisticsJson {
  return {
    name,
    version,
    last_inference: stats.lastInference,
    inference_count: stats.inferenceCount,
    execution_count: stats.executionCount,
    inference_stats: {
      success: d(stats.success),
      fail: d(stats.fail),
      queue: d(stats.queue),
      compute_input: d(stats.computeInput),
      compute_infer: d(stats.computeInfer),
      compute_output: d(stats.computeOutput),
      cache_hit: zero(),
      cache_miss: zero(),
    },
    response_stats: {},
    batch_stats: [...stats.batchStats]
      .sort((a, b) => a.batchSize - b.batchSize)
      .map((b) => ({
        batch_size: b.batchSize,
        compute_input: d(b.computeInput),
        compute_infer: d(b.computeInfer),
        compute_output: d(b.computeOutput),
      })),
    memory_usage: [],
  };
}

/** The body of a statistics response: `{ "model_stats": [...] }`. */
export function statisticsResponse(rows: Array<{ name: string; version: string; stats: ModelStats }>): { model_stats: ModelStatisticsJson[] } {
  return { model_stats: rows.map((r) => modelStatisticsJson(r.name, r.version, r.stats)) };
}
