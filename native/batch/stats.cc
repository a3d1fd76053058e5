#include "batch/stats.h"

#include <chrono>

namespace larch::batch {

namespace {
uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count());
}
}  // namespace

void StatsRecorder::RecordBatch(int64_t rows, uint64_t requests, bool ok, uint64_t queue_ns_sum,
                                uint64_t duration_ns_sum, uint64_t input_ns, uint64_t infer_ns,
                                uint64_t output_ns) {
  const uint64_t now_ms = NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  if (!ok) {
    // Triton counts a failed execution under fail only; compute stats cover successes.
    stats_.fail.count += requests;
    stats_.fail.ns += duration_ns_sum;
    stats_.fail_backend += requests;
    return;
  }
  stats_.inference_count += static_cast<uint64_t>(rows);
  stats_.execution_count += 1;
  stats_.last_inference_ms = now_ms;
  stats_.success.count += requests;
  stats_.success.ns += duration_ns_sum;
  stats_.queue.count += requests;
  stats_.queue.ns += queue_ns_sum;
  stats_.compute_input.Add(requests, input_ns);
  stats_.compute_infer.Add(requests, infer_ns);
  stats_.compute_output.Add(requests, output_ns);
  BatchSizeStat& b = stats_.batch_stats[rows];
  b.compute_input.Add(input_ns);
  b.compute_infer.Add(infer_ns);
  b.compute_output.Add(output_ns);
}

void StatsRecorder::RecordRejected(uint64_t requests, uint64_t queue_ns_sum) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.fail.count += requests;
  stats_.fail.ns += queue_ns_sum;
  stats_.fail_rejected += requests;
}

void StatsRecorder::RecordCanceled(uint64_t requests, uint64_t queue_ns_sum) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.fail.count += requests;
  stats_.fail.ns += queue_ns_sum;
  stats_.fail_canceled += requests;
}

ModelStats StatsRecorder::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace larch::batch
