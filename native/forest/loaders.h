// One entry point per model format, each parsing a whole in-memory file into the forest IR,
// plus the Treelite checkpoint writer and the format dispatch.
//
// Loaders never trust their input: every length, index and offset is checked, and a failure is
// a Status (INVALID_ARGUMENT for malformed bytes, UNSUPPORTED for a well-formed model using
// something larch does not implement) whose message names the format, the byte offset (the line
// for LightGBM text) and what was expected. They never crash or allocate more than the input
// can justify.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "forest/forest_ir.h"

namespace larch::forest {

StatusOr<Forest> LoadXgboostJson(std::span<const std::byte> bytes);     // load_xgboost_json.cc
StatusOr<Forest> LoadXgboostUbj(std::span<const std::byte> bytes);      // load_xgboost_ubj.cc
StatusOr<Forest> LoadLightgbmText(std::span<const std::byte> bytes);    // load_lightgbm_text.cc
StatusOr<Forest> LoadTreeliteCheckpoint(std::span<const std::byte> bytes);  // load_treelite_checkpoint.cc
// XGBoost's legacy binary format (save_model("*.model") in XGBoost 1.x; FIL's model_type
// "xgboost"), load_xgboost_binary.cc.
StatusOr<Forest> LoadXgboostBinary(std::span<const std::byte> bytes);
// Whether the content is that format: the "binf" header, or (XGBoost 1.0 - 1.4, headerless) an
// objective name and a booster name right after the learner parameters.
bool LooksLikeXgboostBinary(std::span<const std::byte> bytes);

// Serialises a forest as a Treelite 4 checkpoint (write_treelite_checkpoint.cc). larch's
// extensions (per-node missing types, linear leaves, default_output_is_class) are written as
// Treelite optional fields, which Treelite skips and LoadTreeliteCheckpoint reads back.
StatusOr<std::vector<std::byte>> WriteTreeliteCheckpoint(const Forest& forest);

enum class ModelFormat : uint8_t {
  kXgboostJson,
  kXgboostUbj,
  kLightgbm,
  kTreeliteCheckpoint,
  kXgboostBinary,
};

// 'xgboost_json' | 'xgboost_ubj' | 'lightgbm' | 'treelite_checkpoint' | 'xgboost' (the legacy
// binary format, under FIL's model_type name).
StatusOr<ModelFormat> ParseModelFormat(std::string_view name);
std::string_view ModelFormatName(ModelFormat format);

// Picks the format from the file name's extension (.json, .ubj, .txt, .tl; may be empty) and
// confirms it from the content; with no or an unknown extension, from the content alone. The
// legacy binary format is recognised by content only (.model and .bin files may hold anything:
// XGBoost >= 2.1 writes UBJSON under those names).
StatusOr<ModelFormat> DetectModelFormat(std::string_view file_name, std::span<const std::byte> bytes);

// Dispatches to the loader for `format` (load_model.cc).
StatusOr<Forest> LoadModel(std::span<const std::byte> bytes, ModelFormat format);

}  // namespace larch::forest
