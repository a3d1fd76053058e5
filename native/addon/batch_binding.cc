// N-API surface of the dynamic batcher (native/batch):
//   new addon.BatchHandle(options | id, onComplete)  create a model (options) or open one that
//       another environment created (id); one handle, route and TSFN per model per environment
//   handle.infer(slot, inputs, outputs, timeoutUs)   inputs: [data, dtypeCode, shape, ...]
//       flattened per input; outputs: typed arrays the results are written into. Throws (with
//       `code`) when the request cannot be queued. Returns true when the request ran right away
//       on this thread (Batcher::EnqueueOrRunInline: small, nothing queued): its outputs are
//       written, and a failure was thrown. Returns false when it was queued: onComplete reports
//       it later: onComplete(slots, failures, owned): slots is a Uint32Array of finished slots,
//       failures undefined or an array of [slot, code, message], owned undefined or an array of
//       [slot, outputIndex, ArrayBuffer, shape] for outputs passed as null (variable dims).
//   handle.stats() / describe() / unload() / close() / pending()
//   addon.batchRunnerKinds(), and test hooks for the pure policy (batchPolicyNextAction).
// The caller (lib/backends/batcher.ts) keeps every input and output array referenced until its
// slot completes; native code borrows their memory and never touches a JS value off-thread.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <utility>

#include "addon/batch_route.h"
#include "addon/batch_runner_kinds.h"
#include "addon/module.h"
#include "batch/batcher.h"
#include "batch/model_registry.h"

namespace larch::addon {

namespace {

[[noreturn]] void ThrowStatus(Napi::Env env, const Status& st) {
  Napi::Error e = Napi::Error::New(env, st.message());
  e.Set("code", Napi::String::New(env, st.CodeName()));
  throw e;
}

[[noreturn]] void ThrowInvalid(Napi::Env env, const std::string& msg) {
  ThrowStatus(env, Status::Invalid(msg));
}

int64_t GetInt(Napi::Object o, const char* key, int64_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) ThrowInvalid(o.Env(), std::string("batch option ") + key + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

std::vector<batch::TensorSpec> ParseSpecs(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) ThrowInvalid(env, std::string(what) + " must be an array of {name, datatype, dims}");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<batch::TensorSpec> specs;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Object o = arr.Get(i).As<Napi::Object>();
    batch::TensorSpec s;
    s.name = o.Get("name").ToString().Utf8Value();
    auto dt = batch::ParseDType(o.Get("datatype").ToString().Utf8Value());
    if (!dt.ok()) ThrowStatus(env, Status(dt.status().code(), std::string(what) + " \"" + s.name + "\": " + dt.status().message()));
    s.dtype = dt.value();
    Napi::Value dims = o.Get("dims");
    if (!dims.IsArray()) ThrowInvalid(env, std::string(what) + " \"" + s.name + "\" needs dims");
    Napi::Array da = dims.As<Napi::Array>();
    for (uint32_t k = 0; k < da.Length(); ++k) s.dims.push_back(da.Get(k).As<Napi::Number>().Int64Value());
    specs.push_back(std::move(s));
  }
  return specs;
}

batch::BatchConfig ParseConfig(Napi::Env env, Napi::Object o) {
  batch::BatchConfig c;
  c.max_batch_size = GetInt(o, "maxBatchSize", 0);
  c.dynamic_batching = o.Get("dynamicBatching").ToBoolean();
  c.max_queue_delay_us = GetInt(o, "maxQueueDelayUs", 0);
  c.max_queue_size = GetInt(o, "maxQueueSize", 0);
  c.default_timeout_us = GetInt(o, "defaultTimeoutUs", 0);
  c.allow_timeout_override = o.Get("allowTimeoutOverride").ToBoolean();
  c.instance_count = static_cast<int>(GetInt(o, "instanceCount", 1));
  c.inline_max_rows = GetInt(o, "inlineMaxRows", 0);
  Napi::Value pref = o.Get("preferredBatchSizes");
  if (pref.IsArray()) {
    Napi::Array a = pref.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) c.preferred_batch_sizes.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  }
  return c;
}

Napi::Object SpecsToJs(Napi::Env env, const std::vector<batch::TensorSpec>& specs, Napi::Array out) {
  for (uint32_t i = 0; i < specs.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", specs[i].name);
    o.Set("datatype", std::string(batch::DTypeName(specs[i].dtype)));
    Napi::Array dims = Napi::Array::New(env, specs[i].dims.size());
    for (uint32_t k = 0; k < specs[i].dims.size(); ++k) dims.Set(k, Napi::Number::New(env, static_cast<double>(specs[i].dims[k])));
    o.Set("dims", dims);
    out.Set(i, o);
  }
  return out;
}

Napi::Object DurationToJs(Napi::Env env, const batch::DurationStat& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("count", Napi::Number::New(env, static_cast<double>(d.count)));
  o.Set("ns", Napi::Number::New(env, static_cast<double>(d.ns)));
  return o;
}

// Borrows a typed array's memory: data pointer (offset applied) and byte length.
void TypedArrayBytes(Napi::Env env, Napi::Value v, std::byte** data, size_t* bytes, const char* what) {
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* ptr = nullptr;
  napi_value ab;
  if (!v.IsTypedArray() || napi_get_typedarray_info(env, v, &type, &length, &ptr, &ab, &offset) != napi_ok)
    ThrowInvalid(env, std::string(what) + " must be a typed array");
  size_t elem = 1;
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: elem = 1; break;
    case napi_int16_array: case napi_uint16_array: elem = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
    default: elem = 8; break;
  }
  *data = static_cast<std::byte*>(ptr);
  *bytes = length * elem;
}

}  // namespace

// ---- the route ----

void BatchRoute::Complete(batch::Request* r) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) {
    lock.unlock();
    owner_->ReleaseRequest(r);  // may drop the last reference to this route: touch nothing after
    return;
  }
  const bool was_empty = queue_.empty();
  queue_.push_back(r);
  if (was_empty) tsfn_.NonBlockingCall();
}

void BatchRoute::Close() {
  std::vector<batch::Request*> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    left.swap(queue_);
  }
  for (batch::Request* r : left) owner_->ReleaseRequest(r);
  // Requests of this environment still queued or running borrow memory its heap is about to
  // free (environment teardown): drop them and wait out the batches that hold them. Not under
  // mu_, since those batches complete through this route.
  owner_->CancelFor(this);
}

void BatchRoute::AddPending(Napi::Env env) {
  if (js_pending_++ == 0) tsfn_.Ref(env);
}

void BatchRoute::Drain(Napi::Env env, Napi::Function on_complete) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_.swap(queue_);
  }
  const size_t n = draining_.size();
  if (n == 0) return;
  Napi::Uint32Array slots = Napi::Uint32Array::New(env, n);
  Napi::Value failures = env.Undefined();
  Napi::Value owned = env.Undefined();  // [slot, output index, ArrayBuffer, shape] per variable-dims output
  uint32_t nfail = 0, nowned = 0;
  for (size_t i = 0; i < n; ++i) {
    batch::Request* r = draining_[i];
    slots[i] = static_cast<uint32_t>(r->slot);
    if (r->status.ok()) {
      for (uint32_t k = 0; k < r->outputs.size(); ++k) {
        batch::OutputDest& d = r->outputs[k];
        if (d.data != nullptr) continue;
        if (owned.IsUndefined()) owned = Napi::Array::New(env);
        Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, d.owned.size());
        if (!d.owned.empty()) std::memcpy(ab.Data(), d.owned.data(), d.owned.size());
        Napi::Array shape = Napi::Array::New(env, static_cast<size_t>(d.shape.rank));
        for (int j = 0; j < d.shape.rank; ++j)
          shape.Set(static_cast<uint32_t>(j), Napi::Number::New(env, static_cast<double>(d.shape.dims[j])));
        Napi::Array e = Napi::Array::New(env, 4);
        e.Set(0u, Napi::Number::New(env, static_cast<double>(r->slot)));
        e.Set(1u, Napi::Number::New(env, k));
        e.Set(2u, ab);
        e.Set(3u, shape);
        owned.As<Napi::Array>().Set(nowned++, e);
      }
    }
    if (!r->status.ok()) {
      if (failures.IsUndefined()) failures = Napi::Array::New(env);
      Napi::Array f = Napi::Array::New(env, 3);
      f.Set(0u, Napi::Number::New(env, static_cast<double>(r->slot)));
      f.Set(1u, Napi::String::New(env, r->status.CodeName()));
      f.Set(2u, Napi::String::New(env, r->status.message()));
      failures.As<Napi::Array>().Set(nfail++, f);
    }
  }
  // The TSFN's finalize data keeps this route alive while CallJs runs, whatever the requests hold.
  for (batch::Request* r : draining_) owner_->ReleaseRequest(r);
  draining_.clear();
  js_pending_ -= static_cast<int>(n);
  if (js_pending_ == 0) tsfn_.Unref(env);
  on_complete.Call({slots, failures, owned});
}

void BatchRouteCallJs(Napi::Env env, Napi::Function on_complete, BatchRoute* route, void*) {
  if (env == nullptr || route == nullptr) return;  // environment shutting down: Close() frees requests
  route->Drain(env, on_complete);
}

// ---- the handle ----

class BatchHandle : public Napi::ObjectWrap<BatchHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "BatchHandle",
                       {InstanceMethod<&BatchHandle::Infer>("infer"),
                        InstanceMethod<&BatchHandle::Stats>("stats"),
                        InstanceMethod<&BatchHandle::Describe>("describe"),
                        InstanceMethod<&BatchHandle::Unload>("unload"),
                        InstanceMethod<&BatchHandle::Close>("close"),
                        InstanceMethod<&BatchHandle::Pending>("pending")});
  }

  BatchHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BatchHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[1].IsFunction())
      ThrowInvalid(env, "new BatchHandle(options | id, onComplete): onComplete must be a function");
    if (info[0].IsString()) {
      id_ = info[0].As<Napi::String>().Utf8Value();
      auto found = batch::FindModel(id_);
      if (!found.ok()) ThrowStatus(env, found.status());
      batcher_ = std::move(found).value();
    } else if (info[0].IsObject()) {
      Create(env, info[0].As<Napi::Object>());
    } else {
      ThrowInvalid(env, "new BatchHandle: the first argument must be a model id or creation options");
    }
    route_ = std::make_shared<BatchRoute>(batcher_.get());
    // The TSFN's finalize data holds a route reference, so CallJs and the finalizer never see a
    // freed route even after this handle is gone.
    auto* keep = new std::shared_ptr<BatchRoute>(route_);
    BatchTsfn tsfn = BatchTsfn::New(
        env, info[1].As<Napi::Function>(), "larch.batch", 0, 1, route_.get(),
        [](Napi::Env, std::shared_ptr<BatchRoute>* keep_route, BatchRoute*) {
          (*keep_route)->Close();
          (*keep_route)->MarkTsfnGone();
          delete keep_route;
        },
        keep);
    route_->Start(tsfn);
    tsfn.Unref(env);  // idle until a request is pending
  }

  ~BatchHandle() override { Shutdown(); }

 private:
  void Create(Napi::Env env, Napi::Object o) {
    BatchModelDescription d;
    id_ = o.Get("id").ToString().Utf8Value();
    d.name = o.Get("name").ToString().Utf8Value();
    d.inputs = ParseSpecs(env, o.Get("inputs"), "input");
    d.outputs = ParseSpecs(env, o.Get("outputs"), "output");
    Napi::Value cfg = o.Get("config");
    if (!cfg.IsObject()) ThrowInvalid(env, "batch model options need a config object");
    d.config = ParseConfig(env, cfg.As<Napi::Object>());
    Napi::Value runner = o.Get("runner");
    if (!runner.IsObject()) ThrowInvalid(env, "batch model options need runner: {kind, ...}");
    const std::string kind = runner.As<Napi::Object>().Get("kind").ToString().Utf8Value();
    RunnerKindMaker maker = FindRunnerKind(kind);
    if (maker == nullptr) {
      std::string known;
      for (auto& k : RunnerKinds()) known += (known.empty() ? "" : ", ") + k;
      ThrowStatus(env, Status::Unsupported("no batch runner of kind \"" + kind + "\" is built into this addon (known: " + known + ")"));
    }
    Status valid = batch::ValidateBatchConfig(d.config, d.name);
    if (!valid.ok()) ThrowStatus(env, valid);
    auto factory = maker(env, runner.As<Napi::Object>(), d);
    if (!factory.ok()) ThrowStatus(env, factory.status());
    auto created = batch::Batcher::Create(d.name, d.inputs, d.outputs, d.config, factory.value());
    if (!created.ok()) ThrowStatus(env, created.status());
    batcher_ = std::move(created).value();
    Status reg = batch::RegisterModel(id_, batcher_);
    if (!reg.ok()) {
      batcher_.reset();
      ThrowStatus(env, reg);
    }
  }

  // A request this thread is done with: kept for its next Infer, or back to the pool.
  void KeepSpare(batch::Request* r) {
    if (spare_ == nullptr) {
      batch::ResetForReuse(r);
      spare_ = r;
    } else {
      batcher_->ReleaseRequest(r);
    }
  }

  void Shutdown() {
    if (spare_ != nullptr && batcher_) batcher_->ReleaseRequest(std::exchange(spare_, nullptr));
    if (route_) {
      route_->Close();
      // At environment teardown the TSFN may already be finalized (its cleanup hook runs before
      // object finalizers); releasing it then would touch freed memory.
      if (!route_->tsfn_gone()) route_->tsfn().Release();
      route_->MarkTsfnGone();
      route_.reset();
    }
    batcher_.reset();  // the last owner joins the (already drained) instance threads
  }

  // infer(slot, timeoutUs, meta, input_0 .. input_{n-1}, output_0 .. output_{m-1}) -> ran inline
  //   meta: Float64Array, per input [dtype code, rank, dim_0 .. dim_{kMaxRank-1}] (JS writes it
  //   into one reused array: numbers read from memory, not one N-API call per dim).
  //   input_i: typed array (borrowed); output_k: typed array to fill, or null for a -1 dim.
  Napi::Value Infer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!batcher_) ThrowStatus(env, Status::Unavailable("the batched model handle is closed"));
    const auto& in_specs = batcher_->inputs();
    const auto& out_specs = batcher_->outputs();
    constexpr size_t kStride = 2 + batch::Shape::kMaxRank;
    if (info.Length() != 3 + in_specs.size() + out_specs.size())
      ThrowInvalid(env, "infer(slot, timeoutUs, meta, " + std::to_string(in_specs.size()) + " inputs, " +
                            std::to_string(out_specs.size()) + " outputs) of model \"" + batcher_->name() + "\"");
    if (!info[0].IsNumber() || !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      ThrowInvalid(env, "infer(slot: number, timeoutUs: number, meta: Float64Array, ...)");
    std::byte* meta_data;
    size_t meta_bytes;
    TypedArrayBytes(env, info[2], &meta_data, &meta_bytes, "meta");
    if (meta_bytes < in_specs.size() * kStride * sizeof(double)) ThrowInvalid(env, "meta is too short for the inputs");
    const double* meta = reinterpret_cast<const double*>(meta_data);
    // The request: this handle's spare when it has one (the usual case: a request that ran
    // inline comes back here), so an inline run takes no lock on the batcher's shared pool.
    batch::Request* r = spare_ != nullptr ? std::exchange(spare_, nullptr) : batcher_->AcquireRequest();
    struct Guard {  // keeps the request as the spare, or returns it to the pool, unless it was queued
      BatchHandle* h; batch::Request* r;
      ~Guard() { if (r) h->KeepSpare(r); }
    } guard{this, r};
    r->slot = info[0].As<Napi::Number>().Uint32Value();
    r->timeout_us = info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
    for (uint32_t i = 0; i < in_specs.size(); ++i) {
      batch::TensorView& t = r->inputs[i];
      const double* m = meta + i * kStride;
      std::byte* data;
      size_t bytes;
      TypedArrayBytes(env, info[3 + i], &data, &bytes, "input data");
      if (!(m[0] >= 0 && m[0] <= static_cast<double>(batch::DType::kFp64)) || m[0] != std::floor(m[0])) ThrowInvalid(env, "bad datatype code");
      t.dtype = static_cast<batch::DType>(static_cast<int>(m[0]));
      if (!(m[1] >= 0 && m[1] <= batch::Shape::kMaxRank) || m[1] != std::floor(m[1]))
        ThrowInvalid(env, "input \"" + in_specs[i].name + "\" has too many dims");
      t.shape.rank = static_cast<int>(m[1]);
      double elements = 1;  // in double so that absurd dims cannot overflow int64 before the check
      for (int k = 0; k < t.shape.rank; ++k) {
        const double d = m[2 + k];
        if (!(d >= 0) || d > 9.0e15 || d != std::floor(d))
          ThrowInvalid(env, "input \"" + in_specs[i].name + "\" has a dim that is not a non-negative integer");
        elements *= d;
        if (elements > static_cast<double>(bytes)) ThrowInvalid(env, "input \"" + in_specs[i].name + "\": shape does not fit its data");
        t.shape.dims[k] = static_cast<int64_t>(d);
      }
      if (static_cast<size_t>(t.shape.NumElements()) * batch::DTypeSize(t.dtype) != bytes)
        ThrowInvalid(env, "input \"" + in_specs[i].name + "\" has " + std::to_string(bytes) +
                              " bytes of data but shape " + t.shape.ToString() + " of " +
                              std::string(batch::DTypeName(t.dtype)) + " needs " +
                              std::to_string(static_cast<size_t>(t.shape.NumElements()) * batch::DTypeSize(t.dtype)));
      t.data = data;
    }
    for (uint32_t k = 0; k < out_specs.size(); ++k) {
      Napi::Value o = info[3 + in_specs.size() + k];
      if (o.IsNull() || o.IsUndefined()) {  // variable dims: the batcher allocates (see OutputDest)
        r->outputs[k].data = nullptr;
        r->outputs[k].bytes = 0;
      } else {
        TypedArrayBytes(env, o, &r->outputs[k].data, &r->outputs[k].bytes, "output array");
      }
    }
    r->sink = route_;
    StatusOr<bool> ran_inline = batcher_->EnqueueOrRunInline(r);
    if (!ran_inline.ok()) ThrowStatus(env, ran_inline.status());
    if (ran_inline.value()) {  // ran on this thread: outputs written; the guard returns r
      if (!r->status.ok()) ThrowStatus(env, r->status);
      return Napi::Boolean::New(env, true);
    }
    guard.r = nullptr;  // queued: the route hands it back after completion
    route_->AddPending(env);
    return Napi::Boolean::New(env, false);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!batcher_) ThrowStatus(env, Status::Unavailable("the batched model handle is closed"));
    batch::ModelStats s = batcher_->Stats();
    Napi::Object o = Napi::Object::New(env);
    o.Set("inferenceCount", Napi::Number::New(env, static_cast<double>(s.inference_count)));
    o.Set("executionCount", Napi::Number::New(env, static_cast<double>(s.execution_count)));
    o.Set("lastInference", Napi::Number::New(env, static_cast<double>(s.last_inference_ms)));
    o.Set("success", DurationToJs(env, s.success));
    o.Set("fail", DurationToJs(env, s.fail));
    o.Set("queue", DurationToJs(env, s.queue));
    o.Set("computeInput", DurationToJs(env, s.compute_input));
    o.Set("computeInfer", DurationToJs(env, s.compute_infer));
    o.Set("computeOutput", DurationToJs(env, s.compute_output));
    // Beyond Triton's statistics extension, for the metrics endpoint (lib/metrics/prometheus.ts).
    Napi::Object reasons = Napi::Object::New(env);
    reasons.Set("rejected", Napi::Number::New(env, static_cast<double>(s.fail_rejected)));
    reasons.Set("canceled", Napi::Number::New(env, static_cast<double>(s.fail_canceled)));
    reasons.Set("backend", Napi::Number::New(env, static_cast<double>(s.fail_backend)));
    o.Set("failReasons", reasons);
    o.Set("pendingRequests", Napi::Number::New(env, static_cast<double>(s.pending_requests)));
    Napi::Array bs = Napi::Array::New(env, s.batch_stats.size());
    uint32_t i = 0;
    for (auto& [size, b] : s.batch_stats) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("batchSize", Napi::Number::New(env, static_cast<double>(size)));
      e.Set("computeInput", DurationToJs(env, b.compute_input));
      e.Set("computeInfer", DurationToJs(env, b.compute_infer));
      e.Set("computeOutput", DurationToJs(env, b.compute_output));
      bs.Set(i++, e);
    }
    o.Set("batchStats", bs);
    return o;
  }

  Napi::Value Describe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!batcher_) ThrowStatus(env, Status::Unavailable("the batched model handle is closed"));
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", id_);
    o.Set("name", batcher_->name());
    o.Set("maxBatchSize", Napi::Number::New(env, static_cast<double>(batcher_->config().max_batch_size)));
    o.Set("inputs", SpecsToJs(env, batcher_->inputs(), Napi::Array::New(env)));
    o.Set("outputs", SpecsToJs(env, batcher_->outputs(), Napi::Array::New(env)));
    return o;
  }

  // Removes the model from the registry and stops it: queued requests still run, new ones fail.
  Napi::Value Unload(const Napi::CallbackInfo& info) {
    if (batcher_) {
      auto registered = batch::FindModel(id_);
      if (registered.ok() && registered.value() == batcher_) batch::UnregisterModel(id_);
      batcher_->Stop();
    }
    return info.Env().Undefined();
  }

  // Releases this environment's route. Call once nothing is pending here.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  Napi::Value Pending(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), route_ ? route_->pending() : 0);
  }

  std::string id_;
  std::shared_ptr<batch::Batcher> batcher_;
  std::shared_ptr<BatchRoute> route_;
  batch::Request* spare_ = nullptr;  // from batcher_'s pool; back to it at Shutdown
};

// ---- test hooks for the pure policy ----

namespace {

Napi::Value PolicyNextAction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // (requests: [{rows, enqueuedUs, deadlineUs?, shapeKey?}], config, nowUs, executingBatches)
  Napi::Array reqs = info[0].As<Napi::Array>();
  batch::BatchConfig c = ParseConfig(env, info[1].As<Napi::Object>());
  Status valid = batch::ValidateBatchConfig(c, "policy-test");
  if (!valid.ok()) ThrowStatus(env, valid);
  const batch::Clock::time_point base{};
  auto at = [&](double us) { return base + std::chrono::microseconds(static_cast<int64_t>(us)); };
  std::vector<batch::QueuedRequest> q(reqs.Length());
  for (uint32_t i = 0; i < reqs.Length(); ++i) {
    Napi::Object o = reqs.Get(i).As<Napi::Object>();
    q[i].rows = GetInt(o, "rows", 1);
    q[i].enqueued = at(static_cast<double>(GetInt(o, "enqueuedUs", 0)));
    q[i].shape_key = static_cast<uint64_t>(GetInt(o, "shapeKey", 0));
  }
  batch::QueueSnapshot snap{q, static_cast<int>(info[3].As<Napi::Number>().Int32Value())};
  batch::Action a = batch::NextAction(snap, c, at(info[2].As<Napi::Number>().DoubleValue()));
  Napi::Object out = Napi::Object::New(env);
  const char* kind = a.kind == batch::Action::Kind::kRun ? "run" : a.kind == batch::Action::Kind::kWait ? "wait" : "idle";
  out.Set("kind", kind);
  out.Set("requests", Napi::Number::New(env, static_cast<double>(a.requests)));
  out.Set("rows", Napi::Number::New(env, static_cast<double>(a.rows)));
  out.Set("waitUs", Napi::Number::New(env, static_cast<double>(a.wait_us)));
  return out;
}

// (queued, config) -> undefined, or throws RESOURCE_EXHAUSTED.
Napi::Value PolicyAdmit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  batch::BatchConfig c = ParseConfig(env, info[1].As<Napi::Object>());
  Status st = batch::Admit(info[0].As<Napi::Number>().Uint32Value(), c, "policy-test");
  if (!st.ok()) ThrowStatus(env, st);
  return env.Undefined();
}

// (config, modelName) -> the normalised config, or throws INVALID_ARGUMENT.
Napi::Value ValidateConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  batch::BatchConfig c = ParseConfig(env, info[0].As<Napi::Object>());
  Status st = batch::ValidateBatchConfig(c, info[1].ToString().Utf8Value());
  if (!st.ok()) ThrowStatus(env, st);
  Napi::Array pref = Napi::Array::New(env, c.preferred_batch_sizes.size());
  for (uint32_t i = 0; i < c.preferred_batch_sizes.size(); ++i)
    pref.Set(i, Napi::Number::New(env, static_cast<double>(c.preferred_batch_sizes[i])));
  return pref;
}

Napi::Value ListKinds(const Napi::CallbackInfo& info) {
  auto kinds = RunnerKinds();
  Napi::Array a = Napi::Array::New(info.Env(), kinds.size());
  for (uint32_t i = 0; i < kinds.size(); ++i) a.Set(i, kinds[i]);
  return a;
}

Napi::Value ListModels(const Napi::CallbackInfo& info) {
  auto ids = batch::RegisteredModelIds();
  Napi::Array a = Napi::Array::New(info.Env(), ids.size());
  for (uint32_t i = 0; i < ids.size(); ++i) a.Set(i, ids[i]);
  return a;
}

void InitBatchBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("BatchHandle", BatchHandle::Define(env));
  exports.Set("batchRunnerKinds", Napi::Function::New(env, ListKinds, "batchRunnerKinds"));
  exports.Set("batchModelIds", Napi::Function::New(env, ListModels, "batchModelIds"));
  exports.Set("batchValidateConfig", Napi::Function::New(env, ValidateConfig, "batchValidateConfig"));
  exports.Set("batchPolicyNextAction", Napi::Function::New(env, PolicyNextAction, "batchPolicyNextAction"));
  exports.Set("batchPolicyAdmit", Napi::Function::New(env, PolicyAdmit, "batchPolicyAdmit"));
}

}  // namespace

}  // namespace larch::addon

LARCH_ADDON_MODULE(batch, larch::addon::InitBatchBinding);
