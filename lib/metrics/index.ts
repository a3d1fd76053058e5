// Metrics and statistics for the front ends: the Prometheus endpoint body and Triton's
// statistics-extension JSON.
export { METRICS_CONTENT_TYPE, MetricsReporter, CpuSampler, renderInferenceMetrics, renderMetrics } from './prometheus.js';
export { modelStatisticsJson, statisticsResponse, type ModelStatisticsJson, type DurationStatJson } from './statistics.js';
