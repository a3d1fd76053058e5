// Format names, detection (extension first, confirmed by content; content alone otherwise) and
// dispatch to the per-format loaders.
#include <cstring>
#include <string>

#include "forest/loaders.h"

namespace larch::forest {
namespace {

std::string_view Extension(std::string_view name) {
  const size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  const size_t dot = name.find_last_of('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(dot);
}

// What the first bytes say, or nullopt-like false when they match no known format.
bool SniffContent(std::span<const std::byte> bytes, ModelFormat* out) {
  const auto* c = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n && (c[i] == ' ' || c[i] == '\t' || c[i] == '\r' || c[i] == '\n')) ++i;
  if (n >= 12) {
    int32_t major = 0;
    std::memcpy(&major, c, 4);
    if (major == 4 && (c[12] == 2 || c[12] == 3) && n > 13 && c[13] == c[12]) {
      *out = ModelFormat::kTreeliteCheckpoint;
      return true;
    }
  }
  // Before the '{' test: a headerless binary file starts with base_score, which can be '{'.
  if (LooksLikeXgboostBinary(bytes)) {
    *out = ModelFormat::kXgboostBinary;
    return true;
  }
  if (n >= 4 && std::memcmp(c + i, "tree", 4) == 0) {
    *out = ModelFormat::kLightgbm;
    return true;
  }
  if (i < n && c[i] == '{') {
    // JSON continues with whitespace, '"' or '}'; UBJSON with a type marker for the key length
    // ('i', 'U', 'I', 'l', 'L') or an optimised-container marker ('$', '#').
    size_t j = i + 1;
    if (j < n && std::strchr("iUIlL$#", c[j]) != nullptr && c[j] != 0) {
      *out = ModelFormat::kXgboostUbj;
      return true;
    }
    *out = ModelFormat::kXgboostJson;
    return true;
  }
  return false;
}

}  // namespace

StatusOr<ModelFormat> ParseModelFormat(std::string_view name) {
  if (name == "xgboost_json") return ModelFormat::kXgboostJson;
  if (name == "xgboost_ubj") return ModelFormat::kXgboostUbj;
  if (name == "lightgbm") return ModelFormat::kLightgbm;
  if (name == "treelite_checkpoint") return ModelFormat::kTreeliteCheckpoint;
  if (name == "xgboost") return ModelFormat::kXgboostBinary;
  return Status::Invalid("unknown model format '" + std::string(name) +
                         "': expected 'xgboost_json', 'xgboost_ubj', 'lightgbm', "
                         "'treelite_checkpoint' or 'xgboost'");
}

std::string_view ModelFormatName(ModelFormat format) {
  switch (format) {
    case ModelFormat::kXgboostJson: return "xgboost_json";
    case ModelFormat::kXgboostUbj: return "xgboost_ubj";
    case ModelFormat::kLightgbm: return "lightgbm";
    case ModelFormat::kTreeliteCheckpoint: return "treelite_checkpoint";
    case ModelFormat::kXgboostBinary: return "xgboost";
  }
  return "unknown";
}

StatusOr<ModelFormat> DetectModelFormat(std::string_view file_name, std::span<const std::byte> bytes) {
  ModelFormat sniffed{};
  const bool known_content = SniffContent(bytes, &sniffed);
  const std::string_view ext = Extension(file_name);
  ModelFormat by_ext{};
  bool known_ext = true;
  if (ext == ".json") by_ext = ModelFormat::kXgboostJson;
  else if (ext == ".ubj") by_ext = ModelFormat::kXgboostUbj;
  else if (ext == ".txt" || ext == ".lgb") by_ext = ModelFormat::kLightgbm;
  else if (ext == ".tl") by_ext = ModelFormat::kTreeliteCheckpoint;
  else known_ext = false;
  std::string what = "the given bytes";
  if (!file_name.empty()) {
    what = "'";
    what.append(file_name);
    what.append("'");
  }
  if (!known_content) {
    std::string msg = "cannot tell the model format of ";
    msg.append(what);
    msg.append(" from its content; pass { format: 'xgboost_json' | 'xgboost_ubj' | 'lightgbm' | "
               "'treelite_checkpoint' | 'xgboost' }");
    return Status::Invalid(std::move(msg));
  }
  if (known_ext && by_ext != sniffed) {
    std::string msg = what;
    msg.append(" has the extension of ");
    msg.append(ModelFormatName(by_ext));
    msg.append(" but its content looks like ");
    msg.append(ModelFormatName(sniffed));
    msg.append("; pass { format } to override");
    return Status::Invalid(std::move(msg));
  }
  return sniffed;
}

StatusOr<Forest> LoadModel(std::span<const std::byte> bytes, ModelFormat format) {
  switch (format) {
    case ModelFormat::kTreeliteCheckpoint: return LoadTreeliteCheckpoint(bytes);
    case ModelFormat::kXgboostJson: return LoadXgboostJson(bytes);
    case ModelFormat::kXgboostUbj: return LoadXgboostUbj(bytes);
    case ModelFormat::kLightgbm: return LoadLightgbmText(bytes);
    case ModelFormat::kXgboostBinary: return LoadXgboostBinary(bytes);
  }
  return Status::Invalid("unknown model format");
}

}  // namespace larch::forest
