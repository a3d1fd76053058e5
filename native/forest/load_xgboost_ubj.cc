// XGBoost UBJSON model files (Booster.save_model("*.ubj"), XGBoost >= 1.6) -> forest IR.
#include "forest/document.h"
#include "forest/loaders.h"
#include "forest/xgboost_model_builder.h"

namespace larch::forest {

StatusOr<Forest> LoadXgboostUbj(std::span<const std::byte> bytes) {
  Document doc(bytes, "XGBoost UBJSON", /*binary=*/true);
  RETURN_IF_ERROR(ParseUbjson(bytes, &doc));
  return BuildXgboostForest(doc);
}

}  // namespace larch::forest
