// XGBoost JSON model files (Booster.save_model("*.json")) -> forest IR.
#include "forest/document.h"
#include "forest/loaders.h"
#include "forest/xgboost_model_builder.h"

namespace larch::forest {

StatusOr<Forest> LoadXgboostJson(std::span<const std::byte> bytes) {
  Document doc(bytes, "XGBoost JSON", /*binary=*/false);
  RETURN_IF_ERROR(ParseJson(bytes, &doc));
  return BuildXgboostForest(doc);
}

}  // namespace larch::forest
