// What each XGBoost objective means for prediction: the task, the link applied to the margin
// (as a Treelite postprocessor name) and how XGBoost turns the stored base_score into a margin
// (its ObjFunction::ProbToMargin), all in float32 as XGBoost computes them.
#pragma once

#include <string_view>

#include "common/status.h"
#include "forest/forest_ir.h"

namespace larch::forest {

enum class BaseScoreTransform : uint8_t {
  kIdentity,
  kLogit,  // binary:logistic, reg:logistic: base_score is a probability
  kLog,    // count:poisson, reg:gamma, reg:tweedie, survival:cox, survival:aft
};

struct XgboostObjective {
  std::string_view name;
  TaskType task;
  std::string_view postprocessor;
  BaseScoreTransform base_transform;
  bool output_is_class;  // multi:softmax: predict() returns the argmax class
};

// The entry for `name`, or UNSUPPORTED naming it.
StatusOr<XgboostObjective> FindXgboostObjective(std::string_view name);

// base_score (as stored in the model) -> margin, in float32. INVALID_ARGUMENT when the value is
// outside the transform's domain (a probability must be in (0, 1), a log argument > 0).
StatusOr<float> BaseScoreToMargin(const XgboostObjective& objective, float base_score);

}  // namespace larch::forest
