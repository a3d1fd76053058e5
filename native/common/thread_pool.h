// A fixed pool of worker threads for data-parallel loops (forest evaluation, batching).
//
// ParallelFor(n, fn) runs fn(i) for every i in [0, n) on the pool's workers plus the calling
// thread and returns when all are done. It does not allocate: the job lives on the caller's
// stack and workers pull indices from an atomic counter, so uneven tasks balance themselves.
// One job runs on a pool at a time; a second caller that finds the pool busy runs its whole
// loop on its own thread instead of waiting (callers are usually other busy workers, so this
// keeps every core occupied without queueing). fn must not throw.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace larch::common {

class ThreadPool {
 public:
  // num_threads counts the calling thread: a pool of 1 runs everything inline and starts no
  // worker. 0 means std::thread::hardware_concurrency() (at least 1).
  explicit ThreadPool(size_t num_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads a ParallelFor may use, the caller included.
  size_t NumThreads() const { return workers_.size() + 1; }

  template <typename Fn>
  void ParallelFor(size_t n, Fn&& fn) {
    if (n == 0) return;
    if (n == 1 || workers_.empty()) {
      for (size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    Run(n, &Trampoline<std::remove_reference_t<Fn>>, static_cast<void*>(&fn));
  }

  // The process-wide pool, sized from the machine; created on first use.
  static ThreadPool& Default();

 private:
  using TaskFn = void (*)(void* ctx, size_t i);
  template <typename Fn>
  static void Trampoline(void* ctx, size_t i) { (*static_cast<Fn*>(ctx))(i); }

  // Runs one job to completion; the body of ParallelFor for n > 1.
  void Run(size_t n, TaskFn fn, void* ctx);
  void WorkerLoop();
  // Pulls indices of the current job until none are left. Returns how many it ran.
  size_t Drain();

  std::vector<std::thread> workers_;

  std::mutex run_mu_;  // held by the thread whose job is current (try_lock; never waited on)

  // Guarded by mu_: the job announcement and the shutdown flag.
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;  // bumped per job so a worker joins each job at most once
  bool stop_ = false;
  size_t active_workers_ = 0;  // workers inside the current job's Drain

  // The current job; written before generation_ is bumped (under mu_), read by workers after.
  TaskFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  size_t job_n_ = 0;
  std::atomic<size_t> next_{0};
};

}  // namespace larch::common
