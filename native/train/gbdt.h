// Histogram gradient boosting: trains a forest::Forest (Treelite-shaped, as XGBoost's would be)
// from a TrainData, optionally stopping early on a validation set.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/status.h"
#include "forest/forest_ir.h"
#include "train/gbdt_tree.h"
#include "train/objective.h"
#include "train/train_data.h"

namespace larch::train {

struct GbdtOptions {
  ObjectiveKind objective = ObjectiveKind::kBinaryLogistic;
  int32_t num_class = 0;        // multi:* only (>= 2)
  int32_t num_rounds = 100;
  TreeParams tree;              // depth, leaves, policy, learning rate, L1/L2, gamma, mcw
  double subsample = 1.0;       // fraction of rows per tree (Bernoulli per row)
  double colsample_bytree = 1.0;
  int32_t max_bins = 256;       // per feature, the missing-value bin included
  uint64_t seed = 0;
  int32_t num_threads = 0;      // 0: the machine's
  int32_t early_stopping_rounds = 0;
  bool has_metric = false;
  Metric metric = Metric::kLogLoss;
  forest::ValueType value_type = forest::ValueType::kFloat32;
};

struct GbdtResult {
  forest::Forest forest;
  int32_t rounds = 0;             // rounds kept in the forest
  int32_t best_iteration = -1;    // with a validation set: the round with the best score
  double best_score = std::numeric_limits<double>::quiet_NaN();
  std::string metric;             // with a validation set
  std::vector<double> valid_history;  // metric after every round trained
};

StatusOr<GbdtResult> TrainGbdt(const TrainData& train, const TrainData* valid,
                               const GbdtOptions& options, const ProgressFn& progress);

}  // namespace larch::train
