// N-API surface of native/onnx:
//   onnxBuildInfo() -> { compiled, apiVersion }
//   onnxLoadRuntime(libraryPath) -> { path, version }
//   onnxCreateSession(pathOrBytes, label, options) -> Promise<{ handle, inputs, outputs }>
//   onnxRun(handle, tensors, outputNames?) -> Promise<tensor[]>   (on a libuv worker thread)
//   onnxRunSync(handle, tensors, outputNames?) -> tensor[]        (on the calling thread)
//   onnxReleaseSession(handle)
// Errors carry `code` = Status::CodeName(). Without ONNX headers at build time, only
// onnxBuildInfo exists (compiled: false) and lib/onnx explains why.
#include "addon/module.h"

#if LARCH_WITH_ONNX

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "addon/batch_runner_kinds.h"
#include "addon/onnx_binding.h"
#include "onnx/onnx_batch_runner.h"
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
// Outputs up to this size are copied to JS; larger ones are handed over without a copy.
constexpr size_t kCopyOutputBytes = 16 * 1024;

Napi::Error ErrorOf(Napi::Env env, const Status& status) {
  Napi::Error error = Napi::Error::New(env, status.message());
  error.Set("code", Napi::String::New(env, status.CodeName()));
  return error;
}

[[noreturn]] void ThrowInvalid(Napi::Env env, const std::string& message) {
  Napi::TypeError error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "INVALID_ARGUMENT"));
  throw error;
}

SessionHolder* HolderOf(Napi::Env env, Napi::Value handle) {
  if (!handle.IsObject()) ThrowInvalid(env, "not an ONNX session handle");
  Napi::Value ext = handle.As<Napi::Object>().Get(kHandleTag);
  if (!ext.IsExternal()) ThrowInvalid(env, "not an ONNX session handle");
  return ext.As<Napi::External<SessionHolder>>().Data();
}

// The typed array kind each element type travels in (see lib/backends/types.ts TensorData).
napi_typedarray_type ArrayTypeOf(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return napi_uint8_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return napi_int8_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return napi_uint16_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16: return napi_int16_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32: return napi_uint32_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return napi_int32_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64: return napi_biguint64_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return napi_bigint64_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return napi_float32_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return napi_float64_array;
    default: return napi_uint8_array;
  }
}

const char* ArrayNameOf(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "typed array";
  }
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("compiled", true);
  out.Set("apiVersion", ORT_API_VERSION);
  return out;
}

Napi::Value LoadRuntime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowInvalid(env, "onnxLoadRuntime(libraryPath: string)");
  auto rt = onnx::LoadRuntime(info[0].As<Napi::String>().Utf8Value());
  if (!rt.ok()) throw ErrorOf(env, rt.status());
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
      deferred_.Reject(ErrorOf(env, status_).Value());
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
    throw ErrorOf(env, Status::Unavailable("ONNX Runtime is not loaded (call onnxLoadRuntime first)"));
  }
  onnx::ModelSource source;
  if (info[0].IsString()) {
    source.path = info[0].As<Napi::String>().Utf8Value();
  } else if (info[0].IsTypedArray()) {
    Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
    if (bytes.ByteLength() == 0) ThrowInvalid(env, "the ONNX model is empty (0 bytes)");
    source.bytes = std::span<const uint8_t>(bytes.Data(), bytes.ByteLength());
  } else {
    ThrowInvalid(env, "onnxCreateSession(pathOrBytes: string | Uint8Array, label, options)");
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
        if (index < 0) ThrowInvalid(env, session_->label() + " has no output '" + name + "'");
        wanted_.push_back(static_cast<size_t>(index));
      }
    }
  }

  void Execute() override { status_ = session_->Run(inputs_, wanted_, &results_); }
  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(ErrorOf(env, status_).Value());
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
  if (!info[1].IsArray()) ThrowInvalid(env, "onnxRun(handle, tensors: Tensor[], outputNames?: string[])");
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
  if (!info[1].IsArray()) ThrowInvalid(env, "onnxRunSync(handle, tensors: Tensor[], outputNames?: string[])");
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
      if (index < 0) ThrowInvalid(env, session->label() + " has no output '" + name + "'");
      wanted.push_back(static_cast<size_t>(index));
    }
  }
  Status status = session->Run(inputs, wanted, &results);
  if (!status.ok()) throw ErrorOf(env, status);
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

std::vector<int64_t> DimsOf(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) ThrowInvalid(env, std::string("onnx runner: ") + what + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> dims(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) dims[i] = a.Get(i).ToNumber().Int64Value();
  return dims;
}

// runner: { kind: 'onnx', sessions: handle[] (one per instance, used in turn),
//           inputReshapes: (number[] | null)[], outputModelDims: number[][] }
StatusOr<batch::RunnerFactory> MakeOnnxRunnerFactory(Napi::Env env, Napi::Object runner, const BatchModelDescription& d) {
  Napi::Value list = runner.Get("sessions");
  if (!list.IsArray() || list.As<Napi::Array>().Length() == 0) {
    return Status::Invalid("onnx runner: sessions must be a non-empty array of ONNX session handles");
  }
  std::vector<std::shared_ptr<const Session>> sessions;
  for (uint32_t i = 0; i < list.As<Napi::Array>().Length(); ++i) sessions.push_back(UnwrapOnnxSession(env, list.As<Napi::Array>().Get(i)));
  onnx::BatchIo io;
  io.batching = d.config.max_batch_size > 0;
  Napi::Value reshapes = runner.Get("inputReshapes");
  Napi::Value model_dims = runner.Get("outputModelDims");
  if (!reshapes.IsArray() || !model_dims.IsArray()) {
    return Status::Invalid("onnx runner: inputReshapes and outputModelDims must be arrays");
  }
  for (uint32_t k = 0; k < reshapes.As<Napi::Array>().Length(); ++k) {
    Napi::Value r = reshapes.As<Napi::Array>().Get(k);
    if (r.IsNull() || r.IsUndefined()) io.input_reshapes.emplace_back(std::nullopt);
    else io.input_reshapes.emplace_back(DimsOf(env, r, "inputReshapes[k]"));
  }
  for (uint32_t k = 0; k < model_dims.As<Napi::Array>().Length(); ++k) {
    io.output_model_dims.push_back(DimsOf(env, model_dims.As<Napi::Array>().Get(k), "outputModelDims[k]"));
  }
  for (const batch::TensorSpec& o : d.outputs) io.output_config_dims.push_back(o.dims);
  for (const auto& s : sessions) RETURN_IF_ERROR(onnx::CheckBatchIo(*s, d.inputs, d.outputs, io));
  return batch::RunnerFactory([sessions, io](int index) -> StatusOr<std::unique_ptr<batch::BatchRunner>> {
    return std::unique_ptr<batch::BatchRunner>(
        new onnx::OnnxBatchRunner(sessions[static_cast<size_t>(index) % sessions.size()], io));
  });
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

std::shared_ptr<const Session> UnwrapOnnxSession(Napi::Env env, Napi::Value handle) {
  SessionHolder* holder = HolderOf(env, handle);
  if (!holder->session) ThrowInvalid(env, "the ONNX session was released (model unloaded)");
  return holder->session;
}

void ReadOnnxInputs(Napi::Env env, const Session& session, Napi::Array tensors, std::vector<onnx::InputTensor>* inputs,
                    std::vector<std::vector<int64_t>>* shapes, std::vector<std::vector<std::string_view>>* strings) {
  const uint32_t n = tensors.Length();
  inputs->resize(n);
  shapes->resize(n);
  strings->resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = tensors.Get(i);
    if (!v.IsObject()) ThrowInvalid(env, "input " + std::to_string(i) + " is not a tensor object");
    Napi::Object t = v.As<Napi::Object>();
    std::string name = t.Get("name").ToString().Utf8Value();
    int index = session.InputIndex(name);
    if (index < 0) {
      std::string names;
      for (const auto& s : session.inputs()) names += (names.empty() ? "'" : ", '") + s.name + "'";
      ThrowInvalid(env, session.label() + " has no input '" + name + "' (its inputs: " + names + ")");
    }
    onnx::InputTensor& in = (*inputs)[i];
    in.index = static_cast<size_t>(index);
    std::string datatype = t.Get("datatype").ToString().Utf8Value();
    in.type = onnx::ElementTypeOfKServe(datatype);
    if (in.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED) {
      ThrowInvalid(env, "input '" + name + "': unknown datatype '" + datatype + "'");
    }
    const onnx::TensorSpec& spec = session.inputs()[in.index];
    if (in.type != spec.type) {
      ThrowInvalid(env, session.label() + ": input '" + name + "' has datatype " + onnx::KServeNameOf(spec.type) +
                            ", got " + datatype);
    }
    Napi::Value shape_value = t.Get("shape");
    if (!shape_value.IsArray()) ThrowInvalid(env, "input '" + name + "': shape must be an array of integers");
    Napi::Array shape = shape_value.As<Napi::Array>();
    std::vector<int64_t>& dims = (*shapes)[i];
    dims.resize(shape.Length());
    for (uint32_t d = 0; d < shape.Length(); ++d) {
      Napi::Value dv = shape.Get(d);
      double x = dv.IsNumber() ? dv.As<Napi::Number>().DoubleValue() : -1;
      if (!(x >= 0) || x != static_cast<double>(static_cast<int64_t>(x))) {
        ThrowInvalid(env, "input '" + name + "': shape entries must be non-negative integers");
      }
      dims[d] = static_cast<int64_t>(x);
    }
    in.shape = dims;
    Napi::Value data = t.Get("data");
    if (in.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
      if (!data.IsArray()) ThrowInvalid(env, "input '" + name + "': BYTES data must be an array of Buffers");
      Napi::Array elements = data.As<Napi::Array>();
      std::vector<std::string_view>& views = (*strings)[i];
      views.resize(elements.Length());
      for (uint32_t e = 0; e < elements.Length(); ++e) {
        Napi::Value ev = elements.Get(e);
        if (!ev.IsTypedArray()) ThrowInvalid(env, "input '" + name + "': BYTES element " + std::to_string(e) + " is not a Buffer");
        Napi::Uint8Array bytes = ev.As<Napi::Uint8Array>();
        views[e] = std::string_view(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
      }
      in.strings = views;
      continue;
    }
    if (!data.IsTypedArray()) ThrowInvalid(env, "input '" + name + "': data must be a typed array");
    Napi::TypedArray array = data.As<Napi::TypedArray>();
    napi_typedarray_type expected = ArrayTypeOf(in.type);
    if (array.TypedArrayType() != expected) {
      ThrowInvalid(env, "input '" + name + "': " + datatype + " data must be a " + ArrayNameOf(expected) + ", got a " +
                            ArrayNameOf(array.TypedArrayType()));
    }
    in.data = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    in.byte_length = array.ByteLength();
  }
}

Napi::Object OnnxOutputToJs(Napi::Env env, const std::string& name, onnx::OwnedValue value) {
  const onnx::Runtime* rt = onnx::CurrentRuntime();
  auto view = onnx::ViewOutput(rt, value.get());
  if (!view.ok()) throw ErrorOf(env, view.status());
  Napi::Object t = Napi::Object::New(env);
  t.Set("name", name);
  const char* datatype = onnx::KServeNameOf(view->type);
  if (datatype == nullptr) throw ErrorOf(env, Status::Unsupported("output '" + name + "' has an element type KServe cannot carry"));
  t.Set("datatype", datatype);
  Napi::Array shape = Napi::Array::New(env, view->shape.size());
  for (size_t d = 0; d < view->shape.size(); ++d) shape.Set(d, Napi::Number::New(env, static_cast<double>(view->shape[d])));
  t.Set("shape", shape);
  if (view->type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
    std::string bytes;
    std::vector<size_t> offsets;
    Status st = onnx::ReadStringOutput(rt, value.get(), view->element_count, &bytes, &offsets);
    if (!st.ok()) throw ErrorOf(env, st);
    Napi::Array elements = Napi::Array::New(env, view->element_count);
    for (size_t e = 0; e < view->element_count; ++e) {
      elements.Set(e, Napi::Buffer<char>::Copy(env, bytes.data() + offsets[e], offsets[e + 1] - offsets[e]));
    }
    t.Set("data", elements);
    return t;
  }
  Napi::ArrayBuffer buffer;
  if (view->byte_length <= kCopyOutputBytes) {
    // Small outputs are copied into a V8-owned buffer and ORT's memory goes back to its arena
    // at once: an external buffer's finalizer only runs after a GC and a turn of the event
    // loop, so a tight loop of small requests would otherwise pile up ORT allocations.
    buffer = Napi::ArrayBuffer::New(env, view->byte_length);
    if (view->byte_length) std::memcpy(buffer.Data(), view->data, view->byte_length);
  } else {
    // Zero copy: JS reads ORT's output memory; the OrtValue lives until the buffer is collected.
    OrtValue* owned = value.release();
    buffer = Napi::ArrayBuffer::New(env, view->data, view->byte_length,
                                    [](Napi::Env, void*, OrtValue* v) { onnx::OrtValueDeleter()(v); }, owned);
  }
  napi_typedarray_type kind = ArrayTypeOf(view->type);
  size_t element_size = onnx::ElementSize(view->type);
  napi_value array;
  napi_status status = napi_create_typedarray(env, kind, view->byte_length / element_size, buffer, 0, &array);
  NAPI_THROW_IF_FAILED(env, status, Napi::Object());
  t.Set("data", Napi::Value(env, array));
  return t;
}

}  // namespace larch::addon

LARCH_ADDON_MODULE(onnx, larch::addon::InitOnnxBinding);
LARCH_BATCH_RUNNER_KIND(onnx, larch::addon::MakeOnnxRunnerFactory);

#else  // !LARCH_WITH_ONNX

namespace larch::addon {
namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("compiled", false);
  out.Set("apiVersion", 0);
  return out;
}

std::vector<int64_t> DimsOf(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) ThrowInvalid(env, std::string("onnx runner: ") + what + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> dims(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) dims[i] = a.Get(i).ToNumber().Int64Value();
  return dims;
}

// runner: { kind: 'onnx', sessions: handle[] (one per instance, used in turn),
//           inputReshapes: (number[] | null)[], outputModelDims: number[][] }
StatusOr<batch::RunnerFactory> MakeOnnxRunnerFactory(Napi::Env env, Napi::Object runner, const BatchModelDescription& d) {
  Napi::Value list = runner.Get("sessions");
  if (!list.IsArray() || list.As<Napi::Array>().Length() == 0) {
    return Status::Invalid("onnx runner: sessions must be a non-empty array of ONNX session handles");
  }
  std::vector<std::shared_ptr<const Session>> sessions;
  for (uint32_t i = 0; i < list.As<Napi::Array>().Length(); ++i) sessions.push_back(UnwrapOnnxSession(env, list.As<Napi::Array>().Get(i)));
  onnx::BatchIo io;
  io.batching = d.config.max_batch_size > 0;
  Napi::Value reshapes = runner.Get("inputReshapes");
  Napi::Value model_dims = runner.Get("outputModelDims");
  if (!reshapes.IsArray() || !model_dims.IsArray()) {
    return Status::Invalid("onnx runner: inputReshapes and outputModelDims must be arrays");
  }
  for (uint32_t k = 0; k < reshapes.As<Napi::Array>().Length(); ++k) {
    Napi::Value r = reshapes.As<Napi::Array>().Get(k);
    if (r.IsNull() || r.IsUndefined()) io.input_reshapes.emplace_back(std::nullopt);
    else io.input_reshapes.emplace_back(DimsOf(env, r, "inputReshapes[k]"));
  }
  for (uint32_t k = 0; k < model_dims.As<Napi::Array>().Length(); ++k) {
    io.output_model_dims.push_back(DimsOf(env, model_dims.As<Napi::Array>().Get(k), "outputModelDims[k]"));
  }
  for (const batch::TensorSpec& o : d.outputs) io.output_config_dims.push_back(o.dims);
  for (const auto& s : sessions) RETURN_IF_ERROR(onnx::CheckBatchIo(*s, d.inputs, d.outputs, io));
  return batch::RunnerFactory([sessions, io](int index) -> StatusOr<std::unique_ptr<batch::BatchRunner>> {
    return std::unique_ptr<batch::BatchRunner>(
        new onnx::OnnxBatchRunner(sessions[static_cast<size_t>(index) % sessions.size()], io));
  });
}

void InitOnnxBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("onnxBuildInfo", Napi::Function::New(env, BuildInfo, "onnxBuildInfo"));
}

}  // namespace
}  // namespace larch::addon

LARCH_ADDON_MODULE(onnx, larch::addon::InitOnnxBinding);

#endif  // LARCH_WITH_ONNX
