// N-API entry points that train models: trainGbdt and trainForest. Each copies its options into
// a C++ baton on the JS thread, keeps the input typed arrays referenced, trains on a worker
// thread (the trainer runs its own thread pool), compiles the result into the forest engine's
// Predictor there too, and resolves with a forest model handle (WrapForestModel: the same
// handle loadModel produces) plus the training report. Progress reaches JS once per boosting
// round or finished tree through the worker's progress queue; a callback returning false
// cancels training (the promise then rejects with code CANCELLED).
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "addon/forest_binding.h"
#include "addon/module.h"
#include "addon/train_binding_util.h"
#include "forest/predictor.h"
#include "train/gbdt.h"
#include "train/random_forest.h"

namespace larch::addon {
namespace {

// Training data borrowed from JS typed arrays (referenced for the worker's lifetime).
struct BorrowedData {
  train::TrainData data;
  Napi::ObjectReference x_ref, y_ref;
};

void Borrow(Napi::Env env, const Napi::Value& v, const char* which, BorrowedData& out) {
  if (!v.IsObject()) ThrowInvalid(env, std::string(which) + " must be an object {x, y, numRows, numFeatures}");
  const Napi::Object o = v.As<Napi::Object>();
  const Napi::Value x = o.Get("x"), y = o.Get("y");
  auto is_f32 = [](const Napi::Value& a) {
    return a.IsTypedArray() && a.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
  };
  if (!is_f32(x) || !is_f32(y)) ThrowInvalid(env, std::string(which) + ".x and .y must be Float32Arrays");
  const int64_t rows = GetInt64(o, "numRows", -1);
  const int32_t features = GetInt32(o, "numFeatures", -1);
  if (rows <= 0 || features <= 0) ThrowInvalid(env, std::string(which) + " needs numRows > 0 and numFeatures > 0");
  const Napi::Float32Array xa = x.As<Napi::Float32Array>(), ya = y.As<Napi::Float32Array>();
  if (xa.ElementLength() != static_cast<size_t>(rows) * static_cast<size_t>(features))
    ThrowInvalid(env, std::string(which) + ".x has " + std::to_string(xa.ElementLength()) +
                          " values; numRows * numFeatures = " + std::to_string(rows * features));
  if (ya.ElementLength() != static_cast<size_t>(rows))
    ThrowInvalid(env, std::string(which) + ".y has " + std::to_string(ya.ElementLength()) +
                          " labels; numRows = " + std::to_string(rows));
  out.data = {xa.Data(), ya.Data(), rows, features};
  out.x_ref = Napi::Persistent(xa.As<Napi::Object>());
  out.y_ref = Napi::Persistent(ya.As<Napi::Object>());
}

forest::ValueType ValueTypeFromJs(const Napi::Object& o, forest::ValueType fallback) {
  const std::string v = GetString(o, "valueType", "");
  if (v.empty()) return fallback;
  if (v == "float32") return forest::ValueType::kFloat32;
  if (v == "float64") return forest::ValueType::kFloat64;
  ThrowInvalid(o.Env(), "valueType must be \"float32\" or \"float64\"");
}

train::GbdtOptions GbdtOptionsFromJs(const Napi::Object& o) {
  Napi::Env env = o.Env();
  train::GbdtOptions g;
  auto obj = train::ParseObjective(GetString(o, "objective", "binary:logistic"));
  if (!obj.ok()) ThrowInvalid(env, obj.status().message());
  g.objective = obj.value();
  g.num_class = GetInt32(o, "numClass", 0);
  g.num_rounds = GetInt32(o, "numRounds", g.num_rounds);
  g.tree.learning_rate = GetDouble(o, "learningRate", g.tree.learning_rate);
  g.tree.max_depth = GetInt32(o, "maxDepth", g.tree.max_depth);
  g.tree.max_leaves = GetInt32(o, "maxLeaves", g.tree.max_leaves);
  const std::string policy = GetString(o, "growPolicy", "depthwise");
  if (policy == "depthwise") g.tree.policy = train::GrowPolicy::kDepthWise;
  else if (policy == "lossguide") g.tree.policy = train::GrowPolicy::kLossGuide;
  else ThrowInvalid(env, "growPolicy must be \"depthwise\" or \"lossguide\"");
  g.tree.split.min_child_weight = GetDouble(o, "minChildWeight", g.tree.split.min_child_weight);
  g.tree.split.reg_lambda = GetDouble(o, "regLambda", g.tree.split.reg_lambda);
  g.tree.split.reg_alpha = GetDouble(o, "regAlpha", g.tree.split.reg_alpha);
  g.tree.split.min_split_gain = GetDouble(o, "gamma", g.tree.split.min_split_gain);
  g.subsample = GetDouble(o, "subsample", g.subsample);
  g.colsample_bytree = GetDouble(o, "colsampleBytree", g.colsample_bytree);
  g.max_bins = GetInt32(o, "maxBin", g.max_bins);
  g.seed = static_cast<uint64_t>(GetInt64(o, "seed", 0));
  g.num_threads = GetInt32(o, "nthread", 0);
  g.early_stopping_rounds = GetInt32(o, "earlyStoppingRounds", 0);
  const std::string metric = GetString(o, "evalMetric", "");
  if (!metric.empty()) {
    auto m = train::ParseMetric(metric);
    if (!m.ok()) ThrowInvalid(env, m.status().message());
    g.has_metric = true;
    g.metric = m.value();
  }
  g.value_type = ValueTypeFromJs(o, forest::ValueType::kFloat32);
  return g;
}

train::ForestOptions ForestOptionsFromJs(const Napi::Object& o) {
  Napi::Env env = o.Env();
  train::ForestOptions f;
  const std::string task = GetString(o, "task", "classification");
  if (task == "classification") f.classification = true;
  else if (task == "regression") f.classification = false;
  else ThrowInvalid(env, "task must be \"classification\" or \"regression\"");
  const std::string crit = GetString(o, "criterion", f.classification ? "gini" : "squared_error");
  if (crit == "gini") f.criterion = train::Criterion::kGini;
  else if (crit == "entropy") f.criterion = train::Criterion::kEntropy;
  else if (crit == "squared_error" || crit == "mse") f.criterion = train::Criterion::kSquaredError;
  else ThrowInvalid(env, "criterion must be \"gini\", \"entropy\" or \"squared_error\"");
  f.num_class = GetInt32(o, "numClass", 0);
  f.num_trees = GetInt32(o, "numTrees", f.num_trees);
  f.max_depth = GetInt32(o, "maxDepth", 0);
  f.min_samples_split = GetInt32(o, "minSamplesSplit", f.min_samples_split);
  f.min_samples_leaf = GetInt32(o, "minSamplesLeaf", f.min_samples_leaf);
  const Napi::Value mf = o.Get("maxFeatures");
  if (mf.IsString()) {
    f.max_features = mf.As<Napi::String>().Utf8Value();
  } else if (mf.IsNumber()) {
    const double v = mf.As<Napi::Number>().DoubleValue();
    if (v > 0.0 && v < 1.0) f.max_features_fraction = v;
    else if (v >= 1.0 && v == static_cast<int32_t>(v)) f.max_features_count = static_cast<int32_t>(v);
    else ThrowInvalid(env, "maxFeatures must be a fraction in (0, 1), an integer count >= 1, \"sqrt\", \"log2\" or \"all\"");
  } else if (!mf.IsUndefined() && !mf.IsNull()) {
    ThrowInvalid(env, "maxFeatures must be a number or a string");
  } else if (!f.classification) {
    f.max_features = "all";  // scikit-learn's regressor default (1.0)
  }
  f.bootstrap = GetBool(o, "bootstrap", true);
  f.max_samples = GetDouble(o, "maxSamples", 1.0);
  f.max_bins = GetInt32(o, "maxBin", f.max_bins);
  f.seed = static_cast<uint64_t>(GetInt64(o, "seed", 0));
  f.num_threads = GetInt32(o, "nthread", 0);
  f.value_type = ValueTypeFromJs(o, forest::ValueType::kFloat64);
  return f;
}

class TrainWorker : public Napi::AsyncProgressQueueWorker<train::Progress> {
 public:
  TrainWorker(Napi::Env env, Napi::Function progress)
      : Napi::AsyncProgressQueueWorker<train::Progress>(env),
        deferred_(Napi::Promise::Deferred::New(env)) {
    if (!progress.IsEmpty()) progress_ = Napi::Persistent(progress);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  BorrowedData train_, valid_;
  bool has_valid_ = false;
  bool is_forest_ = false;
  train::GbdtOptions gbdt_;
  train::ForestOptions forest_;

  void Execute(const ExecutionProgress& progress) override {
    train::ProgressFn report;
    if (!progress_.IsEmpty()) {
      report = [&](const train::Progress& p) {
        progress.Send(&p, 1);
        return !cancel_.load(std::memory_order_relaxed);
      };
    }
    forest::Forest f;
    if (is_forest_) {
      auto r = train::TrainForest(train_.data, forest_, report);
      if (!r.ok()) {
        status_ = r.status();
        return;
      }
      f = std::move(r).value();
    } else {
      auto r = train::TrainGbdt(train_.data, has_valid_ ? &valid_.data : nullptr, gbdt_, report);
      if (!r.ok()) {
        status_ = r.status();
        return;
      }
      train::GbdtResult& res = r.value();
      f = std::move(res.forest);
      rounds_ = res.rounds;
      best_iteration_ = res.best_iteration;
      best_score_ = res.best_score;
      metric_ = res.metric;
      history_ = std::move(res.valid_history);
    }
    num_trees_ = f.NumTrees();
    auto p = forest::Predictor::Create(std::move(f));
    if (!p.ok()) {
      status_ = Status::Internal("the trained forest did not compile: " + p.status().message());
      return;
    }
    predictor_ = std::move(p).value();
  }

  void OnProgress(const train::Progress* data, size_t count) override {
    if (progress_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("iteration", data[i].iteration);
      o.Set("total", data[i].total);
      if (data[i].has_valid_score) o.Set("validScore", data[i].valid_score);
      Napi::Value ret;
      try {
        ret = progress_.Call({o});
      } catch (const Napi::Error& e) {
        cancel_.store(true);  // a throwing callback stops training; its error is reported
        if (callback_error_.IsEmpty()) callback_error_ = Napi::Persistent(e.Value());
        continue;
      }
      if (ret.IsBoolean() && !ret.As<Napi::Boolean>().Value()) cancel_.store(true);
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!callback_error_.IsEmpty()) {
      deferred_.Reject(callback_error_.Value());
      return;
    }
    // A callback that returned false cancels the run even if the last rounds finished before
    // the cancellation reached the trainer.
    if (cancel_.load() && status_.ok()) status_ = Status(StatusCode::kCancelled, "training cancelled");
    if (!status_.ok()) {
      deferred_.Reject(StatusToError(env, status_).Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("handle", WrapForestModel(env, std::move(predictor_)));
    out.Set("numTrees", num_trees_);
    if (!is_forest_) {
      out.Set("rounds", rounds_);
      if (best_iteration_ >= 0) {
        out.Set("bestIteration", best_iteration_);
        out.Set("bestScore", best_score_);
        out.Set("metric", metric_);
        Napi::Array h = Napi::Array::New(env, history_.size());
        for (size_t i = 0; i < history_.size(); ++i) h.Set(static_cast<uint32_t>(i), history_[i]);
        out.Set("validHistory", h);
      }
    }
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference progress_;
  Napi::ObjectReference callback_error_;
  std::atomic<bool> cancel_{false};
  Status status_;
  std::shared_ptr<const forest::Predictor> predictor_;
  int32_t num_trees_ = 0, rounds_ = 0, best_iteration_ = -1;
  double best_score_ = 0.0;
  std::string metric_;
  std::vector<double> history_;
};

// trainGbdt(train, valid | null, options, progress | null) / trainForest(train, options, progress | null)
Napi::Value TrainGbdtJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[2].IsObject())
    ThrowInvalid(env, "trainGbdt(train, valid | null, options, progress | null)");
  Napi::Function progress = info[3].IsFunction() ? info[3].As<Napi::Function>() : Napi::Function();
  auto worker = std::make_unique<TrainWorker>(env, progress);
  Borrow(env, info[0], "training data", worker->train_);
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    Borrow(env, info[1], "validation data", worker->valid_);
    worker->has_valid_ = true;
  }
  worker->gbdt_ = GbdtOptionsFromJs(info[2].As<Napi::Object>());
  Napi::Promise p = worker->Promise();
  worker.release()->Queue();  // the worker deletes itself after OnOK/OnError
  return p;
}

Napi::Value TrainForestJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[1].IsObject())
    ThrowInvalid(env, "trainForest(train, options, progress | null)");
  Napi::Function progress = info[2].IsFunction() ? info[2].As<Napi::Function>() : Napi::Function();
  auto worker = std::make_unique<TrainWorker>(env, progress);
  worker->is_forest_ = true;
  Borrow(env, info[0], "training data", worker->train_);
  worker->forest_ = ForestOptionsFromJs(info[1].As<Napi::Object>());
  Napi::Promise p = worker->Promise();
  worker.release()->Queue();
  return p;
}

void InitTrainModelBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("trainGbdt", Napi::Function::New(env, TrainGbdtJs, "trainGbdt"));
  exports.Set("trainForest", Napi::Function::New(env, TrainForestJs, "trainForest"));
}

}  // namespace
}  // namespace larch::addon

LARCH_ADDON_MODULE(train_model, larch::addon::InitTrainModelBinding);
