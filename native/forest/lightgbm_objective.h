// What a LightGBM `objective=` header line means for prediction: the task, the transform of
// the raw score (as a Treelite postprocessor name) and its parameters, following LightGBM's
// ObjectiveFunction::ConvertOutput.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "forest/forest_ir.h"

namespace larch::forest {

struct LightgbmObjective {
  TaskType task = TaskType::kRegressor;
  std::string postprocessor = "identity";
  float sigmoid_alpha = 1.0f;
  int32_t num_class = 1;  // from `num_class:` (multiclass, multiclassova), else 1
};

// `line` is the value after "objective=", e.g. "binary sigmoid:1" or "multiclass num_class:3"
// or "regression sqrt"; empty (custom objectives) means the raw score is the output.
// UNSUPPORTED for an unknown objective, INVALID_ARGUMENT for a malformed parameter; messages
// are meant to follow "line N: ".
StatusOr<LightgbmObjective> ParseLightgbmObjective(std::string_view line);

}  // namespace larch::forest
