// N-API surface of the forest engine (lib/forest/native-forest.ts declares its types):
//   forestLoad(bytes: Uint8Array, format: string, fileName: string) -> Promise<handle>
//   forestInfo(handle) -> { numFeature, numOutput, numClassOutput, task, float64, numTree,
//                           singleRowLayout: 'complete' | 'packed', singleRowSimd, ... }
//   forestPredict(handle, X, rows, kind, out) -> Promise<void>   (native thread pool)
//   forestPredictSync(handle, X, rows, kind, out) -> undefined   (calling thread)
//   forestToTreelite(handle) -> Buffer
// Arguments are validated in TypeScript; the checks here only keep bad calls from crashing.
// Workers (baton pattern) never touch Napi values; the typed arrays they read and write are held
// by references until completion.
#include "addon/forest_binding.h"

#include <memory>
#include <string>
#include <vector>

#include "addon/module.h"
#include "common/thread_pool.h"
#include "forest/loaders.h"

namespace larch::addon {
namespace {

using forest::Predictor;

// Tags a handle object as a forest model (napi_type_tag), so Unwrap rejects any other object.
constexpr napi_type_tag kForestModelTag = {0x6c61726368666f72ULL, 0x6573746d6f64656cULL};

struct Holder {
  std::shared_ptr<const Predictor> predictor;
};

Napi::Error StatusError(Napi::Env env, const Status& s) {
  Napi::Error e = Napi::Error::New(env, s.message());
  e.Set("code", Napi::String::New(env, s.CodeName()));
  return e;
}

[[noreturn]] void ThrowInvalid(Napi::Env env, const std::string& msg) {
  Napi::TypeError e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "INVALID_ARGUMENT"));
  throw e;
}

// The input rows and output buffer of one predict call, checked against the model.
struct PredictArgs {
  std::shared_ptr<const Predictor> predictor;
  const void* x = nullptr;
  bool x_f64 = false;
  size_t rows = 0;
  forest::OutputKind kind = forest::OutputKind::kValue;
  void* out = nullptr;
};

// One napi_get_typedarray_info call per array (type, length and data pointer, offset applied):
// this runs on every predict, including single-row calls where it is a visible share of the time.
struct TypedArrayView {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
};

bool GetTypedArray(Napi::Env env, Napi::Value v, TypedArrayView* out) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return false;
  return napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, nullptr, nullptr) == napi_ok;
}

PredictArgs ParsePredictArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PredictArgs a;
  a.predictor = UnwrapForestModel(env, info[0]);
  TypedArrayView x, out;
  if (!GetTypedArray(env, info[1], &x) ||
      (x.type != napi_float32_array && x.type != napi_float64_array)) {
    ThrowInvalid(env, "X must be a Float32Array or Float64Array");
  }
  a.x_f64 = x.type == napi_float64_array;
  if (!info[2].IsNumber() || !info[3].IsNumber()) ThrowInvalid(env, "rows and kind must be numbers");
  const double rows = info[2].As<Napi::Number>().DoubleValue();
  const int32_t kind = info[3].As<Napi::Number>().Int32Value();
  if (!(rows >= 0 && rows <= 9007199254740991.0) || rows != static_cast<double>(static_cast<size_t>(rows))) {
    ThrowInvalid(env, "rows must be a non-negative integer");
  }
  if (kind < 0 || kind > 2) ThrowInvalid(env, "kind must be 0 (value), 1 (margin) or 2 (class)");
  a.rows = static_cast<size_t>(rows);
  a.kind = static_cast<forest::OutputKind>(kind);
  const size_t nf = static_cast<size_t>(a.predictor->NumFeature());
  if (a.rows > x.length / nf || x.length != a.rows * nf) {
    ThrowInvalid(env, "X has " + std::to_string(x.length) + " values, expected rows * numFeature = " +
                          std::to_string(a.rows) + " * " + std::to_string(nf));
  }
  a.x = x.data;
  const napi_typedarray_type want = a.predictor->UsesFloat64() ? napi_float64_array : napi_float32_array;
  const size_t out_size = a.predictor->OutputSize(a.rows, a.kind);
  if (!GetTypedArray(env, info[4], &out) || out.type != want || out.length != out_size) {
    ThrowInvalid(env, "out must be a " + std::string(a.predictor->UsesFloat64() ? "Float64Array" : "Float32Array") +
                          " of " + std::to_string(out_size) + " values");
  }
  a.out = out.data;
  return a;
}

Status RunPredict(const PredictArgs& a, common::ThreadPool* pool) {
  return a.x_f64 ? a.predictor->Predict(static_cast<const double*>(a.x), a.rows, a.kind, a.out, pool)
                 : a.predictor->Predict(static_cast<const float*>(a.x), a.rows, a.kind, a.out, pool);
}

// Runs a native job off the JS thread and settles a promise with its Status.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }
  // Keeps a JS value (input or output buffer) alive until the job completes.
  void Keep(Napi::Value v) { kept_.push_back(Napi::Persistent(v.As<Napi::Object>())); }

 protected:
  void Execute() final {
    status_ = Run();
    if (!status_.ok()) SetError(status_.message());
  }
  void OnError(const Napi::Error&) final { deferred_.Reject(StatusError(Env(), status_).Value()); }
  virtual Status Run() = 0;

  Napi::Promise::Deferred deferred_;
  Status status_;
  std::vector<Napi::ObjectReference> kept_;  // released (on the JS thread) with the worker
};

class PredictWorker final : public PromiseWorker {
 public:
  PredictWorker(Napi::Env env, PredictArgs args) : PromiseWorker(env), args_(std::move(args)) {}
  Status Run() override { return RunPredict(args_, &common::ThreadPool::Default()); }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }

 private:
  PredictArgs args_;
};

class LoadWorker final : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, const std::byte* data, size_t size, std::string format, std::string file_name)
      : PromiseWorker(env), data_(data), size_(size), format_(std::move(format)), file_name_(std::move(file_name)) {}
  Status Run() override {
    std::span<const std::byte> bytes(data_, size_);
    forest::ModelFormat format{};
    if (format_.empty()) {
      ASSIGN_OR_RETURN(format, forest::DetectModelFormat(file_name_, bytes));
    } else {
      ASSIGN_OR_RETURN(format, forest::ParseModelFormat(format_));
    }
    ASSIGN_OR_RETURN(forest::Forest f, forest::LoadModel(bytes, format));
    ASSIGN_OR_RETURN(predictor_, Predictor::Create(std::move(f)));
    return Status::Ok();
  }
  void OnOK() override { deferred_.Resolve(WrapForestModel(Env(), std::move(predictor_))); }

 private:
  const std::byte* data_;
  size_t size_;
  std::string format_, file_name_;
  std::shared_ptr<const Predictor> predictor_;
};

Napi::Value ForestLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowInvalid(env, "model bytes must be a Uint8Array");
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  const std::string format = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  const std::string file_name = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  auto* w = new LoadWorker(env, reinterpret_cast<const std::byte*>(bytes.Data()), bytes.ByteLength(), format, file_name);
  w->Keep(bytes);
  Napi::Promise p = w->Promise();
  w->Queue();  // the worker deletes itself after OnOK/OnError
  return p;
}

Napi::Value ForestInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<const Predictor> p = UnwrapForestModel(env, info[0]);
  Napi::Object o = Napi::Object::New(env);
  o.Set("numFeature", p->NumFeature());
  o.Set("numOutput", static_cast<double>(p->OutputsPerRow(forest::OutputKind::kValue)));
  o.Set("numMarginOutput", static_cast<double>(p->OutputsPerRow(forest::OutputKind::kMargin)));
  o.Set("numClassOutput", static_cast<double>(p->OutputsPerRow(forest::OutputKind::kClass)));
  o.Set("task", std::string(p->TaskName()));
  o.Set("float64", p->UsesFloat64());
  o.Set("numTree", p->ir().NumTrees());
  o.Set("numClass", p->ir().MaxNumClass());
  o.Set("numTarget", p->ir().num_target);
  o.Set("singleRowLayout", p->UsesCompleteLayout() ? "complete" : "packed");
  o.Set("singleRowSimd", p->UsesSimdSingleRow());
  return o;
}

Napi::Value ForestPredict(const Napi::CallbackInfo& info) {
  PredictArgs args = ParsePredictArgs(info);
  auto* w = new PredictWorker(info.Env(), std::move(args));
  w->Keep(info[1]);
  w->Keep(info[4]);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value ForestPredictSync(const Napi::CallbackInfo& info) {
  PredictArgs args = ParsePredictArgs(info);
  Status s = RunPredict(args, nullptr);
  if (!s.ok()) throw StatusError(info.Env(), s);
  return info.Env().Undefined();
}

Napi::Value ForestToTreelite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<const Predictor> p = UnwrapForestModel(env, info[0]);
  StatusOr<std::vector<std::byte>> bytes = forest::WriteTreeliteCheckpoint(p->ir());
  if (!bytes.ok()) throw StatusError(env, bytes.status());
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(bytes.value().data()),
                                     bytes.value().size());
}

void InitForestBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("forestLoad", Napi::Function::New(env, ForestLoad, "forestLoad"));
  exports.Set("forestInfo", Napi::Function::New(env, ForestInfo, "forestInfo"));
  exports.Set("forestPredict", Napi::Function::New(env, ForestPredict, "forestPredict"));
  exports.Set("forestPredictSync", Napi::Function::New(env, ForestPredictSync, "forestPredictSync"));
  exports.Set("forestToTreelite", Napi::Function::New(env, ForestToTreelite, "forestToTreelite"));
}

}  // namespace

std::shared_ptr<const Predictor> UnwrapForestModel(Napi::Env env, Napi::Value handle) {
  bool tagged = false;
  if (handle.IsObject()) {
    napi_status st = napi_check_object_type_tag(env, handle, &kForestModelTag, &tagged);
    if (st != napi_ok) tagged = false;
  }
  void* data = nullptr;
  if (!tagged || napi_unwrap(env, handle, &data) != napi_ok || data == nullptr) {
    ThrowInvalid(env, "expected a forest model handle (from forestLoad)");
  }
  return static_cast<Holder*>(data)->predictor;
}

Napi::Object WrapForestModel(Napi::Env env, std::shared_ptr<const Predictor> predictor) {
  Napi::Object handle = Napi::Object::New(env);
  auto* holder = new Holder{std::move(predictor)};
  napi_status st = napi_wrap(
      env, handle, holder,
      [](napi_env, void* data, void*) { delete static_cast<Holder*>(data); }, nullptr, nullptr);
  if (st != napi_ok) {
    delete holder;
    throw Napi::Error::New(env, "could not wrap the forest model");
  }
  NAPI_THROW_IF_FAILED(env, napi_type_tag_object(env, handle, &kForestModelTag), Napi::Object());
  return handle;
}

}  // namespace larch::addon

LARCH_ADDON_MODULE(forest, larch::addon::InitForestBinding);
