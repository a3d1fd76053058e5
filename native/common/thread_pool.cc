// The fixed worker pool behind ParallelFor (see thread_pool.h for the contract).
#include "common/thread_pool.h"

namespace larch::common {

ThreadPool::ThreadPool(size_t num_threads) {
  if (num_threads == 0) {
    num_threads = std::thread::hardware_concurrency();
    if (num_threads == 0) num_threads = 1;
  }
  workers_.reserve(num_threads - 1);
  for (size_t i = 1; i < num_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

ThreadPool& ThreadPool::Default() {
  static ThreadPool pool(0);
  return pool;
}

size_t ThreadPool::Drain() {
  size_t ran = 0;
  for (;;) {
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= job_n_) return ran;
    job_fn_(job_ctx_, i);
    ++ran;
  }
}

void ThreadPool::Run(size_t n, TaskFn fn, void* ctx) {
  std::unique_lock<std::mutex> owner(run_mu_, std::try_to_lock);
  if (!owner.owns_lock()) {  // another job is running: do this one on the calling thread
    for (size_t i = 0; i < n; ++i) fn(ctx, i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_fn_ = fn;
    job_ctx_ = ctx;
    job_n_ = n;
    next_.store(0, std::memory_order_relaxed);
    ++generation_;
  }
  wake_.notify_all();
  Drain();
  // Every index has been handed out; wait for workers still running theirs. A worker that wakes
  // late finds next_ >= job_n_ and leaves at once, but it must not read job_* after we return
  // and the next job overwrites them, so we wait for active_workers_ to reach zero.
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [this] { return active_workers_ == 0; });
  job_n_ = 0;  // late wakers of this generation see an empty job
}

void ThreadPool::WorkerLoop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (job_n_ == 0) continue;  // the job already finished before this worker woke
      ++active_workers_;
    }
    Drain();
    {
      std::lock_guard<std::mutex> lock(mu_);
      --active_workers_;
    }
    done_.notify_one();
  }
}

}  // namespace larch::common
