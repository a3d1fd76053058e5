// N-API surface of native/onnx:
//   onnxBuildInfo() -> { compiled, apiVersion }
//   onnxLoadRuntime(libraryPath) -> { path, version }
//   onnxCreateSession(pathOrBytes, label, options) -> Promise<handle>  (handle.inputs, handle.outputs)
//   onnxRun(handle, tensors, outputNames?) -> Promise<tensor[]>   (on a libuv worker thread)
//   onnxRunSync(handle, tensors, outputNames?) -> tensor[]        (on the calling thread)
//   onnxReleaseSession(handle)
// Errors carry `code` = Status::CodeName(). Without ONNX headers at build time, only
// onnxBuildInfo exists (compiled: false) and lib/onnx explains why. Tensor conversion lives in
// onnx_tensors.cc, the batcher's runner kind in onnx_batch_kind.cc.
#include "addon/module.h"

#if LARCH_WITH_ONNX

#include <memory>
#include <string>
#include <vector>

#include "addon/onnx_binding.h"
#include "onnx/ort_runtime.h"
#include "onnx/tensor_types.h"

namespace larch::addon {
namespace {

using onnx::Session;

// What a JS session handle's External points at; Release empties it while runs in flight keep
// their own reference.
struct SessionHolder {
  std::shared_ptr<const Session> session;
};
constexpr const char* kHandleTag = "larch.onnx.session";

SessionHolder* HolderOf(Napi::Env env, Napi::Value handle) {
  if (!handle.IsObject()) ThrowOnnxInvalid(env, "not an ONNX session handle");
  Napi::Value ext = handle.As<Napi::Object>().Get(kHandleTag);
  if (!ext.IsExternal()) ThrowOnnxInvalid(env, "not an ONNX session handle");
  return ext.As<Napi::External<SessionHolder>>().Data();
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("compiled", true);
  out.Set("apiVersion", ORT_API_VERSION);
  return out;
}

Napi::Value LoadRuntime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowOnnxInvalid(env, "onnxLoadRuntime(libraryPath: string)");
  auto rt = onnx::LoadRuntime(info[0].As<Napi::String>().Utf8Value());
  if (!rt.ok()) throw OnnxErrorOf(env, rt.status());
  Napi::Object out = Napi::Object::New(env);
  out.Set("path", rt.value()->library_path);
  out.Set("version", rt.value()->version);
  return out;
}

Napi::Array SpecsToJs(Napi::Env env, const std::vector<onnx::TensorSpec>& specs) {
  Napi::Array out = Napi::Array::New(env, specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("name", specs[i].name);
    s.Set("datatype", onnx::KServeNameOf(specs[i].type));
    Napi::Array dims = Napi::Array::New(env, specs[i].dims.size());
    for (size_t d = 0; d < specs[i].dims.size(); ++d) dims.Set(d, Napi::Number::New(env, static_cast<double>(specs[i].dims[d])));
    s.Set("dims", dims);
    out.Set(i, s);
  }
  return out;
}

int OptionInt(Napi::Object options, const char* key, int fallback) {
  Napi::Value v = options.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : fallback;
}

bool OptionBool(Napi::Object options, const char* key, bool fallback) {
  Napi::Value v = options.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

class CreateSessionWorker : public Napi::AsyncWorker {
 public:
  CreateSessionWorker(Napi::Env env, onnx::ModelSource source, onnx::SessionOptions options, Napi::Value keep_alive)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), source_(std::move(source)), options_(options) {
    if (keep_alive.IsObject()) keep_alive_ = Napi::Persistent(keep_alive.As<Napi::Object>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    auto session = Session::Create(onnx::CurrentRuntime(), source_, options_);
    if (session.ok()) session_ = std::move(session).value();
    else status_ = session.status();
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(OnnxErrorOf(env, status_).Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("inputs", SpecsToJs(env, session_->inputs()));
    out.Set("outputs", SpecsToJs(env, session_->outputs()));
    auto* holder = new SessionHolder{std::shared_ptr<const Session>(std::move(session_))};
    out.Set(kHandleTag, Napi::External<SessionHolder>::New(env, holder, [](Napi::Env, SessionHolder* h) { delete h; }));
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  onnx::ModelSource source_;
  onnx::SessionOptions options_;
  Napi::ObjectReference keep_alive_;  // the model bytes, while Execute reads them
  std::unique_ptr<Session> session_;
  Status status_;
};

Napi::Value CreateSession(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (onnx::CurrentRuntime() == nullptr) {
    throw OnnxErrorOf(env, Status::Unavailable("ONNX Runtime is not loaded (call onnxLoadRuntime first)"));
  }
  onnx::ModelSource source;
  if (info[0].IsString()) {
    source.path = info[0].As<Napi::String>().Utf8Value();
  } else if (info[0].IsTypedArray()) {
    Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
    if (bytes.ByteLength() == 0) ThrowOnnxInvalid(env, "the ONNX model is empty (0 bytes)");
    source.bytes = std::span<const uint8_t>(bytes.Data(), bytes.ByteLength());
  } else {
    ThrowOnnxInvalid(env, "onnxCreateSession(pathOrBytes: string | Uint8Array, label, options)");
  }
  source.label = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : source.path;
  onnx::SessionOptions options;
  if (info[2].IsObject()) {
    Napi::Object o = info[2].As<Napi::Object>();
    options.intra_op_threads = OptionInt(o, "intraOpThreads", options.intra_op_threads);
    options.inter_op_threads = OptionInt(o, "interOpThreads", options.inter_op_threads);
    options.graph_optimization_level = OptionInt(o, "graphOptimizationLevel", options.graph_optimization_level);
    options.parallel_execution = OptionBool(o, "parallelExecution", options.parallel_execution);
    options.intra_op_spinning = OptionBool(o, "intraOpSpinning", options.intra_op_spinning);
    options.memory_arena = OptionBool(o, "memoryArena", options.memory_arena);
  }
  auto* worker = new CreateSessionWorker(env, std::move(source), options, info[0]);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, std::shared_ptr<const Session> session, Napi::Array tensors)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), session_(std::move(session)),
        tensors_(Napi::Persistent(tensors.As<Napi::Object>())) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Prepare(Napi::Env env, Napi::Value wanted_names) {
    ReadOnnxInputs(env, *session_, tensors_.Value().As<Napi::Array>(), &inputs_, &shapes_, &strings_);
    if (wanted_names.IsArray()) {
      Napi::Array names = wanted_names.As<Napi::Array>();
      for (uint32_t i = 0; i < names.Length(); ++i) {
        std::string name = names.Get(i).ToString().Utf8Value();
        int index = session_->OutputIndex(name);
        if (index < 0) ThrowOnnxInvalid(env, session_->label() + " has no output '" + name + "'");
        wanted_.push_back(static_cast<size_t>(index));
      }
    }
  }

  void Execute() override { status_ = session_->Run(inputs_, wanted_, &results_); }
  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(OnnxErrorOf(env, status_).Value());
      return;
    }
    Napi::Array out = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); ++i) {
      size_t index = wanted_.empty() ? i : wanted_[i];
      out.Set(i, OnnxOutputToJs(env, session_->outputs()[index].name, std::move(results_[i])));
    }
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<const Session> session_;
  Napi::ObjectReference tensors_;  // keeps the input memory alive until the run is over
  std::vector<onnx::InputTensor> inputs_;
  std::vector<std::vector<int64_t>> shapes_;
  std::vector<std::vector<std::string_view>> strings_;
  std::vector<size_t> wanted_;
  std::vector<onnx::OwnedValue> results_;
  Status status_;
};

Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<const Session> session = UnwrapOnnxSession(env, info[0]);
  if (!info[1].IsArray()) ThrowOnnxInvalid(env, "onnxRun(handle, tensors: Tensor[], outputNames?: string[])");
  auto* worker = new RunWorker(env, std::move(session), info[1].As<Napi::Array>());
  try {
    worker->Prepare(env, info[2]);
  } catch (...) {
    delete worker;
    throw;
  }
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// The same as onnxRun, on the calling thread: for the library's idle fast path, where a hop to
// a worker thread and back would cost more than a small model's whole run.
Napi::Value RunSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<const Session> session = UnwrapOnnxSession(env, info[0]);
  if (!info[1].IsArray()) ThrowOnnxInvalid(env, "onnxRunSync(handle, tensors: Tensor[], outputNames?: string[])");
  // Reused by every synchronous call on this thread: no allocation once they have grown.
  thread_local std::vector<onnx::InputTensor> inputs;
  thread_local std::vector<std::vector<int64_t>> shapes;
  thread_local std::vector<std::vector<std::string_view>> strings;
  thread_local std::vector<size_t> wanted;
  thread_local std::vector<onnx::OwnedValue> results;
  ReadOnnxInputs(env, *session, info[1].As<Napi::Array>(), &inputs, &shapes, &strings);
  wanted.clear();
  if (info[2].IsArray()) {
    Napi::Array names = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < names.Length(); ++i) {
      std::string name = names.Get(i).ToString().Utf8Value();
      int index = session->OutputIndex(name);
      if (index < 0) ThrowOnnxInvalid(env, session->label() + " has no output '" + name + "'");
      wanted.push_back(static_cast<size_t>(index));
    }
  }
  Status status = session->Run(inputs, wanted, &results);
  if (!status.ok()) throw OnnxErrorOf(env, status);
  Napi::Array out = Napi::Array::New(env, results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    size_t index = wanted.empty() ? i : wanted[i];
    out.Set(i, OnnxOutputToJs(env, session->outputs()[index].name, std::move(results[i])));
  }
  results.clear();
  return out;
}

Napi::Value ReleaseSession(const Napi::CallbackInfo& info) {
  HolderOf(info.Env(), info[0])->session.reset();
  return info.Env().Undefined();
}

void InitOnnxBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("onnxBuildInfo", Napi::Function::New(env, BuildInfo, "onnxBuildInfo"));
  exports.Set("onnxLoadRuntime", Napi::Function::New(env, LoadRuntime, "onnxLoadRuntime"));
  exports.Set("onnxCreateSession", Napi::Function::New(env, CreateSession, "onnxCreateSession"));
  exports.Set("onnxRun", Napi::Function::New(env, Run, "onnxRun"));
  exports.Set("onnxRunSync", Napi::Function::New(env, RunSync, "onnxRunSync"));
  exports.Set("onnxReleaseSession", Napi::Function::New(env, ReleaseSession, "onnxReleaseSession"));
}

}  // namespace

Napi::Error OnnxErrorOf(Napi::Env env, const Status& status) {
  Napi::Error error = Napi::Error::New(env, status.message());
  error.Set("code", Napi::String::New(env, status.CodeName()));
  return error;
}

void ThrowOnnxInvalid(Napi::Env env, const std::string& message) {
  Napi::TypeError error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "INVALID_ARGUMENT"));
  throw error;
}

std::shared_ptr<const Session> UnwrapOnnxSession(Napi::Env env, Napi::Value handle) {
  SessionHolder* holder = HolderOf(env, handle);
  if (!holder->session) ThrowOnnxInvalid(env, "the ONNX session was released (model unloaded)");
  return holder->session;
}

}  // namespace larch::addon

LARCH_ADDON_MODULE(onnx, larch::addon::InitOnnxBinding);

#else  // !LARCH_WITH_ONNX

namespace larch::addon {
namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("compiled", false);
  out.Set("apiVersion", 0);
  return out;
}

void InitOnnxBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("onnxBuildInfo", Napi::Function::New(env, BuildInfo, "onnxBuildInfo"));
}

}  // namespace
}  // namespace larch::addon

LARCH_ADDON_MODULE(onnx, larch::addon::InitOnnxBinding);

#endif  // LARCH_WITH_ONNX
