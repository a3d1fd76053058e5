// The XGBoost objective table (XGBoost 1.x to 3.x names).
#include "forest/xgboost_objective.h"

#include <array>
#include <cmath>
#include <string>

namespace larch::forest {
namespace {

using BT = BaseScoreTransform;
constexpr TaskType kReg = TaskType::kRegressor;
constexpr TaskType kBin = TaskType::kBinaryClf;

constexpr std::array<XgboostObjective, 21> kObjectives = {{
    {"reg:squarederror", kReg, "identity", BT::kIdentity, false},
    {"reg:linear", kReg, "identity", BT::kIdentity, false},  // pre-1.0 name of squarederror
    {"reg:squaredlogerror", kReg, "identity", BT::kIdentity, false},
    {"reg:pseudohubererror", kReg, "identity", BT::kIdentity, false},
    {"reg:absoluteerror", kReg, "identity", BT::kIdentity, false},
    {"reg:quantileerror", kReg, "identity", BT::kIdentity, false},
    {"reg:logistic", kReg, "sigmoid", BT::kLogit, false},
    {"binary:logistic", kBin, "sigmoid", BT::kLogit, false},
    // logitraw predicts the margin and takes base_score as a margin too (XGBoost >= 1.x).
    {"binary:logitraw", kBin, "identity", BT::kIdentity, false},
    {"binary:hinge", kBin, "hinge", BT::kIdentity, false},
    {"count:poisson", kReg, "exponential", BT::kLog, false},
    {"reg:gamma", kReg, "exponential", BT::kLog, false},
    {"reg:tweedie", kReg, "exponential", BT::kLog, false},
    {"survival:cox", kReg, "exponential", BT::kLog, false},
    {"survival:aft", kReg, "exponential", BT::kLog, false},
    {"multi:softprob", TaskType::kMultiClf, "softmax", BT::kIdentity, false},
    {"multi:softmax", TaskType::kMultiClf, "softmax", BT::kIdentity, true},
    {"rank:pairwise", TaskType::kLearningToRank, "identity", BT::kIdentity, false},
    {"rank:ndcg", TaskType::kLearningToRank, "identity", BT::kIdentity, false},
    {"rank:map", TaskType::kLearningToRank, "identity", BT::kIdentity, false},
    {"reg:quantile", kReg, "identity", BT::kIdentity, false},  // 2.0 pre-release name
}};

}  // namespace

StatusOr<XgboostObjective> FindXgboostObjective(std::string_view name) {
  for (const XgboostObjective& o : kObjectives) {
    if (o.name == name) return o;
  }
  return Status::Unsupported("XGBoost objective '" + std::string(name) +
                             "' is not supported (larch knows reg:*, binary:*, count:poisson, "
                             "survival:cox/aft, multi:softprob/softmax, rank:pairwise/ndcg/map)");
}

StatusOr<float> BaseScoreToMargin(const XgboostObjective& objective, float base_score) {
  switch (objective.base_transform) {
    case BT::kIdentity:
      return base_score;
    case BT::kLogit:
      if (!(base_score > 0.0f && base_score < 1.0f)) {
        return Status::Invalid("XGBoost: base_score " + std::to_string(base_score) + " of " +
                               std::string(objective.name) + " must be a probability in (0, 1)");
      }
      return -std::log(1.0f / base_score - 1.0f);
    case BT::kLog:
      if (!(base_score > 0.0f)) {
        return Status::Invalid("XGBoost: base_score " + std::to_string(base_score) + " of " +
                               std::string(objective.name) + " must be positive");
      }
      return std::log(base_score);
  }
  return base_score;
}

}  // namespace larch::forest
