// The boosting loop: quantise, then per round compute gradients, draw the row and column
// samples, grow one tree per output, update training and validation margins, and check early
// stopping. See gbdt.h.
#include "train/gbdt.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "train/quantize.h"
#include "train/rng.h"
#include "train/to_forest.h"

namespace larch::train {
namespace {

constexpr int64_t kRowBlock = 1 << 14;
constexpr int64_t kCutSampleRows = 200000;

Status ValidateOptions(const GbdtOptions& o, int32_t num_features) {
  auto bad = [](const std::string& m) { return Status::Invalid(m); };
  const bool multi = o.objective == ObjectiveKind::kMultiSoftprob ||
                     o.objective == ObjectiveKind::kMultiSoftmax;
  if (multi && (o.num_class < 2 || o.num_class > 256))
    return bad("numClass must be in [2, 256] for multi:* objectives, got " + std::to_string(o.num_class));
  if (o.num_rounds < 1) return bad("numRounds must be >= 1, got " + std::to_string(o.num_rounds));
  const TreeParams& t = o.tree;
  if (!(t.learning_rate > 0.0)) return bad("learningRate must be > 0");
  if (t.max_depth < 0 || t.max_depth > 31) return bad("maxDepth must be in [0, 31] (0 = unlimited)");
  if (t.max_leaves < 0 || t.max_leaves == 1) return bad("maxLeaves must be 0 (unlimited) or >= 2");
  if (t.max_depth == 0 && t.max_leaves == 0)
    return bad("maxDepth 0 (unlimited) needs maxLeaves > 0 to bound the tree");
  if (t.max_depth == 0 && t.policy == GrowPolicy::kDepthWise)
    return bad("maxDepth 0 (unlimited) needs growPolicy \"lossguide\"");
  if (!(t.split.reg_lambda >= 0.0)) return bad("regLambda must be >= 0");
  if (!(t.split.reg_alpha >= 0.0)) return bad("regAlpha must be >= 0");
  if (!(t.split.min_child_weight >= 0.0)) return bad("minChildWeight must be >= 0");
  if (!(t.split.min_split_gain >= 0.0)) return bad("gamma (minSplitGain) must be >= 0");
  if (!(o.subsample > 0.0 && o.subsample <= 1.0)) return bad("subsample must be in (0, 1]");
  if (!(o.colsample_bytree > 0.0 && o.colsample_bytree <= 1.0))
    return bad("colsampleBytree must be in (0, 1]");
  if (o.early_stopping_rounds < 0) return bad("earlyStoppingRounds must be >= 0");
  if (o.num_threads < 0) return bad("nthread must be >= 0");
  if (o.has_metric && !MetricFits(o.metric, o.objective))
    return bad(std::string("evalMetric \"") + MetricName(o.metric) + "\" does not fit the objective");
  (void)num_features;
  return Status::Ok();
}

// Adds a tree's leaf values to margins[row * num_output + output] for rows [0, n) of m.
void AddTreeByTraversal(const GrownTree& t, const BinnedMatrix& m, const BinCuts& cuts,
                        int32_t num_output, int32_t output, double* margin,
                        common::ThreadPool& pool) {
  const int64_t n = m.num_rows;
  const int64_t blocks = (n + kRowBlock - 1) / kRowBlock;
  pool.ParallelFor(static_cast<size_t>(blocks), [&](size_t b) {
    const int64_t r0 = static_cast<int64_t>(b) * kRowBlock, r1 = std::min(n, r0 + kRowBlock);
    for (int64_t r = r0; r < r1; ++r)
      margin[r * num_output + output] += t.nodes[t.LeafOf(m, cuts, r)].value;
  });
}

}  // namespace

StatusOr<GbdtResult> TrainGbdt(const TrainData& train, const TrainData* valid,
                               const GbdtOptions& options, const ProgressFn& progress) {
  RETURN_IF_ERROR(CheckData(train, "training data"));
  RETURN_IF_ERROR(ValidateOptions(options, train.num_features));
  if (valid) {
    RETURN_IF_ERROR(CheckData(*valid, "validation data"));
    if (valid->num_features != train.num_features)
      return Status::Invalid("validation data has " + std::to_string(valid->num_features) +
                             " features; training data has " + std::to_string(train.num_features));
  }
  if (options.early_stopping_rounds > 0 && !valid)
    return Status::Invalid("earlyStoppingRounds needs a validation set (options.validation)");

  const ObjectiveKind obj = options.objective;
  const bool multi = obj == ObjectiveKind::kMultiSoftprob || obj == ObjectiveKind::kMultiSoftmax;
  const int32_t num_output = multi ? options.num_class : 1;
  RETURN_IF_ERROR(ValidateLabels(obj, num_output, train.y, train.num_rows, "training"));
  if (valid) RETURN_IF_ERROR(ValidateLabels(obj, num_output, valid->y, valid->num_rows, "validation"));

  common::ThreadPool pool(static_cast<size_t>(options.num_threads));
  ASSIGN_OR_RETURN(BinCuts cuts, ComputeCuts(train.x, train.num_rows, train.num_features,
                                             options.max_bins, kCutSampleRows, options.seed, pool));
  const BinnedMatrix binned = BinMatrix(train.x, train.num_rows, cuts, pool);
  BinnedMatrix valid_binned;
  if (valid) valid_binned = BinMatrix(valid->x, valid->num_rows, cuts, pool);

  const int64_t n = train.num_rows;
  const std::vector<double> base = BaseScores(obj, num_output, train.y, n);
  std::vector<double> margin(static_cast<size_t>(n) * num_output);
  for (int64_t r = 0; r < n; ++r)
    for (int32_t k = 0; k < num_output; ++k) margin[r * num_output + k] = base[k];
  std::vector<double> valid_margin;
  if (valid) {
    valid_margin.resize(static_cast<size_t>(valid->num_rows) * num_output);
    for (int64_t r = 0; r < valid->num_rows; ++r)
      for (int32_t k = 0; k < num_output; ++k) valid_margin[r * num_output + k] = base[k];
  }
  const Metric metric = options.has_metric ? options.metric : DefaultMetric(obj);

  TreeParams tree_params = options.tree;
  tree_params.round_to_float = options.value_type == forest::ValueType::kFloat32;
  GbdtTreeGrower grower(binned, cuts, tree_params, pool);

  GbdtResult result;
  forest::Forest& f = result.forest;
  f.value_type = options.value_type;
  f.num_feature = train.num_features;
  f.num_target = 1;
  f.num_class = {num_output};
  f.leaf_vector_shape[0] = 1;
  f.leaf_vector_shape[1] = 1;
  f.base_scores = base;
  switch (obj) {
    case ObjectiveKind::kBinaryLogistic:
      f.task_type = forest::TaskType::kBinaryClf;
      f.postprocessor = "sigmoid";
      break;
    case ObjectiveKind::kMultiSoftprob:
    case ObjectiveKind::kMultiSoftmax:
      f.task_type = forest::TaskType::kMultiClf;
      f.postprocessor = "softmax";
      f.default_output_is_class = obj == ObjectiveKind::kMultiSoftmax;
      break;
    case ObjectiveKind::kSquaredError:
      f.task_type = forest::TaskType::kRegressor;
      f.postprocessor = "identity";
      break;
  }

  std::vector<GradPair> gp(static_cast<size_t>(n) * num_output);
  std::vector<uint32_t> sampled_rows, unsampled_rows;
  std::vector<int32_t> all_features(train.num_features), features, leaves;
  for (int32_t j = 0; j < train.num_features; ++j) all_features[j] = j;
  GrownTree tree;
  double best_score = 0.0;
  int32_t best_round = -1;
  const bool higher_better = HigherIsBetter(metric);

  for (int32_t round = 0; round < options.num_rounds; ++round) {
    ComputeGradients(obj, num_output, margin.data(), train.y, n, gp.data(), pool);
    Rng rng(options.seed, static_cast<uint64_t>(round) + 1);
    const bool subsampled = options.subsample < 1.0;
    if (subsampled) {
      sampled_rows.clear();
      unsampled_rows.clear();
      for (int64_t r = 0; r < n; ++r)
        (rng.Uniform() < options.subsample ? sampled_rows : unsampled_rows)
            .push_back(static_cast<uint32_t>(r));
    }
    for (int32_t k = 0; k < num_output; ++k) {
      features = all_features;
      if (options.colsample_bytree < 1.0) {
        const int32_t keep = std::max<int32_t>(
            1, static_cast<int32_t>(std::lround(options.colsample_bytree * train.num_features)));
        for (int32_t j = 0; j < keep; ++j)  // partial Fisher-Yates
          std::swap(features[j], features[j + rng.Below(train.num_features - j)]);
        features.resize(keep);
        std::sort(features.begin(), features.end());
      }
      grower.Grow(gp.data() + static_cast<size_t>(k) * n, subsampled ? &sampled_rows : nullptr,
                  features, tree);
      // Rows in the tree sit in its leaves' ranges; the others are routed through it.
      const uint32_t* rows = grower.RowList();
      leaves.clear();
      for (int32_t i = 0; i < static_cast<int32_t>(tree.nodes.size()); ++i)
        if (tree.nodes[i].IsLeaf()) leaves.push_back(i);
      pool.ParallelFor(leaves.size(), [&](size_t li) {
        const GrownNode& leaf = tree.nodes[leaves[li]];
        for (uint32_t i = leaf.row_begin; i < leaf.row_end; ++i)
          margin[static_cast<size_t>(rows[i]) * num_output + k] += leaf.value;
      });
      if (subsampled) {
        const int64_t m = static_cast<int64_t>(unsampled_rows.size());
        const int64_t blocks = (m + kRowBlock - 1) / kRowBlock;
        pool.ParallelFor(static_cast<size_t>(blocks), [&](size_t b) {
          const int64_t i0 = static_cast<int64_t>(b) * kRowBlock, i1 = std::min(m, i0 + kRowBlock);
          for (int64_t i = i0; i < i1; ++i) {
            const uint32_t r = unsampled_rows[i];
            margin[static_cast<size_t>(r) * num_output + k] += tree.nodes[tree.LeafOf(binned, cuts, r)].value;
          }
        });
      }
      if (valid) AddTreeByTraversal(tree, valid_binned, cuts, num_output, k, valid_margin.data(), pool);
      f.trees.push_back(ToForestTree(tree, cuts));
      f.target_id.push_back(0);
      f.class_id.push_back(multi ? k : 0);
    }
    result.rounds = round + 1;

    Progress p;
    p.iteration = round;
    p.total = options.num_rounds;
    if (valid) {
      const double score = EvaluateMetric(metric, num_output, valid_margin.data(), valid->y,
                                          valid->num_rows, pool);
      result.valid_history.push_back(score);
      p.valid_score = score;
      p.has_valid_score = true;
      if (best_round < 0 || (higher_better ? score > best_score : score < best_score)) {
        best_score = score;
        best_round = round;
      }
    }
    if (progress && !progress(p)) return Status(StatusCode::kCancelled, "training cancelled");
    if (options.early_stopping_rounds > 0 && round - best_round >= options.early_stopping_rounds)
      break;
  }

  if (valid) {
    result.metric = MetricName(metric);
    result.best_iteration = best_round;
    result.best_score = best_score;
  }
  if (options.early_stopping_rounds > 0 && best_round + 1 < result.rounds) {
    // Keep the best round's trees only: predictions then equal the model at its best score.
    const size_t keep = static_cast<size_t>(best_round + 1) * num_output;
    f.trees.resize(keep);
    f.target_id.resize(keep);
    f.class_id.resize(keep);
    result.rounds = best_round + 1;
  }
  return result;
}

}  // namespace larch::train
