// A model's request queue and its instance threads.
//
//   JS thread ──Enqueue──▶ queue (mutex mu_) ◀──NextAction── instance thread × instance_count
//                                                    │ gather rows → runner->Run → split rows
//                                                    ▼
//                                       request->sink->Complete(request)   (per-env route)
//
// Requests come from a per-model pool (AcquireRequest / ReleaseRequest) and are reused, so the
// steady state allocates nothing per request. Each instance owns its runner and batch buffers;
// a batch of one request runs straight on the caller's memory, larger batches are gathered
// into the instance's input buffers (sized for max_batch_size at creation) and the outputs are
// split back into each request's own output memory.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batch/policy.h"
#include "batch/stats.h"
#include "batch/tensor.h"
#include "common/status.h"

namespace larch::batch {

struct Request;

// Where a finished request goes (the addon's per-environment completion route). Complete is
// called on an instance thread, exactly once per enqueued request, after its status is set and
// its outputs are written; the sink must eventually hand the request back with ReleaseRequest.
class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  virtual void Complete(Request* request) = 0;
};

// Memory a request's output is written into (owned by the caller, e.g. a JS typed array).
// data == nullptr: the caller could not size it (an output dim is -1); the batcher then writes
// the request's rows into `owned` (a pooled buffer whose capacity is kept across reuse) and
// their shape into `shape`.
struct OutputDest {
  std::byte* data = nullptr;
  size_t bytes = 0;
  std::vector<std::byte> owned;
  Shape shape;
};

struct Request;
// Clears what one use of a pooled request leaves behind (sink, status, timeout); every other
// field is written afresh by the next caller and by Prepare.
void ResetForReuse(Request* r);

struct Request {
  // Filled by the caller before Enqueue:
  uint64_t slot = 0;                       // the caller's id for this request
  std::vector<TensorView> inputs;          // one per model input (sized by the pool)
  std::vector<OutputDest> outputs;         // one per model output (sized by the pool)
  int64_t timeout_us = 0;                  // client timeout; 0 = none
  std::shared_ptr<CompletionSink> sink;
  // Set by the batcher:
  Status status;
  int64_t rows = 0;
  QueuedRequest queued;
};

class Batcher;

// What Allocate hands out for one output of the current batch (see BatchOutput).
class BatchOutputSink {
 public:
  StatusOr<std::byte*> Allocate(size_t index, const Shape& shape);

 private:
  friend class Batcher;
  struct Slot {
    bool allocated = false;
    bool direct = false;  // written straight into the single request's memory
    Shape shape;
    std::vector<std::byte> buffer;  // grows to the largest batch seen (max_batch_size rows up front)
  };
  const std::vector<TensorSpec>* specs_ = nullptr;
  bool batching_ = false;
  int64_t rows_ = 0;
  Request* single_ = nullptr;  // the request when the batch has exactly one
  std::vector<Slot> slots_;
};

class Batcher {
 public:
  static StatusOr<std::shared_ptr<Batcher>> Create(std::string name, std::vector<TensorSpec> inputs,
                                                   std::vector<TensorSpec> outputs, BatchConfig config,
                                                   const RunnerFactory& factory);
  // Stop() and join the instance threads. Every caller of EnqueueOrRunInline must hold a
  // shared_ptr to the batcher for the duration of the call (an inline run uses its pool).
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // A request with inputs/outputs vectors sized for this model. Thread-safe.
  Request* AcquireRequest();
  // Back to the pool (drops the sink). Thread-safe.
  void ReleaseRequest(Request* request);

  // Validates the request against the model (dtypes, shapes, byte sizes, batch size) and queues
  // it. On error the request is not queued and stays the caller's. Thread-safe.
  Status Enqueue(Request* request);

  // Like Enqueue, but when the request has at most config.inline_max_rows rows and nothing
  // holds it back (nothing queued and, with dynamic batching, no batch running on an instance
  // thread: rule 6 of policy.h) it runs the batch of this one request right here on the calling
  // thread, instead of waking an instance thread and crossing back through the completion sink:
  // two thread hand-offs fewer for a lone request. Inline runs do not take an instance: each
  // runs on a runner of its own from a pool (one per caller running inline at that moment), so
  // callers on different threads (the HTTP threads) run theirs side by side, the way FIL spreads
  // one instance's work over the cores; instance_group count is the number of instance threads
  // that take queued batches. Only cheap runners enable inline runs (inline_max_rows > 0).
  // Returns true when it ran inline: the outputs are written and request->status holds the
  // outcome; the sink is not called and the request stays the caller's. Returns false when it
  // was queued (completes through the sink as usual). Requests with an output the batcher must
  // size (OutputDest::data == nullptr) are always queued. Thread-safe; never call it from an
  // instance thread.
  StatusOr<bool> EnqueueOrRunInline(Request* request);

  // Stops accepting requests (UNAVAILABLE); the instances finish everything already queued and
  // exit. Idempotent.
  void Stop();

  // Forgets every request completing through `sink`: queued ones are dropped (returned to the
  // pool without completing) and the call waits until no running batch holds one. For an
  // environment that is going away: after this returns, no thread reads or writes the memory
  // its requests borrowed. Must not be called from an instance thread.
  void CancelFor(const CompletionSink* sink);

  const std::string& name() const { return name_; }
  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<TensorSpec>& outputs() const { return outputs_; }
  const BatchConfig& config() const { return config_; }
  // The cumulative statistics, with pending_requests = requests queued now (received, not yet
  // running: Triton's nv_inference_pending_request_count).
  ModelStats Stats() const;

 private:
  // What a batch runs with: a runner and the buffers its rows are gathered into and split from.
  // Each instance thread has one; inline runs borrow one from inline_free_.
  struct ExecContext {
    std::unique_ptr<BatchRunner> runner;
    std::vector<Request*> batch;    // the requests of the batch being run
    std::vector<std::vector<std::byte>> input_buffers;  // per input: gathered rows
    std::vector<TensorView> input_views;
    BatchOutputSink output;
  };
  struct Instance : ExecContext {
    std::thread thread;
    std::vector<const CompletionSink*> batch_sinks;  // guarded by mu_: their sinks (CancelFor)
    std::vector<Request*> expired;  // requests whose queue timeout ran out
  };

  Batcher(std::string name, std::vector<TensorSpec> inputs, std::vector<TensorSpec> outputs,
          BatchConfig config, RunnerFactory factory);
  // A context with its runner; an instance's batch buffers are sized for max_batch_size rows
  // up front, an inline context's are not (it only ever runs one request, on its own memory).
  Status InitContext(ExecContext& c, int index, bool for_instance);
  Status ValidateRequest(Request* r) const;
  void InstanceLoop(Instance& inst);
  // Runs c.batch; `complete`: hand each request to its sink (false for inline runs).
  void RunBatch(ExecContext& c, int64_t rows, bool complete = true, Clock::time_point started = {});
  Status Prepare(Request* r, Clock::time_point now);
  StatusOr<bool> Submit(Request* r, bool allow_inline);
  Status GatherInputs(ExecContext& c, int64_t rows);
  Status ScatterOutputs(ExecContext& c);
  void FailExpired(Instance& inst);

  // Queue operations: the caller holds mu_.
  void PushLocked(Request* r);
  void PopFrontLocked(size_t n, std::vector<Request*>& out);
  void TakeExpiredLocked(Clock::time_point now, std::vector<Request*>& out);
  // Moves every queued request whose index satisfies `remove` to `out`, keeping the others in
  // order (caller holds mu_).
  template <typename Pred>
  void RemoveQueuedLocked(Pred remove, std::vector<Request*>& out) {
    size_t w = head_;
    for (size_t i = head_; i < reqs_.size(); ++i) {
      if (remove(i)) {
        out.push_back(reqs_[i]);
      } else {
        views_[w] = views_[i];
        reqs_[w] = reqs_[i];
        ++w;
      }
    }
    views_.resize(w);
    reqs_.resize(w);
    if (head_ == w) {
      views_.clear();
      reqs_.clear();
      head_ = 0;
    }
  }
  size_t QueuedLocked() const { return reqs_.size() - head_; }

  const std::string name_;
  const std::vector<TensorSpec> inputs_;
  const std::vector<TensorSpec> outputs_;
  const BatchConfig config_;
  const bool batching_;
  bool dynamic_shapes_ = false;  // some input has a -1 dim: requests carry a shape key

  // Guarded by mu_: the queue (two parallel arrays from head_), stopping_, executing_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<QueuedRequest> views_;
  std::vector<Request*> reqs_;
  size_t head_ = 0;
  bool stopping_ = false;
  int executing_ = 0;     // batches running: on instance threads and inline
  int inline_runs_ = 0;   // of those, inline runs
  std::condition_variable batch_done_;  // a batch finished (CancelFor waits on it)

  std::vector<std::unique_ptr<Instance>> instances_;
  // Makes the inline contexts' runners, on demand, on the thread of the request that needs one
  // (indices from instance_count up, after the instances').
  const RunnerFactory factory_;
  // Guarded by mu_: every inline context made so far (as many as callers ever ran inline at
  // once), and those not in use.
  std::vector<std::unique_ptr<ExecContext>> inline_all_;
  std::vector<ExecContext*> inline_free_;
  StatsRecorder stats_;

  std::mutex pool_mu_;  // guards the request pool
  std::vector<std::unique_ptr<Request>> pool_all_;
  std::vector<Request*> pool_free_;
};

}  // namespace larch::batch
