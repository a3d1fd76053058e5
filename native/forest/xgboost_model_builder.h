// Builds the forest IR from a parsed XGBoost model document. The JSON and UBJSON loaders parse
// into the same Document shape and both call this, so the two formats give identical IR.
#pragma once

#include "common/status.h"
#include "forest/document.h"
#include "forest/forest_ir.h"

namespace larch::forest {

// Reads learner.{learner_model_param, objective, gradient_booster} as XGBoost 1.0 to 3.x write
// them: gbtree and dart boosters, scalar and vector-leaf trees, categorical splits.
// Values are narrowed to float32, XGBoost's precision (value_type kFloat32).
StatusOr<Forest> BuildXgboostForest(const Document& doc);

}  // namespace larch::forest
