// The dynamic-batching decision as a pure function: given what is queued, the model's batching
// config and the time, either run the first n requests now or wait a number of microseconds.
// No threads, no locks, no clock reads: the queue (batcher.cc) takes a snapshot under its mutex
// and obeys the answer, and test/batch/policy.test.ts drives it with hand-made snapshots.
//
// Rules, in order (Triton's dynamic batcher, plus "an idle model never waits"):
//   1. Nothing queued: idle.
//   2. Batching disabled (no dynamic_batching, or max_batch_size 0): run the oldest request alone.
//   3. The candidate batch is the longest prefix of the queue (oldest first) whose rows fit in
//      max_batch_size and whose requests share the oldest request's row shape (shape_key).
//   4. The candidate is saturated (max_batch_size reached, or the next request cannot join):
//      run it now.
//   5. The candidate reaches the largest preferred size exactly: run it now.
//   6. No batch is executing on any instance (the model is idle): run the candidate now. A lone
//      request on an idle model never waits for the delay; batches form from what queues up
//      while the instances are busy, and the delay only holds back a free instance while
//      another one is working.
//   7. max_queue_delay_us is 0, or the oldest request has waited that long: run now, cut back
//      to the largest preferred size the prefix reaches exactly, if any.
//   8. Otherwise wait until the oldest request's delay runs out.
// Queue admission (max_queue_size) and timeouts (per-request deadlines) are decided by
// Admit and Expired below.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace larch::batch {

using Clock = std::chrono::steady_clock;

struct BatchConfig {
  // 0: the model does not batch (requests are passed whole, one at a time).
  int64_t max_batch_size = 0;
  // dynamic_batching {} present in the config.
  bool dynamic_batching = false;
  // Ascending, unique, each <= max_batch_size (ValidateBatchConfig checks).
  std::vector<int64_t> preferred_batch_sizes;
  int64_t max_queue_delay_us = 0;
  // default_queue_policy: 0 = unbounded / no timeout.
  int64_t max_queue_size = 0;
  int64_t default_timeout_us = 0;
  bool allow_timeout_override = false;
  // Model instances (instance_group count): worker threads each forming batches.
  int instance_count = 1;
  // Requests of at most this many rows run on the caller's thread when the policy would start
  // them at once anyway (Batcher::EnqueueOrRunInline); 0 = always through an instance thread.
  // Set by the backend from what one row costs: cheap forests yes, arbitrary ONNX graphs no.
  int64_t inline_max_rows = 0;
};

// Fails with INVALID_ARGUMENT naming the broken rule, the value and the model.
Status ValidateBatchConfig(BatchConfig& config, const std::string& model_name);

// What the policy needs to know about one queued request.
struct QueuedRequest {
  int64_t rows = 1;
  Clock::time_point enqueued;
  Clock::time_point deadline = Clock::time_point::max();  // max: no timeout
  uint64_t shape_key = 0;  // equal keys = the same per-row shapes (may be batched together)
};

struct QueueSnapshot {
  std::span<const QueuedRequest> requests;  // oldest first
  int executing_batches = 0;                // batches running on any instance right now
};

struct Action {
  enum class Kind : uint8_t { kIdle, kRun, kWait };
  Kind kind = Kind::kIdle;
  size_t requests = 0;  // kRun: how many requests from the front
  int64_t rows = 0;     // kRun: their rows (the batch size)
  int64_t wait_us = 0;  // kWait: how long before asking again (>= 1)

  static Action Idle() { return {}; }
  static Action Run(size_t n, int64_t rows) { return {Kind::kRun, n, rows, 0}; }
  static Action Wait(int64_t us) { return {Kind::kWait, 0, 0, us < 1 ? 1 : us}; }
};

Action NextAction(const QueueSnapshot& queue, const BatchConfig& config, Clock::time_point now);

// Whether one more request may join a queue of `queued` requests (RESOURCE_EXHAUSTED if not).
Status Admit(size_t queued, const BatchConfig& config, const std::string& model_name);

// The deadline of a request enqueued at `now` with a client timeout (0 = none given).
Clock::time_point Deadline(const BatchConfig& config, Clock::time_point now, int64_t request_timeout_us);

inline bool Expired(const QueuedRequest& r, Clock::time_point now) { return now >= r.deadline; }

}  // namespace larch::batch
