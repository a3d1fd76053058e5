// XGBoost model document -> forest IR.
//
// Document shape (XGBoost 1.0 .. 3.x; fields absent in older versions are optional):
//   learner.learner_model_param: num_feature, num_class, num_target (strings), base_score
//     ("5E-1", "[5E-1]" or "[a,b,...]" per output)
//   learner.objective.name
//   learner.gradient_booster: {name: gbtree, model} | {name: dart, gbtree: {model}, weight_drop}
//   model: gbtree_model_param.num_trees, tree_info[t] (output group), trees[t]:
//     tree_param.{num_nodes, size_leaf_vector}, left_children, right_children, split_indices,
//     split_conditions (the leaf value at leaves), default_left, split_type, categories*,
//     base_weights (leaf vectors for vector-leaf trees), leaf_weights (newest vector-leaf trees,
//     indexed by right_children at leaves), sum_hessian, loss_changes.
#include "forest/xgboost_model_builder.h"

#include <charconv>
#include <cmath>
#include <string>

#include "forest/preorder_builder.h"
#include "forest/xgboost_objective.h"

namespace larch::forest {
namespace {

float F32(double v) { return static_cast<float>(v); }

class Builder {
 public:
  explicit Builder(const Document& doc) : doc_(doc) {}

  StatusOr<Forest> Build();

 private:
  Status Err(const DocValue& at, const std::string& message) const {
    return doc_.ErrorAt(at.offset, message);
  }

  Status Get(const DocValue& obj, std::string_view key, std::string_view where,
             const DocValue** out) const {
    if (obj.kind != DocKind::kObject) return Err(obj, std::string(where) + " is not an object");
    *out = doc_.Find(obj, key);
    if (*out == nullptr) {
      return Err(obj, std::string(where) + " has no member '" + std::string(key) + "'");
    }
    return Status::Ok();
  }

  // An integer written as a number or as a decimal string (XGBoost stores params as strings).
  Status GetInt(const DocValue& v, std::string_view what, int64_t lo, int64_t hi,
                int64_t* out) const {
    double d = 0;
    if (v.kind == DocKind::kNumber) {
      d = v.number;
    } else if (v.kind == DocKind::kString) {
      const auto r = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d);
      if (r.ec != std::errc() || r.ptr != v.text.data() + v.text.size()) {
        return Err(v, std::string(what) + " is not a number");
      }
    } else {
      return Err(v, std::string(what) + " is not a number");
    }
    if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || d != std::floor(d)) {
      return Err(v, std::string(what) + " must be an integer in [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "]");
    }
    *out = static_cast<int64_t>(d);
    return Status::Ok();
  }

  Status OptionalInt(const DocValue& obj, std::string_view key, int64_t lo, int64_t hi,
                     int64_t fallback, int64_t* out) const {
    const DocValue* v = doc_.Find(obj, key);
    if (v == nullptr) {
      *out = fallback;
      return Status::Ok();
    }
    return GetInt(*v, key, lo, hi, out);
  }

  // A number array member; `expected` < 0 accepts any length.
  Status Numbers(const DocValue& tree, std::string_view key, int64_t expected, bool required,
                 std::span<const double>* out) const {
    const DocValue* v = doc_.Find(tree, key);
    if (v == nullptr) {
      if (required) return Err(tree, "tree has no '" + std::string(key) + "'");
      *out = {};
      return Status::Ok();
    }
    if (v->kind != DocKind::kNumberArray) {
      return Err(*v, std::string(key) + " is not an array of numbers");
    }
    *out = doc_.Numbers(*v);
    if (expected >= 0 && static_cast<int64_t>(out->size()) != expected) {
      return Err(*v, std::string(key) + " has " + std::to_string(out->size()) +
                         " entries, expected " + std::to_string(expected));
    }
    return Status::Ok();
  }

  Status ParseBaseScore(const DocValue& v, std::vector<float>* out) const;
  Status BuildTree(const DocValue& tree, int64_t index, float weight, Tree* out) const;

  const Document& doc_;
  int64_t num_feature_ = 0;
  int64_t num_output_ = 1;  // values per row: max(num_class, num_target)
};

Status Builder::ParseBaseScore(const DocValue& v, std::vector<float>* out) const {
  if (v.kind == DocKind::kNumber) {
    out->push_back(F32(v.number));
    return Status::Ok();
  }
  if (v.kind != DocKind::kString) return Err(v, "base_score is not a string or number");
  std::string_view s = v.text;
  if (!s.empty() && s.front() == '[') {
    if (s.back() != ']') return Err(v, "base_score has an unterminated '['");
    s = s.substr(1, s.size() - 2);
  }
  while (true) {
    const size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    float f = 0;
    const auto r = std::from_chars(item.data(), item.data() + item.size(), f);
    if (item.empty() || r.ec != std::errc() || r.ptr != item.data() + item.size()) {
      return Err(v, "base_score '" + std::string(v.text) + "' is not a number or list of numbers");
    }
    out->push_back(f);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return Status::Ok();
}

Status Builder::BuildTree(const DocValue& tv, int64_t index, float weight, Tree* tree) const {
  const std::string where = "tree " + std::to_string(index);
  if (tv.kind != DocKind::kObject) return Err(tv, where + " is not an object");
  const DocValue* param;
  RETURN_IF_ERROR(Get(tv, "tree_param", where, &param));
  int64_t n = 0, leaf_size = 0;
  {
    const DocValue* nn;
    RETURN_IF_ERROR(Get(*param, "num_nodes", where + " tree_param", &nn));
    RETURN_IF_ERROR(GetInt(*nn, where + " num_nodes", 1, INT32_MAX, &n));
    RETURN_IF_ERROR(OptionalInt(*param, "size_leaf_vector", 0, INT32_MAX, 0, &leaf_size));
  }
  const bool vector_leaf = leaf_size > 1;
  if (vector_leaf && leaf_size != num_output_) {
    return Err(*param, where + " has leaf vectors of " + std::to_string(leaf_size) +
                           " values but the model has " + std::to_string(num_output_) + " outputs");
  }
  std::span<const double> left, right, split_index, cond, dleft, split_type, hess, gain, base_w,
      leaf_w, cats, cat_nodes, cat_seg, cat_size;
  RETURN_IF_ERROR(Numbers(tv, "left_children", n, true, &left));
  RETURN_IF_ERROR(Numbers(tv, "right_children", n, true, &right));
  RETURN_IF_ERROR(Numbers(tv, "split_indices", n, true, &split_index));
  RETURN_IF_ERROR(Numbers(tv, "split_conditions", n, true, &cond));
  RETURN_IF_ERROR(Numbers(tv, "default_left", n, true, &dleft));
  RETURN_IF_ERROR(Numbers(tv, "split_type", n, false, &split_type));
  RETURN_IF_ERROR(Numbers(tv, "sum_hessian", n, false, &hess));
  RETURN_IF_ERROR(Numbers(tv, "loss_changes", n, false, &gain));
  RETURN_IF_ERROR(Numbers(tv, "categories", -1, false, &cats));
  RETURN_IF_ERROR(Numbers(tv, "categories_nodes", -1, false, &cat_nodes));
  RETURN_IF_ERROR(Numbers(tv, "categories_segments", static_cast<int64_t>(cat_nodes.size()),
                          false, &cat_seg));
  RETURN_IF_ERROR(Numbers(tv, "categories_sizes", static_cast<int64_t>(cat_nodes.size()), false,
                          &cat_size));
  if (cat_seg.size() != cat_nodes.size() || cat_size.size() != cat_nodes.size()) {
    return Err(tv, where + ": categories_nodes, categories_segments and categories_sizes differ "
                           "in length");
  }
  if (vector_leaf) {
    RETURN_IF_ERROR(Numbers(tv, "leaf_weights", -1, false, &leaf_w));
    if (leaf_w.empty()) RETURN_IF_ERROR(Numbers(tv, "base_weights", n * leaf_size, true, &base_w));
    if (leaf_w.size() % static_cast<size_t>(leaf_size) != 0) {
      return Err(tv, where + ": leaf_weights is not a whole number of leaf vectors");
    }
  }
  // Per node: index into categories_* or -1.
  std::vector<int32_t> cat_of(static_cast<size_t>(n), -1);
  for (size_t k = 0; k < cat_nodes.size(); ++k) {
    const double c = cat_nodes[k];
    if (!(c >= 0 && c < static_cast<double>(n)) || c != std::floor(c)) {
      return Err(tv, where + ": categories_nodes[" + std::to_string(k) + "] is not a node");
    }
    const double seg = cat_seg[k], size = cat_size[k];
    if (!(seg >= 0 && size >= 0 && seg == std::floor(seg) && size == std::floor(size) &&
          seg + size <= static_cast<double>(cats.size()))) {
      return Err(tv, where + ": category segment " + std::to_string(k) +
                         " lies outside 'categories'");
    }
    cat_of[static_cast<size_t>(c)] = static_cast<int32_t>(k);
  }
  auto child = [&](std::span<const double> arr, int64_t id) -> int64_t {
    const double c = arr[static_cast<size_t>(id)];
    // Out-of-range or fractional children map to an invalid id the builder rejects.
    return (c >= 0 && c < static_cast<double>(n) && c == std::floor(c)) ? static_cast<int64_t>(c)
                                                                          : -1;
  };
  auto is_leaf = [&](int64_t id) { return left[static_cast<size_t>(id)] == -1.0; };
  auto fill = [&](int64_t id, int32_t node, Tree* t) -> Status {
    const size_t i = static_cast<size_t>(id);
    const size_t k = static_cast<size_t>(node);
    if (!hess.empty()) {
      t->sum_hess[k] = F32(hess[i]);
      t->sum_hess_present[k] = 1;
    }
    if (is_leaf(id)) {
      if (!vector_leaf) {
        t->leaf_value[k] = F32(F32(cond[i]) * weight);
        return Status::Ok();
      }
      const double* src = nullptr;
      if (!leaf_w.empty()) {
        const double slot = right[i];
        const size_t n_leaves = leaf_w.size() / static_cast<size_t>(leaf_size);
        if (!(slot >= 0 && slot < static_cast<double>(n_leaves)) || slot != std::floor(slot)) {
          return Status::Invalid("leaf " + std::to_string(id) + " has no leaf_weights entry");
        }
        src = leaf_w.data() + static_cast<size_t>(slot) * static_cast<size_t>(leaf_size);
      } else {
        src = base_w.data() + i * static_cast<size_t>(leaf_size);
      }
      for (int64_t j = 0; j < leaf_size; ++j) t->leaf_vector.push_back(F32(F32(src[j]) * weight));
      t->leaf_vector_end[k] = t->leaf_vector.size();
      return Status::Ok();
    }
    const double f = split_index[i];
    if (!(f >= 0 && f < static_cast<double>(num_feature_)) || f != std::floor(f)) {
      return Status::Invalid("node " + std::to_string(id) + " splits on feature " +
                             std::to_string(f) + " but the model has " +
                             std::to_string(num_feature_) + " features");
    }
    t->split_index[k] = static_cast<int32_t>(f);
    t->default_left[k] = dleft[i] != 0.0 ? 1 : 0;
    if (!gain.empty()) {
      t->gain[k] = F32(gain[i]);
      t->gain_present[k] = 1;
    }
    const double type = split_type.empty() ? 0.0 : split_type[i];
    if (type == 0.0) {
      t->node_type[k] = NodeType::kNumerical;
      t->cmp[k] = Operator::kLT;  // x < split_condition goes left
      t->threshold[k] = F32(cond[i]);
      return Status::Ok();
    }
    if (type != 1.0) {
      return Status::Unsupported("node " + std::to_string(id) + " has split_type " +
                                 std::to_string(type) + " (0 numerical and 1 categorical known)");
    }
    t->node_type[k] = NodeType::kCategorical;
    t->cmp[k] = Operator::kNone;
    t->category_list_right_child[k] = 1;  // XGBoost: categories in the set go right
    t->has_categorical_split = true;
    if (cat_of[i] >= 0) {
      const size_t c = static_cast<size_t>(cat_of[i]);
      const size_t begin = static_cast<size_t>(cat_seg[c]);
      const size_t end = begin + static_cast<size_t>(cat_size[c]);
      for (size_t j = begin; j < end; ++j) {
        const double v = cats[j];
        if (!(v >= 0 && v <= 4294967295.0) || v != std::floor(v)) {
          return Status::Invalid("node " + std::to_string(id) + " has category " +
                                 std::to_string(v) + ", not a non-negative 32-bit integer");
        }
        t->category_list.push_back(static_cast<uint32_t>(v));
      }
    }
    t->category_list_end[k] = t->category_list.size();
    return Status::Ok();
  };
  Status s = BuildTreePreorder(
      n, is_leaf, [&](int64_t id) { return child(left, id); },
      [&](int64_t id) { return child(right, id); }, fill, tree, nullptr);
  if (!s.ok()) {
    return Status(s.code(), doc_.ErrorAt(tv.offset, where + " " + s.message()).message());
  }
  return Status::Ok();
}

StatusOr<Forest> Builder::Build() {
  const DocValue& root = doc_.Root();
  const DocValue *learner, *mparam, *objective, *obj_name, *booster, *booster_name;
  RETURN_IF_ERROR(Get(root, "learner", "the document", &learner));
  RETURN_IF_ERROR(Get(*learner, "learner_model_param", "learner", &mparam));
  RETURN_IF_ERROR(Get(*learner, "objective", "learner", &objective));
  RETURN_IF_ERROR(Get(*objective, "name", "learner.objective", &obj_name));
  if (obj_name->kind != DocKind::kString) return Err(*obj_name, "objective name is not a string");
  RETURN_IF_ERROR(Get(*learner, "gradient_booster", "learner", &booster));
  RETURN_IF_ERROR(Get(*booster, "name", "gradient_booster", &booster_name));
  if (booster_name->kind != DocKind::kString) return Err(*booster_name, "booster name is not a string");

  StatusOr<XgboostObjective> obj_or = FindXgboostObjective(obj_name->text);
  if (!obj_or.ok()) return Status(obj_or.status().code(), doc_.ErrorAt(obj_name->offset, obj_or.status().message()).message());
  const XgboostObjective obj = obj_or.value();

  int64_t num_class = 0, num_target = 1;
  {
    const DocValue* nf;
    RETURN_IF_ERROR(Get(*mparam, "num_feature", "learner_model_param", &nf));
    RETURN_IF_ERROR(GetInt(*nf, "num_feature", 1, INT32_MAX, &num_feature_));
    RETURN_IF_ERROR(OptionalInt(*mparam, "num_class", 0, 1 << 20, 0, &num_class));
    RETURN_IF_ERROR(OptionalInt(*mparam, "num_target", 0, 1 << 20, 1, &num_target));
    if (num_target == 0) num_target = 1;
  }
  if (num_class > 1 && num_target > 1) {
    return Status::Unsupported(doc_.ErrorAt(mparam->offset, "models with both num_class > 1 and "
                                                            "num_target > 1").message());
  }
  num_output_ = num_class > 1 ? num_class : num_target;

  // The booster: gbtree, or dart (the same trees plus a weight per tree).
  const DocValue* gbtree = booster;
  std::span<const double> weight_drop;
  if (booster_name->text == "dart") {
    RETURN_IF_ERROR(Get(*booster, "gbtree", "dart booster", &gbtree));
    RETURN_IF_ERROR(Numbers(*booster, "weight_drop", -1, true, &weight_drop));
  } else if (booster_name->text != "gbtree") {
    return Status::Unsupported(doc_.ErrorAt(booster_name->offset, "XGBoost booster '" +
                                            std::string(booster_name->text) +
                                            "' is not supported (gbtree and dart are)").message());
  }
  const DocValue *model, *gparam, *trees_v;
  RETURN_IF_ERROR(Get(*gbtree, "model", "gbtree", &model));
  RETURN_IF_ERROR(Get(*model, "gbtree_model_param", "gbtree model", &gparam));
  RETURN_IF_ERROR(Get(*model, "trees", "gbtree model", &trees_v));
  int64_t num_trees = 0;
  {
    const DocValue* nt;
    RETURN_IF_ERROR(Get(*gparam, "num_trees", "gbtree_model_param", &nt));
    RETURN_IF_ERROR(GetInt(*nt, "num_trees", 0, INT32_MAX, &num_trees));
  }
  std::span<const DocValue> trees = doc_.Children(*trees_v);
  if (trees_v->kind == DocKind::kNumberArray && trees_v->count == 0) trees = {};
  else if (trees_v->kind != DocKind::kArray) return Err(*trees_v, "'trees' is not an array of trees");
  if (static_cast<int64_t>(trees.size()) != num_trees) {
    return Err(*trees_v, "'trees' holds " + std::to_string(trees.size()) +
                             " trees but num_trees is " + std::to_string(num_trees));
  }
  std::span<const double> tree_info;
  RETURN_IF_ERROR(Numbers(*model, "tree_info", num_trees, true, &tree_info));
  if (!weight_drop.empty() || booster_name->text == "dart") {
    if (static_cast<int64_t>(weight_drop.size()) != num_trees) {
      return Err(*booster, "weight_drop has " + std::to_string(weight_drop.size()) +
                               " entries for " + std::to_string(num_trees) + " trees");
    }
  }

  Forest f;
  f.value_type = ValueType::kFloat32;
  f.task_type = obj.task;
  f.num_feature = static_cast<int32_t>(num_feature_);
  f.postprocessor = std::string(obj.postprocessor);
  f.default_output_is_class = obj.output_is_class;
  if (num_class > 1) {
    f.num_target = 1;
    f.num_class = {static_cast<int32_t>(num_class)};
  } else {
    f.num_target = static_cast<int32_t>(num_target);
    f.num_class.assign(static_cast<size_t>(num_target), 1);
  }

  // Base scores: one value broadcast, or one per output.
  const DocValue* bs = doc_.Find(*mparam, "base_score");
  std::vector<float> base = {0.5f};
  if (bs != nullptr) {
    base.clear();
    RETURN_IF_ERROR(ParseBaseScore(*bs, &base));
  }
  if (base.size() != 1 && static_cast<int64_t>(base.size()) != num_output_) {
    return Err(*bs, "base_score has " + std::to_string(base.size()) + " values for " +
                        std::to_string(num_output_) + " outputs");
  }
  f.base_scores.resize(static_cast<size_t>(num_output_));
  for (int64_t i = 0; i < num_output_; ++i) {
    StatusOr<float> m = BaseScoreToMargin(obj, base[base.size() == 1 ? 0 : static_cast<size_t>(i)]);
    if (!m.ok()) return Err(*bs, m.status().message());
    f.base_scores[static_cast<size_t>(i)] = m.value();
  }

  f.trees.reserve(trees.size());
  f.target_id.reserve(trees.size());
  f.class_id.reserve(trees.size());
  for (size_t t = 0; t < trees.size(); ++t) {
    const float w = weight_drop.empty() ? 1.0f : F32(weight_drop[t]);
    Tree tree;
    RETURN_IF_ERROR(BuildTree(trees[t], static_cast<int64_t>(t), w, &tree));
    const bool vector_leaf = tree.NumNodes() > 0 && !tree.leaf_vector.empty();
    const double group = tree_info[t];
    if (!vector_leaf && !(group >= 0 && group < static_cast<double>(num_output_) &&
                          group == std::floor(group))) {
      return Err(trees[t], "tree_info[" + std::to_string(t) + "] = " + std::to_string(group) +
                               " is not an output of this model");
    }
    const int32_t g = vector_leaf ? -1 : static_cast<int32_t>(group);
    f.target_id.push_back(num_class > 1 ? 0 : g);
    f.class_id.push_back(num_class > 1 ? g : 0);
    f.trees.push_back(std::move(tree));
    if (vector_leaf) {
      // Treelite's convention: (1, 1) unless leaves are vectors over the classes or targets.
      f.leaf_vector_shape[0] = num_class > 1 ? 1 : static_cast<int32_t>(num_target);
      f.leaf_vector_shape[1] = num_class > 1 ? static_cast<int32_t>(num_class) : 1;
    }
  }
  return f;
}

}  // namespace

StatusOr<Forest> BuildXgboostForest(const Document& doc) { return Builder(doc).Build(); }

}  // namespace larch::forest
