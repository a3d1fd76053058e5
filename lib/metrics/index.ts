// Metrics and statistics for the front ends: the Prometheus endpoint body and Triton's
// statistics-extension JSON.
export {
  METRICS_CONTENT_TYPE, FAILURE_REASONS, MetricsReporter, CpuSampler, failuresByReason, renderInferenceMetrics,
  renderMetrics, renderPinnedMemoryMetrics, type FailureReason, type MetricsModelStats, type MetricsRow,
} from './prometheus.js';
export { modelStatisticsJson, statisticsResponse, type ModelStatisticsJson, type DurationStatJson } from './statistics.js';
