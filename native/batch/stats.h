// Per-model inference statistics with Triton's semantics (statistics extension):
//   success/fail: requests, and their duration from enqueue to outputs written;
//   queue: per request, enqueue to the start of its batch;
//   compute_input/infer/output: per request, the durations of the batch it ran in (gathering
//     inputs, the runner, splitting outputs), so every request of a batch adds the same amounts;
//   inference_count: rows inferred; execution_count: batches run;
//   batch_stats: per batch size (rows), one count per batch and the batch's compute durations.
//   fail_*: fail.count split by Triton's failure reasons (nv_inference_request_failure{reason}):
//     rejected = queue timeout expired, canceled = dropped from the queue (CancelFor),
//     backend = the batch failed to run; they always add up to fail.count.
//   pending_requests: not cumulative; set by Batcher::Stats() (requests queued at that moment).
// Updated once per batch under the model's stats mutex; read by the JS thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>

namespace larch::batch {

struct DurationStat {
  uint64_t count = 0;
  uint64_t ns = 0;
  void Add(uint64_t d) { ++count; ns += d; }
  void Add(uint64_t n, uint64_t d_each) { count += n; ns += n * d_each; }
};

struct BatchSizeStat {
  DurationStat compute_input, compute_infer, compute_output;
};

struct ModelStats {
  uint64_t inference_count = 0;
  uint64_t execution_count = 0;
  uint64_t last_inference_ms = 0;  // ms since the epoch of the last completed batch
  DurationStat success, fail, queue, compute_input, compute_infer, compute_output;
  uint64_t fail_rejected = 0, fail_canceled = 0, fail_backend = 0;
  uint64_t pending_requests = 0;
  std::map<int64_t, BatchSizeStat> batch_stats;  // a node per distinct batch size, made once
};

class StatsRecorder {
 public:
  // One executed batch. queue_ns_sum / duration_ns_sum are summed over its requests.
  void RecordBatch(int64_t rows, uint64_t requests, bool ok, uint64_t queue_ns_sum,
                   uint64_t duration_ns_sum, uint64_t input_ns, uint64_t infer_ns, uint64_t output_ns);
  // Requests that failed without running (queue timeout).
  void RecordRejected(uint64_t requests, uint64_t queue_ns_sum);
  // Requests dropped from the queue without running (their environment went away).
  void RecordCanceled(uint64_t requests, uint64_t queue_ns_sum);
  ModelStats Snapshot() const;

 private:
  mutable std::mutex mu_;
  ModelStats stats_;
};

}  // namespace larch::batch
