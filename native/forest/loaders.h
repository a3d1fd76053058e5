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

// Serialises a forest as a Treelite 4 checkpoint (write_treelite_checkpoint.cc). larch's
// extensions (per-node missing types, linear leaves, default_output_is_class) are written as
// Treelite optional fields, which Treelite skips and LoadTreeliteCheckpoint reads back.
StatusOr<std::vector<std::byte>> WriteTreeliteCheckpoint(const Forest& forest);

enum class ModelFormat : uint8_t { kXgboostJson, kXgboostUbj, kLightgbm, kTreeliteCheckpoint };

// 'xgboost_json' | 'xgboost_ubj' | 'lightgbm' | 'treelite_checkpoint'.
StatusOr<ModelFormat> ParseModelFormat(std::string_view name);
std::string_view ModelFormatName(ModelFormat format);

// Picks the format from the file name's extension (.json, .ubj, .txt, .tl; may be empty) and
// confirms it from the content; with no or an unknown extension, from the content alone.
StatusOr<ModelFormat> DetectModelFormat(std::string_view file_name, std::span<const std::byte> bytes);

// Dispatches to the loader for `format` (load_model.cc).
StatusOr<Forest> LoadModel(std::span<const std::byte> bytes, ModelFormat format);

}  // namespace larch::forest
