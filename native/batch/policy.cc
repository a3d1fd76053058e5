#include "batch/policy.h"

#include <algorithm>

namespace larch::batch {

Status ValidateBatchConfig(BatchConfig& c, const std::string& model) {
  const std::string suffix = " (model \"" + model + "\")";
  if (c.max_batch_size < 0)
    return Status::Invalid("max_batch_size " + std::to_string(c.max_batch_size) + " must be >= 0" + suffix);
  if (c.instance_count < 1)
    return Status::Invalid("instance_group count " + std::to_string(c.instance_count) + " must be >= 1" + suffix);
  if (c.max_queue_delay_us < 0)
    return Status::Invalid("max_queue_delay_microseconds must be >= 0" + suffix);
  if (c.inline_max_rows < 0) return Status::Invalid("inline_max_rows must be >= 0" + suffix);
  if (c.max_queue_size < 0) return Status::Invalid("max_queue_size must be >= 0" + suffix);
  if (c.default_timeout_us < 0) return Status::Invalid("default_timeout_microseconds must be >= 0" + suffix);
  std::sort(c.preferred_batch_sizes.begin(), c.preferred_batch_sizes.end());
  c.preferred_batch_sizes.erase(std::unique(c.preferred_batch_sizes.begin(), c.preferred_batch_sizes.end()),
                                c.preferred_batch_sizes.end());
  for (int64_t p : c.preferred_batch_sizes) {
    if (p < 1) return Status::Invalid("preferred_batch_size " + std::to_string(p) + " must be >= 1" + suffix);
    if (c.max_batch_size == 0)
      return Status::Invalid("preferred_batch_size " + std::to_string(p) +
                             " needs batching, but max_batch_size is 0" + suffix);
    if (p > c.max_batch_size)
      return Status::Invalid("preferred_batch_size " + std::to_string(p) + " exceeds max_batch_size " +
                             std::to_string(c.max_batch_size) + suffix);
  }
  return Status::Ok();
}

Action NextAction(const QueueSnapshot& q, const BatchConfig& c, Clock::time_point now) {
  const auto& reqs = q.requests;
  if (reqs.empty()) return Action::Idle();
  if (!c.dynamic_batching || c.max_batch_size == 0) return Action::Run(1, reqs[0].rows);

  // Rule 3: the candidate prefix, remembering the largest preferred size it passes exactly.
  size_t n = 0;
  int64_t rows = 0;
  size_t preferred_n = 0;
  int64_t preferred_rows = 0;
  bool saturated = false;
  const auto& pref = c.preferred_batch_sizes;
  for (const QueuedRequest& r : reqs) {
    if (r.shape_key != reqs[0].shape_key || rows + r.rows > c.max_batch_size) {
      saturated = true;  // the next request cannot join this batch
      break;
    }
    rows += r.rows;
    ++n;
    if (std::binary_search(pref.begin(), pref.end(), rows)) {
      preferred_n = n;
      preferred_rows = rows;
    }
    if (rows == c.max_batch_size) {
      saturated = true;
      break;
    }
  }
  if (n == 0) return Action::Run(1, reqs[0].rows);  // oversized oldest request: alone (the batcher rejects it)
  if (saturated) return Action::Run(n, rows);                                   // rule 4
  if (!pref.empty() && rows == pref.back()) return Action::Run(n, rows);       // rule 5
  if (q.executing_batches == 0) return Action::Run(n, rows);                    // rule 6
  const int64_t waited_us =
      std::chrono::duration_cast<std::chrono::microseconds>(now - reqs[0].enqueued).count();
  if (waited_us >= c.max_queue_delay_us) {                                      // rule 7
    if (preferred_n != 0) return Action::Run(preferred_n, preferred_rows);
    return Action::Run(n, rows);
  }
  return Action::Wait(c.max_queue_delay_us - waited_us);                        // rule 8
}

Status Admit(size_t queued, const BatchConfig& c, const std::string& model) {
  if (c.max_queue_size > 0 && static_cast<int64_t>(queued) >= c.max_queue_size)
    return Status::ResourceExhausted("Exceeds maximum queue size: model \"" + model + "\" already has " +
                                     std::to_string(queued) + " requests queued (max_queue_size " +
                                     std::to_string(c.max_queue_size) + ")");
  return Status::Ok();
}

Clock::time_point Deadline(const BatchConfig& c, Clock::time_point now, int64_t request_timeout_us) {
  int64_t us = c.default_timeout_us;
  if (c.allow_timeout_override && request_timeout_us > 0) us = request_timeout_us;
  if (us <= 0) return Clock::time_point::max();
  return now + std::chrono::microseconds(us);
}

}  // namespace larch::batch
