// The LightGBM objective table (names as LightGBM writes them, plus their common aliases).
#include "forest/lightgbm_objective.h"

#include <array>
#include <charconv>
#include <cmath>
#include <vector>

namespace larch::forest {
namespace {

enum class Kind : uint8_t {
  kRegression,     // identity, or signed_square with the `sqrt` flag
  kExponential,    // poisson, gamma, tweedie: exp(raw)
  kBinary,         // sigmoid(sigmoid_param * raw)
  kCrossEntropy,   // sigmoid(raw)
  kXentLambda,     // log(1 + exp(raw))
  kMulticlass,     // softmax
  kMulticlassOva,  // per-class sigmoid(sigmoid_param * raw)
  kRanking,        // identity
};

struct Entry {
  std::string_view name;
  Kind kind;
};

constexpr std::array<Entry, 34> kObjectives = {{
    {"regression", Kind::kRegression}, {"regression_l2", Kind::kRegression},
    {"l2", Kind::kRegression}, {"mean_squared_error", Kind::kRegression},
    {"mse", Kind::kRegression}, {"l2_root", Kind::kRegression},
    {"root_mean_squared_error", Kind::kRegression}, {"rmse", Kind::kRegression},
    {"regression_l1", Kind::kRegression}, {"l1", Kind::kRegression},
    {"mean_absolute_error", Kind::kRegression}, {"mae", Kind::kRegression},
    {"huber", Kind::kRegression}, {"fair", Kind::kRegression},
    {"quantile", Kind::kRegression}, {"mape", Kind::kRegression},
    {"mean_absolute_percentage_error", Kind::kRegression},
    {"poisson", Kind::kExponential}, {"gamma", Kind::kExponential},
    {"tweedie", Kind::kExponential},
    {"binary", Kind::kBinary},
    {"cross_entropy", Kind::kCrossEntropy}, {"xentropy", Kind::kCrossEntropy},
    {"cross_entropy_lambda", Kind::kXentLambda}, {"xentlambda", Kind::kXentLambda},
    {"multiclass", Kind::kMulticlass}, {"softmax", Kind::kMulticlass},
    {"multiclassova", Kind::kMulticlassOva}, {"multiclass_ova", Kind::kMulticlassOva},
    {"ova", Kind::kMulticlassOva}, {"ovr", Kind::kMulticlassOva},
    {"lambdarank", Kind::kRanking}, {"rank_xendcg", Kind::kRanking},
    {"custom", Kind::kRegression},
}};

std::vector<std::string_view> Tokens(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

StatusOr<LightgbmObjective> ParseLightgbmObjective(std::string_view line) {
  LightgbmObjective out;
  const std::vector<std::string_view> tokens = Tokens(line);
  if (tokens.empty()) return out;
  const std::string_view name = tokens[0];
  const Entry* entry = nullptr;
  for (const Entry& e : kObjectives) {
    if (e.name == name) entry = &e;
  }
  if (entry == nullptr) {
    return Status::Unsupported("LightGBM objective '" + std::string(name) + "' is not supported");
  }
  bool sqrt = false;
  double sigmoid = 1.0;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string_view t = tokens[i];
    if (t == "sqrt") {
      sqrt = true;
      continue;
    }
    const size_t colon = t.find(':');
    if (colon == std::string_view::npos) continue;  // flags without effect on prediction
    const std::string_view key = t.substr(0, colon), value = t.substr(colon + 1);
    double v = 0;
    const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
    const bool number = r.ec == std::errc() && r.ptr == value.data() + value.size();
    if (key == "sigmoid") {
      if (!number || !(v > 0) || !std::isfinite(v)) {
        return Status::Invalid("objective parameter sigmoid:" + std::string(value) +
                               " is not a positive number");
      }
      sigmoid = v;
    } else if (key == "num_class") {
      if (!number || !(v >= 1 && v <= (1 << 20)) || v != std::floor(v)) {
        return Status::Invalid("objective parameter num_class:" + std::string(value) +
                               " is not a positive integer");
      }
      out.num_class = static_cast<int32_t>(v);
    }
    // Other parameters (alpha for huber/quantile, tweedie_variance_power, ...) only matter in
    // training.
  }
  switch (entry->kind) {
    case Kind::kRegression:
      out.postprocessor = sqrt ? "signed_square" : "identity";
      break;
    case Kind::kExponential:
      out.postprocessor = "exponential";
      break;
    case Kind::kBinary:
      out.task = TaskType::kBinaryClf;
      out.postprocessor = "sigmoid";
      out.sigmoid_alpha = static_cast<float>(sigmoid);
      break;
    case Kind::kCrossEntropy:
      out.postprocessor = "sigmoid";
      break;
    case Kind::kXentLambda:
      out.postprocessor = "logarithm_one_plus_exp";
      break;
    case Kind::kMulticlass:
      out.task = TaskType::kMultiClf;
      out.postprocessor = "softmax";
      break;
    case Kind::kMulticlassOva:
      out.task = TaskType::kMultiClf;
      out.postprocessor = "multiclass_ova";
      out.sigmoid_alpha = static_cast<float>(sigmoid);
      break;
    case Kind::kRanking:
      out.task = TaskType::kLearningToRank;
      break;
  }
  return out;
}

}  // namespace larch::forest
