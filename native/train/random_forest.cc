// The random-forest driver: quantise once, then grow trees in parallel, one per task, each with
// its own grower (workspaces are reused by later trees on the same thread count).
#include "train/random_forest.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>

#include "common/thread_pool.h"
#include "train/quantize.h"
#include "train/rf_tree.h"
#include "train/rng.h"
#include "train/to_forest.h"

namespace larch::train {
namespace {

constexpr int64_t kCutSampleRows = 200000;

Status Validate(const ForestOptions& o) {
  auto bad = [](const std::string& m) { return Status::Invalid(m); };
  if (o.num_trees < 1) return bad("numTrees must be >= 1");
  if (o.max_depth < 0) return bad("maxDepth must be >= 0 (0 = unlimited)");
  if (o.min_samples_split < 2) return bad("minSamplesSplit must be >= 2");
  if (o.min_samples_leaf < 1) return bad("minSamplesLeaf must be >= 1");
  if (o.max_features_fraction < 0.0 || o.max_features_fraction > 1.0)
    return bad("maxFeatures as a fraction must be in (0, 1]");
  if (o.max_features_count < 0) return bad("maxFeatures as a count must be >= 1");
  if (o.max_features != "sqrt" && o.max_features != "log2" && o.max_features != "all")
    return bad("maxFeatures must be \"sqrt\", \"log2\", \"all\", a fraction in (0, 1] or a count");
  if (!(o.max_samples > 0.0 && o.max_samples <= 1.0)) return bad("maxSamples must be in (0, 1]");
  if (o.num_threads < 0) return bad("nthread must be >= 0");
  if (o.classification && o.criterion == Criterion::kSquaredError)
    return bad("criterion \"squared_error\" is for regression forests");
  if (!o.classification && o.criterion != Criterion::kSquaredError)
    return bad("regression forests use criterion \"squared_error\"");
  return Status::Ok();
}

int32_t MaxFeatures(const ForestOptions& o, int32_t nf) {
  int32_t m;
  if (o.max_features_fraction > 0.0) m = static_cast<int32_t>(o.max_features_fraction * nf);
  else if (o.max_features_count > 0) m = o.max_features_count;
  else if (o.max_features == "sqrt") m = static_cast<int32_t>(std::sqrt(static_cast<double>(nf)));
  else if (o.max_features == "log2") m = static_cast<int32_t>(std::log2(static_cast<double>(nf)));
  else m = nf;
  return std::clamp(m, 1, nf);
}

}  // namespace

StatusOr<forest::Forest> TrainForest(const TrainData& train, const ForestOptions& o,
                                     const ProgressFn& progress) {
  RETURN_IF_ERROR(CheckData(train, "training data"));
  RETURN_IF_ERROR(Validate(o));
  const int64_t n = train.num_rows;

  // Labels: classes 0..K-1, or finite regression targets.
  int32_t num_class = 1;
  std::vector<uint8_t> cls;
  if (o.classification) {
    float max_label = 0.0f;
    for (int64_t r = 0; r < n; ++r) {
      const float v = train.y[r];
      if (!(v >= 0.0f && v < 256.0f && v == std::floor(v)))
        return Status::Invalid("training label at row " + std::to_string(r) + " is " +
                               std::to_string(v) + "; classification needs integer classes in [0, 256)");
      max_label = std::max(max_label, v);
    }
    num_class = o.num_class > 0 ? o.num_class : std::max(2, static_cast<int32_t>(max_label) + 1);
    if (num_class < 2 || num_class > 256) return Status::Invalid("numClass must be in [2, 256]");
    if (static_cast<int32_t>(max_label) >= num_class)
      return Status::Invalid("a training label is " + std::to_string(static_cast<int32_t>(max_label)) +
                             " but numClass is " + std::to_string(num_class));
    cls.resize(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) cls[r] = static_cast<uint8_t>(train.y[r]);
  } else {
    for (int64_t r = 0; r < n; ++r)
      if (!std::isfinite(train.y[r]))
        return Status::Invalid("training label at row " + std::to_string(r) + " is not finite");
  }

  common::ThreadPool pool(static_cast<size_t>(o.num_threads));
  ASSIGN_OR_RETURN(BinCuts cuts, ComputeCuts(train.x, n, train.num_features, o.max_bins,
                                             kCutSampleRows, o.seed, pool));
  const BinnedMatrix binned = BinMatrix(train.x, n, cuts, pool);

  RfTreeParams tp;
  tp.criterion = o.criterion;
  tp.num_stats = o.classification ? num_class : 2;
  tp.max_depth = o.max_depth;
  tp.min_samples_split = o.min_samples_split;
  tp.min_samples_leaf = o.min_samples_leaf;
  tp.max_features = MaxFeatures(o, train.num_features);
  const RfInputs inputs{&binned, &cuts, cls.data(), train.y};
  const int64_t draws = std::max<int64_t>(1, static_cast<int64_t>(std::llround(o.max_samples * n)));

  // Workspaces: at most one per running task; reused by later trees.
  struct Workspace {
    std::unique_ptr<RfTreeGrower> grower;
    std::vector<uint16_t> weight;
    GrownTree tree;
    std::vector<double> leaf_stats;
  };
  std::mutex ws_mu;
  std::vector<std::unique_ptr<Workspace>> idle;
  std::vector<forest::Tree> trees(static_cast<size_t>(o.num_trees));
  std::atomic<bool> cancelled{false};
  std::atomic<int32_t> done{0};
  std::mutex progress_mu;

  pool.ParallelFor(static_cast<size_t>(o.num_trees), [&](size_t t) {
    if (cancelled.load(std::memory_order_relaxed)) return;
    std::unique_ptr<Workspace> ws;
    {
      std::lock_guard<std::mutex> lock(ws_mu);
      if (!idle.empty()) {
        ws = std::move(idle.back());
        idle.pop_back();
      }
    }
    if (!ws) {
      ws = std::make_unique<Workspace>();
      ws->grower = std::make_unique<RfTreeGrower>(inputs, tp);
    }
    Rng rng(o.seed, t + 1);
    ws->weight.assign(static_cast<size_t>(n), 0);
    if (o.bootstrap) {
      for (int64_t d = 0; d < draws; ++d) {
        uint16_t& w = ws->weight[rng.Below(static_cast<uint64_t>(n))];
        if (w < 0xFFFF) ++w;
      }
    } else {
      std::fill(ws->weight.begin(), ws->weight.end(), 1);
    }
    ws->grower->Grow(ws->weight, rng, ws->tree, ws->leaf_stats);
    if (o.classification) {
      // Leaf vectors hold class probabilities (each leaf's weighted class fractions).
      for (size_t i = 0; i < ws->tree.nodes.size(); ++i) {
        double* c = ws->leaf_stats.data() + i * num_class;
        double w = 0.0;
        for (int32_t k = 0; k < num_class; ++k) w += c[k];
        for (int32_t k = 0; k < num_class; ++k) c[k] = w > 0.0 ? c[k] / w : 0.0;
      }
      trees[t] = ToForestTree(ws->tree, cuts, num_class, &ws->leaf_stats);
    } else {
      trees[t] = ToForestTree(ws->tree, cuts);
    }
    {
      std::lock_guard<std::mutex> lock(ws_mu);
      idle.push_back(std::move(ws));
    }
    const int32_t finished = done.fetch_add(1) + 1;
    if (progress) {
      std::lock_guard<std::mutex> lock(progress_mu);
      Progress p;
      p.iteration = finished - 1;
      p.total = o.num_trees;
      if (!progress(p)) cancelled.store(true);
    }
  });
  if (cancelled.load()) return Status(StatusCode::kCancelled, "training cancelled");

  forest::Forest f;
  f.value_type = o.value_type;
  f.num_feature = train.num_features;
  f.num_target = 1;
  f.average_tree_output = true;
  if (o.classification) {
    f.task_type = forest::TaskType::kMultiClf;
    f.num_class = {num_class};
    f.leaf_vector_shape[0] = 1;
    f.leaf_vector_shape[1] = num_class;
    f.postprocessor = "identity_multiclass";
    f.base_scores.assign(num_class, 0.0);
    f.target_id.assign(o.num_trees, -1);
    f.class_id.assign(o.num_trees, -1);
  } else {
    f.task_type = forest::TaskType::kRegressor;
    f.num_class = {1};
    f.postprocessor = "identity";
    f.base_scores = {0.0};
    f.target_id.assign(o.num_trees, 0);
    f.class_id.assign(o.num_trees, 0);
  }
  if (o.value_type == forest::ValueType::kFloat32) {
    for (forest::Tree& t : trees) {
      for (double& v : t.leaf_value) v = static_cast<double>(static_cast<float>(v));
      for (double& v : t.leaf_vector) v = static_cast<double>(static_cast<float>(v));
    }
  }
  f.trees = std::move(trees);
  return f;
}

}  // namespace larch::train
