#include "batch/batcher.h"

#include <algorithm>
#include <cstring>

namespace larch::batch {

namespace {

uint64_t Ns(Clock::time_point a, Clock::time_point b) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

// FNV-1a over the per-row dims of every input: requests with equal keys can share a batch.
uint64_t RowShapeKey(const std::vector<TensorView>& inputs) {
  uint64_t h = 1469598103934665603ull;
  for (const TensorView& t : inputs) {
    for (int i = 1; i < t.shape.rank; ++i) {
      h ^= static_cast<uint64_t>(t.shape.dims[i]);
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  return h;
}

// The bytes of one row of `spec`, or -1 when a dim is variable (-1).
int64_t KnownRowBytes(const TensorSpec& spec) {
  int64_t row = static_cast<int64_t>(DTypeSize(spec.dtype));
  for (int64_t d : spec.dims) {
    if (d < 0) return -1;
    row *= d;
  }
  return row;
}

}  // namespace

StatusOr<std::byte*> BatchOutputSink::Allocate(size_t index, const Shape& shape) {
  if (index >= slots_.size())
    return Status::Internal("runner asked for output " + std::to_string(index) + " of " +
                            std::to_string(slots_.size()));
  const TensorSpec& spec = (*specs_)[index];
  if (batching_ && (shape.rank < 1 || shape.dims[0] != rows_))
    return Status::Internal("runner output \"" + spec.name + "\" has shape " + shape.ToString() +
                            ", expected " + std::to_string(rows_) + " rows");
  for (int i = 0; i < shape.rank; ++i)
    if (shape.dims[i] < 0) return Status::Internal("runner output \"" + spec.name + "\" has a negative dim");
  Slot& slot = slots_[index];
  const size_t bytes = static_cast<size_t>(shape.NumElements()) * DTypeSize(spec.dtype);
  slot.allocated = true;
  slot.shape = shape;
  if (single_ != nullptr && single_->outputs[index].bytes == bytes && single_->outputs[index].data) {
    slot.direct = true;
    return single_->outputs[index].data;
  }
  slot.direct = false;
  if (slot.buffer.size() < bytes) slot.buffer.resize(bytes);  // grows past the preallocation only for odd shapes
  return slot.buffer.data();
}

Batcher::Batcher(std::string name, std::vector<TensorSpec> inputs, std::vector<TensorSpec> outputs,
                 BatchConfig config, RunnerFactory factory)
    : name_(std::move(name)),
      inputs_(std::move(inputs)),
      outputs_(std::move(outputs)),
      config_(std::move(config)),
      batching_(config_.max_batch_size > 0),
      factory_(std::move(factory)) {
  for (const TensorSpec& s : inputs_)
    for (int64_t d : s.dims)
      if (d < 0) dynamic_shapes_ = true;
}

Status Batcher::InitContext(ExecContext& c, int index, bool for_instance) {
  ASSIGN_OR_RETURN(c.runner, factory_(index));
  if (!c.runner) return Status::Internal("runner factory returned nothing for model \"" + name_ + "\"");
  c.input_views.resize(inputs_.size());
  c.input_buffers.resize(inputs_.size());
  c.output.specs_ = &outputs_;
  c.output.batching_ = batching_;
  c.output.slots_.resize(outputs_.size());
  if (!for_instance) {  // one request per run: its own memory in and out (output slots grow if ever needed)
    c.batch.reserve(1);
    return Status::Ok();
  }
  const int64_t rows = std::max<int64_t>(1, config_.max_batch_size);
  c.batch.reserve(static_cast<size_t>(rows));
  if (!batching_) return Status::Ok();
  // Preallocate the batch buffers for max_batch_size rows where the row size is known.
  for (size_t k = 0; k < inputs_.size(); ++k) {
    const int64_t row = KnownRowBytes(inputs_[k]);
    if (row >= 0) c.input_buffers[k].resize(static_cast<size_t>(rows * row));
  }
  for (size_t k = 0; k < outputs_.size(); ++k) {
    const int64_t row = KnownRowBytes(outputs_[k]);
    if (row >= 0) c.output.slots_[k].buffer.resize(static_cast<size_t>(rows * row));
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<Batcher>> Batcher::Create(std::string name, std::vector<TensorSpec> inputs,
                                                   std::vector<TensorSpec> outputs, BatchConfig config,
                                                   const RunnerFactory& factory) {
  RETURN_IF_ERROR(ValidateBatchConfig(config, name));
  if (inputs.empty()) return Status::Invalid("model \"" + name + "\" declares no inputs");
  if (outputs.empty()) return Status::Invalid("model \"" + name + "\" declares no outputs");
  const int max_rank = Shape::kMaxRank - (config.max_batch_size > 0 ? 1 : 0);
  for (const auto* list : {&inputs, &outputs})
    for (const TensorSpec& s : *list)
      if (static_cast<int>(s.dims.size()) > max_rank)
        return Status::Unsupported("tensor \"" + s.name + "\" of model \"" + name + "\" has " +
                                   std::to_string(s.dims.size()) + " dims; at most " +
                                   std::to_string(max_rank) + " are supported");
  std::shared_ptr<Batcher> b(new Batcher(std::move(name), std::move(inputs), std::move(outputs), std::move(config), factory));
  const int64_t rows = std::max<int64_t>(1, b->config_.max_batch_size);
  for (int i = 0; i < b->config_.instance_count; ++i) {
    auto inst = std::make_unique<Instance>();
    RETURN_IF_ERROR(b->InitContext(*inst, i, /*for_instance=*/true));
    inst->batch_sinks.reserve(static_cast<size_t>(rows));
    inst->expired.reserve(16);
    b->instances_.push_back(std::move(inst));
  }
  for (auto& inst : b->instances_) {
    Instance* p = inst.get();
    Batcher* self = b.get();  // threads never own the batcher: its destructor joins them
    p->thread = std::thread([self, p] { self->InstanceLoop(*p); });
  }
  return b;
}

Batcher::~Batcher() {
  Stop();
  for (auto& inst : instances_)
    if (inst->thread.joinable()) inst->thread.join();
}

void Batcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void Batcher::CancelFor(const CompletionSink* sink) {
  std::vector<Request*> dropped;
  std::unique_lock<std::mutex> lock(mu_);
  RemoveQueuedLocked([&](size_t i) { return reqs_[i]->sink.get() == sink; }, dropped);
  batch_done_.wait(lock, [&] {
    for (auto& inst : instances_)
      for (const CompletionSink* s : inst->batch_sinks)
        if (s == sink) return false;
    return true;
  });
  lock.unlock();
  if (!dropped.empty()) {
    const Clock::time_point now = Clock::now();
    uint64_t queue_ns = 0;
    for (Request* r : dropped) queue_ns += Ns(r->queued.enqueued, now);
    stats_.RecordCanceled(dropped.size(), queue_ns);
  }
  for (Request* r : dropped) ReleaseRequest(r);
}

ModelStats Batcher::Stats() const {
  ModelStats s = stats_.Snapshot();
  std::lock_guard<std::mutex> lock(mu_);
  s.pending_requests = QueuedLocked();
  return s;
}

Request* Batcher::AcquireRequest() {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (pool_free_.empty()) {
    auto r = std::make_unique<Request>();
    r->inputs.resize(inputs_.size());
    r->outputs.resize(outputs_.size());
    pool_all_.push_back(std::move(r));
    return pool_all_.back().get();
  }
  Request* r = pool_free_.back();
  pool_free_.pop_back();
  return r;
}

void ResetForReuse(Request* r) {
  r->sink.reset();
  r->status = Status::Ok();
  r->timeout_us = 0;
}

void Batcher::ReleaseRequest(Request* r) {
  ResetForReuse(r);
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_free_.push_back(r);
}

Status Batcher::ValidateRequest(Request* r) const {
  int64_t rows = 1;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const TensorSpec& spec = inputs_[i];
    const TensorView& t = r->inputs[i];
    const int want_rank = static_cast<int>(spec.dims.size()) + (batching_ ? 1 : 0);
    if (t.dtype != spec.dtype)
      return Status::Invalid("input \"" + spec.name + "\" of model \"" + name_ + "\" must be " +
                             std::string(DTypeName(spec.dtype)) + ", got " + std::string(DTypeName(t.dtype)));
    if (t.shape.rank != want_rank)
      return Status::Invalid("input \"" + spec.name + "\" of model \"" + name_ + "\" must have " +
                             std::to_string(want_rank) + " dims, got shape " + t.shape.ToString());
    const int off = batching_ ? 1 : 0;
    for (size_t d = 0; d < spec.dims.size(); ++d) {
      const int64_t got = t.shape.dims[d + off];
      if (got < 0 || (spec.dims[d] >= 0 && got != spec.dims[d]))
        return Status::Invalid("input \"" + spec.name + "\" of model \"" + name_ + "\" has shape " +
                               t.shape.ToString() + ", which does not match the model's dims");
    }
    if (t.data == nullptr && t.shape.NumElements() != 0)
      return Status::Invalid("input \"" + spec.name + "\" has no data");
    if (batching_) {
      const int64_t n = t.shape.dims[0];
      if (i == 0) rows = n;
      else if (n != rows)
        return Status::Invalid("inputs of model \"" + name_ + "\" disagree on the batch size: " +
                               std::to_string(rows) + " vs " + std::to_string(n) + " (input \"" + spec.name + "\")");
    }
  }
  if (batching_ && (rows < 1 || rows > config_.max_batch_size))
    return Status::Invalid("batch size " + std::to_string(rows) + " of the request exceeds max_batch_size " +
                           std::to_string(config_.max_batch_size) + " of model \"" + name_ + "\"");
  if (rows < 1) return Status::Invalid("a request needs at least one row (model \"" + name_ + "\")");
  r->rows = rows;
  return Status::Ok();
}

Status Batcher::Prepare(Request* r, Clock::time_point now) {
  RETURN_IF_ERROR(ValidateRequest(r));
  r->queued.rows = r->rows;
  r->queued.enqueued = now;
  r->queued.deadline = Deadline(config_, now, r->timeout_us);
  r->queued.shape_key = dynamic_shapes_ ? RowShapeKey(r->inputs) : 0;
  return Status::Ok();
}

Status Batcher::Enqueue(Request* r) { return Submit(r, /*allow_inline=*/false).status(); }

StatusOr<bool> Batcher::EnqueueOrRunInline(Request* r) { return Submit(r, /*allow_inline=*/true); }

StatusOr<bool> Batcher::Submit(Request* r, bool allow_inline) {
  const Clock::time_point now = Clock::now();
  RETURN_IF_ERROR(Prepare(r, now));
  bool sizes_known = true;
  for (const OutputDest& d : r->outputs) sizes_known = sizes_known && d.data != nullptr;
  const bool may_inline = allow_inline && r->rows <= config_.inline_max_rows && sizes_known;
  const bool dynamic = config_.dynamic_batching && batching_;
  ExecContext* ctx = nullptr;
  std::unique_ptr<ExecContext> fresh;  // a new inline context, made without holding mu_
  bool made_fresh = false;
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return Status::Unavailable("model \"" + name_ + "\" is unloading and accepts no new requests");
    // With dynamic batching, a batch running on an instance thread holds small requests back so
    // they batch up (rule 6); other callers' inline runs do not.
    const bool instance_busy = executing_ > inline_runs_;
    const bool run_inline = may_inline && QueuedLocked() == 0 && (!dynamic || !instance_busy);
    if (run_inline && (fresh || !inline_free_.empty())) {
      if (fresh) {
        inline_all_.push_back(std::move(fresh));
        ctx = inline_all_.back().get();
      } else {
        ctx = inline_free_.back();
        inline_free_.pop_back();
      }
      ctx->batch.push_back(r);
      ++executing_;
      ++inline_runs_;
      break;
    }
    if (run_inline && !made_fresh) {
      // Every context is in use (another thread runs inline): make one more, then decide again.
      const int index = config_.instance_count + static_cast<int>(inline_all_.size());
      lock.unlock();
      made_fresh = true;
      auto c = std::make_unique<ExecContext>();
      if (InitContext(*c, index, /*for_instance=*/false).ok()) fresh = std::move(c);
      continue;  // a factory failure leaves fresh empty: the request is queued below
    }
    if (fresh) {  // made, then not needed after all: it joins the pool
      inline_all_.push_back(std::move(fresh));
      inline_free_.push_back(inline_all_.back().get());
    }
    RETURN_IF_ERROR(Admit(QueuedLocked(), config_, name_));
    PushLocked(r);
    lock.unlock();
    wake_.notify_one();  // after unlocking, so the woken instance does not block on mu_ at once
    return false;
  }
  // Gives the context back and ends the run's count even if the runner breaks its contract and
  // throws; requests that arrived meanwhile may have waited for this run (rule 6), so the
  // instance threads decide again.
  struct GiveBack {
    Batcher* b;
    ExecContext* c;
    ~GiveBack() {
      c->batch.clear();
      bool queued;
      {
        std::lock_guard<std::mutex> lock(b->mu_);
        b->inline_free_.push_back(c);
        --b->executing_;
        --b->inline_runs_;
        queued = b->QueuedLocked() > 0;
      }
      if (queued) b->wake_.notify_all();
    }
  } give_back{this, ctx};
  RunBatch(*ctx, r->rows, /*complete=*/false, now);
  return true;
}

void Batcher::PushLocked(Request* r) {
  views_.push_back(r->queued);
  reqs_.push_back(r);
}

void Batcher::PopFrontLocked(size_t n, std::vector<Request*>& out) {
  out.assign(reqs_.begin() + static_cast<ptrdiff_t>(head_), reqs_.begin() + static_cast<ptrdiff_t>(head_ + n));
  head_ += n;
  if (head_ == reqs_.size()) {
    views_.clear();  // keeps capacity
    reqs_.clear();
    head_ = 0;
  } else if (head_ >= 1024 && head_ * 2 >= reqs_.size()) {
    views_.erase(views_.begin(), views_.begin() + static_cast<ptrdiff_t>(head_));
    reqs_.erase(reqs_.begin(), reqs_.begin() + static_cast<ptrdiff_t>(head_));
    head_ = 0;
  }
}

void Batcher::TakeExpiredLocked(Clock::time_point now, std::vector<Request*>& out) {
  RemoveQueuedLocked([&](size_t i) { return Expired(views_[i], now); }, out);
}

void Batcher::InstanceLoop(Instance& inst) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (config_.default_timeout_us > 0 || config_.allow_timeout_override) {
      TakeExpiredLocked(now, inst.expired);
      if (!inst.expired.empty()) {
        lock.unlock();
        FailExpired(inst);
        lock.lock();
        continue;
      }
    }
    if (QueuedLocked() == 0) {
      if (stopping_) return;
      wake_.wait(lock);
      continue;
    }
    const QueueSnapshot snap{std::span<const QueuedRequest>(views_.data() + head_, QueuedLocked()),
                             stopping_ ? 0 : executing_};  // draining: never hold requests back
    const Action a = NextAction(snap, config_, now);
    if (a.kind == Action::Kind::kWait) {
      wake_.wait_for(lock, std::chrono::microseconds(a.wait_us));
      continue;
    }
    PopFrontLocked(a.requests, inst.batch);
    for (Request* r : inst.batch) inst.batch_sinks.push_back(r->sink.get());
    ++executing_;
    lock.unlock();
    RunBatch(inst, a.rows);
    lock.lock();
    --executing_;
    inst.batch_sinks.clear();
    batch_done_.notify_all();
  }
}

void Batcher::FailExpired(Instance& inst) {
  const Clock::time_point now = Clock::now();
  uint64_t queue_ns = 0;
  for (Request* r : inst.expired) queue_ns += Ns(r->queued.enqueued, now);
  stats_.RecordRejected(inst.expired.size(), queue_ns);
  for (Request* r : inst.expired) {
    r->status = Status::DeadlineExceeded("Request timeout expired (model \"" + name_ + "\")");
    r->sink->Complete(r);
  }
  inst.expired.clear();
}

Status Batcher::GatherInputs(ExecContext& inst, int64_t rows) {
  if (inst.batch.size() == 1) {  // run on the caller's memory: no copy
    for (size_t i = 0; i < inputs_.size(); ++i) inst.input_views[i] = inst.batch[0]->inputs[i];
    return Status::Ok();
  }
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const TensorView& first = inst.batch[0]->inputs[i];
    const size_t row_bytes = static_cast<size_t>(first.shape.RowElements()) * DTypeSize(first.dtype);
    std::vector<std::byte>& buf = inst.input_buffers[i];
    if (buf.size() < row_bytes * static_cast<size_t>(rows)) buf.resize(row_bytes * static_cast<size_t>(rows));
    size_t offset = 0;
    for (Request* r : inst.batch) {
      const TensorView& t = r->inputs[i];
      if (!t.shape.SameRowShape(first.shape))  // the policy batches equal shape keys only
        return Status::Internal("requests with different row shapes were batched together");
      const size_t n = static_cast<size_t>(t.shape.dims[0]) * row_bytes;
      if (n) std::memcpy(buf.data() + offset, t.data, n);
      offset += n;
    }
    TensorView& v = inst.input_views[i];
    v.dtype = first.dtype;
    v.shape = first.shape;
    v.shape.dims[0] = rows;
    v.data = buf.data();
  }
  return Status::Ok();
}

Status Batcher::ScatterOutputs(ExecContext& inst) {
  BatchOutputSink& out = inst.output;
  for (size_t k = 0; k < outputs_.size(); ++k) {
    const BatchOutputSink::Slot& slot = out.slots_[k];
    if (!slot.allocated)
      return Status::Internal("the runner of model \"" + name_ + "\" produced no output \"" + outputs_[k].name + "\"");
    if (slot.direct) continue;
    const size_t elem = DTypeSize(outputs_[k].dtype);
    const size_t row_bytes = batching_ ? static_cast<size_t>(slot.shape.RowElements()) * elem
                                       : static_cast<size_t>(slot.shape.NumElements()) * elem;
    size_t offset = 0;
    for (Request* r : inst.batch) {
      const size_t n = static_cast<size_t>(batching_ ? r->rows : 1) * row_bytes;
      OutputDest& d = r->outputs[k];
      if (d.data == nullptr) {  // the caller left this output to us (variable dims)
        d.owned.resize(n);
        d.shape = slot.shape;
        if (batching_) d.shape.dims[0] = r->rows;
        if (n) std::memcpy(d.owned.data(), slot.buffer.data() + offset, n);
        offset += n;
        continue;
      }
      if (d.bytes != n)
        return Status::Internal("output \"" + outputs_[k].name + "\" of model \"" + name_ + "\" has shape " +
                                slot.shape.ToString() + ", which does not fit the " + std::to_string(d.bytes) +
                                " bytes the caller allocated for its rows");
      if (n) std::memcpy(d.data, slot.buffer.data() + offset, n);
      offset += n;
    }
  }
  return Status::Ok();
}

void Batcher::RunBatch(ExecContext& inst, int64_t rows, bool complete, Clock::time_point started) {
  // An inline run starts when it was submitted (the caller's clock reading): one read fewer.
  const Clock::time_point t0 = started == Clock::time_point{} ? Clock::now() : started;
  BatchOutputSink& out = inst.output;
  out.rows_ = rows;
  out.single_ = inst.batch.size() == 1 ? inst.batch[0] : nullptr;
  for (auto& slot : out.slots_) slot.allocated = false;

  Status st = GatherInputs(inst, rows);
  const Clock::time_point t1 = Clock::now();
  if (st.ok()) {
    BatchInput input{rows, std::span<const TensorView>(inst.input_views)};
    BatchOutput output(&out);
    st = inst.runner->Run(input, output);
  }
  const Clock::time_point t2 = Clock::now();
  if (st.ok()) st = ScatterOutputs(inst);
  const Clock::time_point t3 = Clock::now();

  uint64_t queue_ns = 0, duration_ns = 0;
  for (Request* r : inst.batch) {
    queue_ns += Ns(r->queued.enqueued, t0);
    duration_ns += Ns(r->queued.enqueued, t3);
  }
  stats_.RecordBatch(rows, inst.batch.size(), st.ok(), queue_ns, duration_ns, Ns(t0, t1), Ns(t1, t2), Ns(t2, t3));
  for (Request* r : inst.batch) {
    r->status = st;  // copies the message only on failure
    if (complete) r->sink->Complete(r);
  }
  inst.batch.clear();
}

}  // namespace larch::batch
