// LightGBM text models (model.txt, version v2/v3/v4) -> forest IR.
//
// A tree of num_leaves leaves has num_leaves - 1 internal nodes; a child index c >= 0 is
// internal node c, c < 0 is leaf ~c. decision_type per internal node: bit 0 categorical,
// bit 1 default_left, bits 2-3 missing type (0 None, 1 Zero, 2 NaN). Numerical: x <= threshold
// goes left. Categorical: threshold is an index i into cat_boundaries, and
// cat_threshold[cat_boundaries[i] .. cat_boundaries[i+1]) is a bitset of categories going LEFT;
// NaN, negative and other values go right. Values are float64 (value_type kFloat64).
#include <string>
#include <vector>

#include "forest/lightgbm_objective.h"
#include "forest/lightgbm_text.h"
#include "forest/loaders.h"
#include "forest/preorder_builder.h"

namespace larch::forest {
namespace {

constexpr int64_t kMaxLeaves = int64_t{1} << 30;

struct TreeFields {
  int64_t num_leaves = 0, num_cat = 0;
  std::vector<int64_t> split_feature, decision_type, left, right, cat_boundaries, cat_threshold,
      leaf_count, internal_count, num_features, leaf_features;
  std::vector<double> threshold, leaf_value, split_gain, leaf_weight, internal_weight, leaf_const,
      leaf_coeff;
  bool is_linear = false;
};

Status MissingKey(const TextBlock& block, std::string_view key) {
  return Status::Invalid("LightGBM text: tree starting at line " +
                         std::to_string(block.first_line) + " has no '" + std::string(key) +
                         "' line");
}

Status ReadTreeFields(const TextBlock& b, int64_t num_feature, TreeFields* t) {
  *t = TreeFields{};
  const TextLine* l = b.Find("num_leaves");
  if (l == nullptr) return MissingKey(b, "num_leaves");
  RETURN_IF_ERROR(ParseIntValue(*l, 1, kMaxLeaves, &t->num_leaves));
  if ((l = b.Find("num_cat")) != nullptr) RETURN_IF_ERROR(ParseIntValue(*l, 0, kMaxLeaves, &t->num_cat));
  const int64_t n = t->num_leaves, ni = n - 1;
  auto ints = [&](std::string_view key, int64_t count, int64_t lo, int64_t hi, bool required,
                  std::vector<int64_t>* out) -> Status {
    const TextLine* line = b.Find(key);
    if (line == nullptr) return required ? MissingKey(b, key) : Status::Ok();
    return ParseIntList(*line, count, lo, hi, out);
  };
  auto doubles = [&](std::string_view key, int64_t count, bool required,
                     std::vector<double>* out) -> Status {
    const TextLine* line = b.Find(key);
    if (line == nullptr) return required ? MissingKey(b, key) : Status::Ok();
    return ParseNumberList(*line, count, out);
  };
  RETURN_IF_ERROR(doubles("leaf_value", n, true, &t->leaf_value));
  if (ni > 0) {
    RETURN_IF_ERROR(ints("split_feature", ni, 0, num_feature - 1, true, &t->split_feature));
    RETURN_IF_ERROR(doubles("threshold", ni, true, &t->threshold));
    RETURN_IF_ERROR(ints("decision_type", ni, 0, 15, true, &t->decision_type));
    RETURN_IF_ERROR(ints("left_child", ni, -n, ni - 1, true, &t->left));
    RETURN_IF_ERROR(ints("right_child", ni, -n, ni - 1, true, &t->right));
    RETURN_IF_ERROR(doubles("split_gain", ni, false, &t->split_gain));
    RETURN_IF_ERROR(ints("internal_count", ni, 0, INT64_MAX, false, &t->internal_count));
    RETURN_IF_ERROR(doubles("internal_weight", ni, false, &t->internal_weight));
    // Not needed to predict, but read so that a damaged line does not go unnoticed.
    std::vector<double> internal_value;
    RETURN_IF_ERROR(doubles("internal_value", ni, false, &internal_value));
  }
  RETURN_IF_ERROR(ints("leaf_count", n, 0, INT64_MAX, false, &t->leaf_count));
  RETURN_IF_ERROR(doubles("leaf_weight", n, false, &t->leaf_weight));
  if (t->num_cat > 0) {
    RETURN_IF_ERROR(ints("cat_boundaries", t->num_cat + 1, 0, INT32_MAX, true, &t->cat_boundaries));
    RETURN_IF_ERROR(ints("cat_threshold", -1, 0, UINT32_MAX, true, &t->cat_threshold));
    for (int64_t i = 0; i < t->num_cat; ++i) {
      if (t->cat_boundaries[i] > t->cat_boundaries[i + 1] ||
          t->cat_boundaries[i + 1] > static_cast<int64_t>(t->cat_threshold.size())) {
        return LineError(*b.Find("cat_boundaries"), "cat_boundaries must rise within "
                                                    "cat_threshold's " +
                                                    std::to_string(t->cat_threshold.size()) +
                                                    " words");
      }
    }
  }
  if ((l = b.Find("is_linear")) != nullptr) {
    int64_t linear = 0;
    RETURN_IF_ERROR(ParseIntValue(*l, 0, 1, &linear));
    t->is_linear = linear == 1;
  }
  if (t->is_linear) {
    RETURN_IF_ERROR(doubles("leaf_const", n, true, &t->leaf_const));
    RETURN_IF_ERROR(ints("num_features", n, 0, num_feature, true, &t->num_features));
    int64_t total = 0;
    for (int64_t k : t->num_features) total += k;
    RETURN_IF_ERROR(ints("leaf_features", total, 0, num_feature - 1, true, &t->leaf_features));
    RETURN_IF_ERROR(doubles("leaf_coeff", total, true, &t->leaf_coeff));
  }
  return Status::Ok();
}

Status BuildTree(const TextBlock& block, const TreeFields& t, Tree* tree) {
  const int64_t ni = t.num_leaves - 1;
  // Source ids: internal nodes [0, ni), then leaves [ni, ni + num_leaves).
  auto source_of = [&](int64_t child) -> int64_t {
    return child >= 0 ? child : ni + ~child;  // ranges were checked when parsing
  };
  auto is_leaf = [&](int64_t id) { return id >= ni; };
  std::vector<MissingType> missing;
  std::vector<int64_t> leaf_of_node;
  bool any_missing = false;
  auto fill = [&](int64_t id, int32_t node, Tree* tr) -> Status {
    const size_t k = static_cast<size_t>(node);
    missing.push_back(MissingType::kNaN);
    leaf_of_node.push_back(is_leaf(id) ? id - ni : -1);
    if (is_leaf(id)) {
      const size_t j = static_cast<size_t>(id - ni);
      tr->leaf_value[k] = t.leaf_value[j];
      if (!t.leaf_count.empty()) {
        tr->data_count[k] = static_cast<uint64_t>(t.leaf_count[j]);
        tr->data_count_present[k] = 1;
      }
      if (!t.leaf_weight.empty()) {
        tr->sum_hess[k] = t.leaf_weight[j];
        tr->sum_hess_present[k] = 1;
      }
      return Status::Ok();
    }
    const size_t i = static_cast<size_t>(id);
    const int64_t dt = t.decision_type[i];
    tr->split_index[k] = static_cast<int32_t>(t.split_feature[i]);
    if (!t.internal_count.empty()) {
      tr->data_count[k] = static_cast<uint64_t>(t.internal_count[i]);
      tr->data_count_present[k] = 1;
    }
    if (!t.internal_weight.empty()) {
      tr->sum_hess[k] = t.internal_weight[i];
      tr->sum_hess_present[k] = 1;
    }
    if (!t.split_gain.empty()) {
      tr->gain[k] = t.split_gain[i];
      tr->gain_present[k] = 1;
    }
    if ((dt & 1) != 0) {
      const double c = t.threshold[i];
      if (!(c >= 0 && c < static_cast<double>(t.num_cat)) || c != static_cast<int64_t>(c)) {
        return Status::Invalid("internal node " + std::to_string(id) + " is categorical but its "
                               "threshold " + std::to_string(c) + " is not a category set index "
                               "below num_cat=" + std::to_string(t.num_cat));
      }
      const size_t set = static_cast<size_t>(c);
      const int64_t begin = t.cat_boundaries[set], end = t.cat_boundaries[set + 1];
      tr->node_type[k] = NodeType::kCategorical;
      tr->cmp[k] = Operator::kNone;
      tr->category_list_right_child[k] = 0;  // LightGBM: categories in the set go left
      tr->default_left[k] = 0;               // NaN goes right
      for (int64_t w = begin; w < end; ++w) {
        const uint64_t word = static_cast<uint64_t>(t.cat_threshold[static_cast<size_t>(w)]);
        for (uint32_t bit = 0; bit < 32; ++bit) {
          if ((word >> bit) & 1) {
            tr->category_list.push_back(static_cast<uint32_t>((w - begin) * 32 + bit));
          }
        }
      }
      tr->category_list_end[k] = tr->category_list.size();
      tr->has_categorical_split = true;
      return Status::Ok();
    }
    tr->node_type[k] = NodeType::kNumerical;
    tr->cmp[k] = Operator::kLE;  // x <= threshold goes left
    tr->threshold[k] = t.threshold[i];
    tr->default_left[k] = (dt & 2) != 0 ? 1 : 0;
    switch ((dt >> 2) & 3) {
      case 0: missing.back() = MissingType::kNone; any_missing = true; break;
      case 1: missing.back() = MissingType::kZero; any_missing = true; break;
      case 2: break;
      default:
        return Status::Invalid("internal node " + std::to_string(id) + " has decision_type " +
                               std::to_string(dt) + " with an unknown missing type");
    }
    return Status::Ok();
  };
  Status s = BuildTreePreorder(
      ni + t.num_leaves, is_leaf, [&](int64_t id) { return source_of(t.left[static_cast<size_t>(id)]); },
      [&](int64_t id) { return source_of(t.right[static_cast<size_t>(id)]); }, fill, tree, nullptr);
  if (!s.ok()) {
    return Status(s.code(), "LightGBM text: tree starting at line " +
                                std::to_string(block.first_line) + " " + s.message());
  }
  if (any_missing) tree->missing_type = std::move(missing);
  if (t.is_linear) {
    // Linear leaves, laid out in IR node order (offsets into the per-tree arrays).
    std::vector<int64_t> first(static_cast<size_t>(t.num_leaves) + 1, 0);
    for (int64_t j = 0; j < t.num_leaves; ++j) first[j + 1] = first[j] + t.num_features[j];
    const size_t nodes = static_cast<size_t>(tree->NumNodes());
    tree->linear_const.assign(nodes, 0.0);
    tree->linear_begin.assign(nodes, 0);
    tree->linear_end.assign(nodes, 0);
    for (size_t k = 0; k < nodes; ++k) {
      tree->linear_begin[k] = tree->linear_coeff.size();
      const int64_t j = leaf_of_node[k];
      if (j >= 0) {
        tree->linear_const[k] = t.leaf_const[static_cast<size_t>(j)];
        for (int64_t q = first[j]; q < first[j + 1]; ++q) {
          tree->linear_feature.push_back(static_cast<int32_t>(t.leaf_features[static_cast<size_t>(q)]));
          tree->linear_coeff.push_back(t.leaf_coeff[static_cast<size_t>(q)]);
        }
      }
      tree->linear_end[k] = tree->linear_coeff.size();
    }
  }
  return Status::Ok();
}

const TextLine* Require(const TextBlock& header, std::string_view key, Status* error) {
  const TextLine* l = header.Find(key);
  if (l == nullptr) {
    *error = Status::Invalid("LightGBM text: the header has no '" + std::string(key) + "' line");
  }
  return l;
}

}  // namespace

StatusOr<Forest> LoadLightgbmText(std::span<const std::byte> bytes) {
  LightgbmText text;
  RETURN_IF_ERROR(SplitLightgbmText(bytes, &text));
  const TextBlock& h = text.header;
  Status missing;
  const TextLine* version = Require(h, "version", &missing);
  const TextLine* max_feature = Require(h, "max_feature_idx", &missing);
  const TextLine* num_class_line = Require(h, "num_class", &missing);
  if (!missing.ok()) return missing;
  if (version->value != "v2" && version->value != "v3" && version->value != "v4") {
    return LineError(*version, "LightGBM model format '" + std::string(version->value) +
                                   "' is not supported (v2, v3 and v4 are)",
                     8, StatusCode::kUnsupported);
  }
  int64_t max_feature_idx = 0, num_class = 1, per_iteration = 1;
  RETURN_IF_ERROR(ParseIntValue(*max_feature, 0, INT32_MAX - 1, &max_feature_idx));
  RETURN_IF_ERROR(ParseIntValue(*num_class_line, 1, 1 << 20, &num_class));
  if (const TextLine* l = h.Find("num_tree_per_iteration")) {
    RETURN_IF_ERROR(ParseIntValue(*l, 1, 1 << 20, &per_iteration));
  }
  if (per_iteration != num_class) {
    const TextLine* l = h.Find("num_tree_per_iteration");
    return LineError(l ? *l : *num_class_line,
                     "num_tree_per_iteration must equal num_class (" +
                         std::to_string(num_class) + ")");
  }
  LightgbmObjective objective;
  if (const TextLine* l = h.Find("objective")) {
    StatusOr<LightgbmObjective> o = ParseLightgbmObjective(l->value);
    if (!o.ok()) return LineError(*l, o.status().message(), 10, o.status().code());
    objective = o.value();
  }
  const int64_t num_trees = static_cast<int64_t>(text.trees.size());
  if (const TextLine* l = h.Find("tree_sizes")) {
    std::vector<int64_t> sizes;
    RETURN_IF_ERROR(ParseIntList(*l, -1, 0, INT64_MAX, &sizes));
    if (static_cast<int64_t>(sizes.size()) != num_trees) {
      return LineError(*l, "tree_sizes lists " + std::to_string(sizes.size()) +
                               " trees but the file has " + std::to_string(num_trees));
    }
  }
  if (num_trees % per_iteration != 0) {
    return Status::Invalid("LightGBM text: " + std::to_string(num_trees) +
                           " trees is not a multiple of num_tree_per_iteration=" +
                           std::to_string(per_iteration));
  }

  Forest f;
  f.value_type = ValueType::kFloat64;
  f.task_type = objective.task;
  f.num_feature = static_cast<int32_t>(max_feature_idx + 1);
  f.num_target = 1;
  f.num_class = {static_cast<int32_t>(num_class)};
  f.postprocessor = objective.postprocessor;
  if (num_class > 1 && f.postprocessor == "identity") f.postprocessor = "identity_multiclass";
  f.sigmoid_alpha = objective.sigmoid_alpha;
  f.base_scores.assign(static_cast<size_t>(num_class), 0.0);
  // boosting=rf: LightGBM averages over iterations for its prediction, but its raw score is the
  // plain sum.
  if (h.Find("average_output") != nullptr) {
    f.average_tree_output = true;
    f.margin_before_averaging = true;
  }
  f.trees.reserve(text.trees.size());
  TreeFields fields;
  for (int64_t i = 0; i < num_trees; ++i) {
    const TextBlock& block = text.trees[static_cast<size_t>(i)];
    RETURN_IF_ERROR(ReadTreeFields(block, f.num_feature, &fields));
    Tree tree;
    RETURN_IF_ERROR(BuildTree(block, fields, &tree));
    f.trees.push_back(std::move(tree));
    f.target_id.push_back(0);
    f.class_id.push_back(static_cast<int32_t>(i % per_iteration));
  }
  return f;
}

}  // namespace larch::forest
