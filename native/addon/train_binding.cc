// N-API surface of the trainer (native/train): CSV reading, the synthetic dataset generator and
// (trainGbdt / trainForest) model training. Work that can take long runs on a worker thread
// (Napi::AsyncWorker); JS values are read on the JS thread into plain C++ batons before the
// work starts, and results become JS values only in OnOK. Column data leaves native memory
// without a copy: the vector that holds it becomes the ArrayBuffer's backing store.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "addon/module.h"
#include "addon/train_binding_util.h"
#include "train/csv_reader.h"
#include "train/synthetic.h"

namespace larch::addon {
namespace {

Napi::Object CsvTableToJs(Napi::Env env, train::CsvTable&& t) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Array names = Napi::Array::New(env, t.names.size());
  for (size_t i = 0; i < t.names.size(); ++i) names.Set(static_cast<uint32_t>(i), t.names[i]);
  out.Set("names", names);
  out.Set("numRows", Napi::Number::New(env, static_cast<double>(t.num_rows)));
  out.Set("data", MoveToFloat32Array(env, std::move(t.data)));
  return out;
}

train::CsvOptions CsvOptionsFromJs(const Napi::Object& o) {
  train::CsvOptions opts;
  const std::string delim = GetString(o, "delimiter", ",");
  if (delim.size() != 1) ThrowInvalid(o.Env(), "delimiter must be a single character");
  opts.delimiter = delim[0];
  opts.header = GetBool(o, "header", true);
  return opts;
}

// readCsv(path, options) -> Promise<{names, numRows, data}>; parseCsv(text, options) likewise.
class CsvWorker : public Napi::AsyncWorker {
 public:
  CsvWorker(Napi::Env env, std::string source, bool is_path, train::CsvOptions opts)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)),
        source_(std::move(source)), is_path_(is_path), opts_(opts) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    auto r = is_path_ ? train::ReadCsvFile(source_, opts_) : train::ParseCsv(source_, opts_);
    if (!r.ok()) {
      status_ = r.status();
      return;
    }
    table_ = std::move(r).value();
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(StatusToError(env, status_).Value());
      return;
    }
    deferred_.Resolve(CsvTableToJs(env, std::move(table_)));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string source_;
  bool is_path_;
  train::CsvOptions opts_;
  Status status_;
  train::CsvTable table_;
};

Napi::Value ReadCsv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject())
    ThrowInvalid(env, "trainReadCsv(path: string, options: object)");
  auto* w = new CsvWorker(env, info[0].As<Napi::String>().Utf8Value(), true,
                          CsvOptionsFromJs(info[1].As<Napi::Object>()));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value ParseCsvText(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !(info[0].IsString() || info[0].IsBuffer()) || !info[1].IsObject())
    ThrowInvalid(env, "trainParseCsv(text: string | Buffer, options: object)");
  std::string text;
  if (info[0].IsString()) {
    text = info[0].As<Napi::String>().Utf8Value();
  } else {
    auto b = info[0].As<Napi::Buffer<char>>();
    text.assign(b.Data(), b.Length());
  }
  auto* w = new CsvWorker(env, std::move(text), false, CsvOptionsFromJs(info[1].As<Napi::Object>()));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// makeClassification(options) -> {names, numRows, x (column-major), y}. Synchronous: it
// generates about 10^7 values per second per core.
Napi::Value MakeClassification(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) ThrowInvalid(env, "trainMakeClassification(options: object)");
  const Napi::Object o = info[0].As<Napi::Object>();
  train::SyntheticOptions so;
  so.rows = GetInt64(o, "rows", so.rows);
  so.informative = GetInt32(o, "informative", so.informative);
  so.redundant = GetInt32(o, "redundant", so.redundant);
  so.categorical = GetInt32(o, "categorical", so.categorical);
  so.categories = GetInt32(o, "categories", so.categories);
  so.noise = GetInt32(o, "noise", so.noise);
  so.positive_rate = GetDouble(o, "positiveRate", so.positive_rate);
  so.label_noise = GetDouble(o, "labelNoise", so.label_noise);
  so.missing_rate = GetDouble(o, "missingRate", so.missing_rate);
  so.seed = static_cast<uint64_t>(GetInt64(o, "seed", 0));
  common::ThreadPool pool(static_cast<size_t>(GetInt32(o, "nthread", 0)));
  auto r = train::MakeClassification(so, pool);
  if (!r.ok()) throw StatusToError(env, r.status());
  train::SyntheticTable t = std::move(r).value();
  Napi::Object out = Napi::Object::New(env);
  Napi::Array names = Napi::Array::New(env, t.names.size());
  for (size_t i = 0; i < t.names.size(); ++i) names.Set(static_cast<uint32_t>(i), t.names[i]);
  out.Set("names", names);
  out.Set("numRows", Napi::Number::New(env, static_cast<double>(t.num_rows)));
  out.Set("x", MoveToFloat32Array(env, std::move(t.x)));
  out.Set("y", MoveToFloat32Array(env, std::move(t.y)));
  return out;
}

void InitTrainBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("trainReadCsv", Napi::Function::New(env, ReadCsv, "trainReadCsv"));
  exports.Set("trainParseCsv", Napi::Function::New(env, ParseCsvText, "trainParseCsv"));
  exports.Set("trainMakeClassification",
              Napi::Function::New(env, MakeClassification, "trainMakeClassification"));
}

}  // namespace
}  // namespace larch::addon

LARCH_ADDON_MODULE(train, larch::addon::InitTrainBinding);
