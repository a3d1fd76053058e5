// The completion route of one batched model in one Node environment (main thread or a worker).
//
//   instance thread: Complete(r) ─▶ queue_ (mu_) ─▶ tsfn_.NonBlockingCall()  (only when queue_
//                                                    was empty: one hop drains many completions)
//   JS thread:       CallJs ─▶ swap queue_ out ─▶ onComplete(slots, failures) ─▶ requests back
//                                                    to the model's pool
//
// Lifetime: the JS handle owns a shared_ptr<Route>; every in-flight request owns one too (its
// sink); the TSFN owns one through its finalize data. Close() (handle closed or finalized, or
// the TSFN finalized at environment teardown) sets closed_ under mu_; after that no thread calls
// the TSFN, and late completions go straight back to the pool. NonBlockingCall is made under
// mu_, so it can never race with the release that follows Close().
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>
#include <vector>

#include "batch/batcher.h"

namespace larch::addon {

class BatchRoute;

void BatchRouteCallJs(Napi::Env env, Napi::Function on_complete, BatchRoute* route, void* data);
using BatchTsfn = Napi::TypedThreadSafeFunction<BatchRoute, void, BatchRouteCallJs>;

class BatchRoute final : public batch::CompletionSink {
 public:
  // `owner` outlives every request completed through this route (see batch_binding.cc).
  explicit BatchRoute(batch::Batcher* owner) : owner_(owner) {}

  void Complete(batch::Request* request) override;

  // JS thread only.
  void Start(BatchTsfn tsfn) { tsfn_ = tsfn; }
  void Close();
  // A request was enqueued from this environment: keep the event loop alive until it completes.
  void AddPending(Napi::Env env);
  void Drain(Napi::Env env, Napi::Function on_complete);
  BatchTsfn& tsfn() { return tsfn_; }
  // The TSFN was finalized (released, or torn down with its environment): never touch it again.
  void MarkTsfnGone() { tsfn_gone_ = true; }
  bool tsfn_gone() const { return tsfn_gone_; }
  int pending() const { return js_pending_; }

 private:
  batch::Batcher* const owner_;
  std::mutex mu_;
  bool closed_ = false;                   // guarded by mu_
  std::vector<batch::Request*> queue_;    // guarded by mu_: completed, not yet seen by JS
  std::vector<batch::Request*> draining_; // JS thread only: swapped with queue_ (no allocation)
  BatchTsfn tsfn_;
  int js_pending_ = 0;                    // JS thread only: enqueued and not yet delivered
  bool tsfn_gone_ = false;                // JS thread only
};

}  // namespace larch::addon
