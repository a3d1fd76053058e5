// The compiler: checks a forest IR and packs it into the layout described in compile.h.
// All validation happens here so that the evaluator can trust the packed form completely.
#include "forest/compile.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace larch::forest {
namespace {

std::string TreeMsg(size_t t, int32_t n, const std::string& what) {
  return "tree " + std::to_string(t) + " node " + std::to_string(n) + ": " + what;
}

Status BuildPlan(const Forest& f, OutputPlan* p) {
  if (f.num_feature <= 0 || f.num_feature >= kMaxFeatures) {
    return Status::Invalid("num_feature " + std::to_string(f.num_feature) + " must be in [1, " +
                           std::to_string(kMaxFeatures) + ")");
  }
  if (f.num_target < 1 || f.num_target > 4096 ||
      f.num_class.size() != static_cast<size_t>(f.num_target)) {
    return Status::Invalid("num_target " + std::to_string(f.num_target) + " with " +
                           std::to_string(f.num_class.size()) + " num_class entries");
  }
  for (int32_t c : f.num_class) {
    if (c < 1 || c > 65536) return Status::Invalid("num_class " + std::to_string(c) + " is not valid");
  }
  p->num_feature = f.num_feature;
  p->num_target = f.num_target;
  p->max_num_class = f.MaxNumClass();
  p->num_class = f.num_class;
  const size_t slots = static_cast<size_t>(p->NumSlots());
  if (slots > (1u << 20)) return Status::Unsupported("more than 2^20 outputs per row");
  if (f.base_scores.empty()) {
    p->base_scores.assign(slots, 0.0);
  } else if (f.base_scores.size() == slots) {
    p->base_scores = f.base_scores;
  } else {
    return Status::Invalid("base_scores has " + std::to_string(f.base_scores.size()) +
                           " entries, expected num_target * max_num_class = " + std::to_string(slots));
  }
  const size_t nt = f.trees.size();
  if (f.target_id.size() != nt || f.class_id.size() != nt) {
    return Status::Invalid("target_id / class_id must have one entry per tree (" +
                           std::to_string(nt) + ")");
  }
  for (size_t t = 0; t < nt; ++t) {
    const int32_t tid = f.target_id[t], cid = f.class_id[t];
    if (tid < -1 || tid >= f.num_target) {
      return Status::Invalid("tree " + std::to_string(t) + ": target_id " + std::to_string(tid) +
                             " out of range");
    }
    const int32_t nc = tid >= 0 ? f.num_class[tid] : p->max_num_class;
    if (cid < -1 || cid >= nc) {
      return Status::Invalid("tree " + std::to_string(t) + ": class_id " + std::to_string(cid) +
                             " out of range");
    }
  }
  using Post = OutputPlan::Post;
  static const std::pair<const char*, Post> kPosts[] = {
      {"identity", Post::kIdentity}, {"identity_multiclass", Post::kIdentity},
      {"sigmoid", Post::kSigmoid}, {"softmax", Post::kSoftmax},
      {"multiclass_ova", Post::kMulticlassOva}, {"exponential", Post::kExponential},
      {"exponential_standard_ratio", Post::kExponentialStandardRatio},
      {"logarithm_one_plus_exp", Post::kLogOnePlusExp}, {"signed_square", Post::kSignedSquare},
      {"hinge", Post::kHinge}};
  bool known = false;
  for (const auto& [name, post] : kPosts) {
    if (f.postprocessor == name) {
      p->post = post;
      known = true;
    }
  }
  if (!known) return Status::Unsupported("postprocessor '" + f.postprocessor + "' is not supported");
  p->sigmoid_alpha = f.sigmoid_alpha;
  p->ratio_c = f.ratio_c;
  p->default_output_is_class = f.default_output_is_class;
  p->margin_before_averaging = f.margin_before_averaging && f.average_tree_output;
  p->classifier = f.task_type == TaskType::kBinaryClf || f.task_type == TaskType::kMultiClf;
  if (f.average_tree_output) {
    // Per output slot, how many trees contribute to it (as GTIL counts them).
    p->average_divisor.assign(slots, 0.0);
    const int32_t m = p->max_num_class;
    for (size_t t = 0; t < nt; ++t) {
      const int32_t tid = f.target_id[t], cid = f.class_id[t];
      for (int32_t tg = 0; tg < f.num_target; ++tg) {
        if (tid >= 0 && tg != tid) continue;
        for (int32_t c = 0; c < f.num_class[tg]; ++c) {
          if (cid >= 0 && c != cid) continue;
          p->average_divisor[tg * m + c] += 1.0;
        }
      }
    }
  }
  return Status::Ok();
}

// Where each tree's leaves go (TreeOutput), following GTIL's four target/class cases.
template <typename T>
Status PlanTreeOutput(const Forest& f, size_t t, bool vector_mode, CompiledTrees<T>* c) {
  const int32_t tid = f.target_id[t], cid = f.class_id[t], m = f.MaxNumClass();
  TreeOutput out{-1, static_cast<uint32_t>(c->vec_map.size()), 0};
  if (!vector_mode) {
    if (tid < 0 || cid < 0) {
      return Status::Invalid("tree " + std::to_string(t) +
                             " outputs every target or class but the model has scalar leaves");
    }
    out.slot = tid * m + cid;
  } else {
    if (tid >= 0 && cid >= 0) {
      return Status::Invalid("tree " + std::to_string(t) +
                             " has one target and class but the model has leaf vectors");
    }
    const int32_t want0 = tid < 0 ? f.num_target : 1, want1 = cid < 0 ? m : 1;
    if (f.leaf_vector_shape[0] != want0 || f.leaf_vector_shape[1] != want1) {
      return Status::Invalid("tree " + std::to_string(t) + ": leaf_vector_shape (" +
                             std::to_string(f.leaf_vector_shape[0]) + ", " +
                             std::to_string(f.leaf_vector_shape[1]) + ") does not match its target/class ids");
    }
    for (int32_t tg = 0; tg < f.num_target; ++tg) {
      if (tid >= 0 && tg != tid) continue;
      for (int32_t k = 0; k < f.num_class[tg]; ++k) {
        if (cid >= 0 && k != cid) continue;
        const uint32_t elem = static_cast<uint32_t>((tid < 0 ? tg : 0) * want1 + (cid < 0 ? k : 0));
        c->vec_map.emplace_back(static_cast<uint32_t>(tg * m + k), elem);
      }
    }
  }
  out.vec_end = static_cast<uint32_t>(c->vec_map.size());
  c->output.push_back(out);
  return Status::Ok();
}

template <typename T>
Status PackInternal(const Forest& f, const Tree& tree, size_t t, int32_t nid,
                    PackedNode<T>* node, int32_t* near, int32_t* far, CompiledTrees<T>* c) {
  const int32_t left = tree.LeftChild(nid), right = tree.RightChild(nid);
  const int32_t feature = tree.split_index[nid];
  if (feature < 0 || feature >= f.num_feature) {
    return Status::Invalid(TreeMsg(t, nid, "split feature " + std::to_string(feature) +
                                               " is not below num_feature " + std::to_string(f.num_feature)));
  }
  const int32_t default_child = tree.default_left[nid] ? left : right;
  node->meta = static_cast<uint32_t>(feature);
  if (tree.node_type[nid] == NodeType::kCategorical) {
    // Missing types do not apply to categorical nodes: NaN takes the default child (GTIL).
    const bool matched_right = tree.category_list_right_child[nid] != 0;
    *near = matched_right ? right : left;
    *far = matched_right ? left : right;
    std::span<const uint32_t> cats = tree.CategoryList(nid);
    uint32_t nbits = 0;
    for (uint32_t v : cats) {
      if (v >= kMaxCategory) {
        return Status::Unsupported(TreeMsg(t, nid, "category " + std::to_string(v) +
                                                       " exceeds larch's limit of 2^24 categories"));
      }
      nbits = std::max(nbits, v + 1);
    }
    node->index = static_cast<uint32_t>(c->cat_words.size());
    c->cat_words.push_back(nbits);
    const size_t words_at = c->cat_words.size();
    c->cat_words.resize(words_at + (nbits + 31) / 32, 0u);
    for (uint32_t v : cats) c->cat_words[words_at + v / 32] |= 1u << (v % 32);
    node->meta |= kMetaCategorical;
    c->has_categorical = true;
  } else {
    const T thr = static_cast<T>(tree.threshold[nid]);
    const MissingType missing = tree.Missing(nid);
    const Operator op = tree.cmp[nid];
    const bool inf_le = (op == Operator::kLE || op == Operator::kGT) && std::isinf(thr) && thr > 0;
    if (op == Operator::kNone || static_cast<int>(op) > 5) {
      return Status::Invalid(TreeMsg(t, nid, "numerical split without a comparison operator"));
    }
    const bool normalisable = op != Operator::kEQ && !std::isnan(thr) && !inf_le;
    bool special = !normalisable;
    if (normalisable) {
      constexpr T kInf = std::numeric_limits<T>::infinity();
      const bool left_is_less = op == Operator::kLT || op == Operator::kLE;
      const bool inclusive = op == Operator::kLE || op == Operator::kGT;
      node->value = inclusive ? std::nextafter(thr, kInf) : thr;
      *near = left_is_less ? left : right;
      *far = left_is_less ? right : left;
      if (missing == MissingType::kNone) {
        // NaN is compared as 0.0, so it simply goes wherever 0.0 goes.
        const bool zero_distant = !(T(0) < node->value);
        if (zero_distant) node->meta |= kMetaDefaultDistant;
        return Status::Ok();
      }
      if (missing == MissingType::kZero) {
        // Values in [-1e-35, 1e-35] take the default child; if the comparison already sends
        // that whole interval there, only NaN is special, which the default bit handles.
        const T zero = static_cast<T>(static_cast<double>(1e-35f));
        const bool default_distant = default_child != *near;
        special = (!(-zero < node->value)) != default_distant || (!(zero < node->value)) != default_distant;
      }
    }
    if (special) {
      node->value = thr;
      node->meta |= kMetaSpecial | (static_cast<uint32_t>(op) << kMetaOpShift) |
                    (static_cast<uint32_t>(missing) << kMetaMissingShift);
      *near = left;
      *far = right;
      c->has_special = true;
    }
  }
  if (default_child != *near) node->meta |= kMetaDefaultDistant;
  return Status::Ok();
}

template <typename T>
Status PackLeaf(const Forest& f, const Tree& tree, size_t t, int32_t nid, bool vector_mode,
                PackedNode<T>* node, CompiledTrees<T>* c) {
  node->meta = kMetaLeaf;
  node->aux = 0;
  node->value = static_cast<T>(tree.leaf_value[nid]);
  const size_t want = static_cast<size_t>(f.leaf_vector_shape[0]) * f.leaf_vector_shape[1];
  std::span<const double> vec = tree.LeafVector(nid);
  if (vector_mode) {
    if (vec.size() != want) {
      return Status::Invalid(TreeMsg(t, nid, "leaf vector has " + std::to_string(vec.size()) +
                                                 " values, expected " + std::to_string(want)));
    }
    node->aux = static_cast<uint32_t>(c->leaf_values.size());
    for (double v : vec) c->leaf_values.push_back(static_cast<T>(v));
    node->meta |= kMetaLeafVector;
  } else if (vec.size() == 1) {
    node->value = static_cast<T>(vec[0]);
  } else if (!vec.empty()) {
    return Status::Invalid(TreeMsg(t, nid, "leaf vector in a model with scalar leaves"));
  }
  if (tree.HasLinearLeaves()) {
    if (vector_mode) return Status::Unsupported("linear leaves with leaf vectors");
    LinearLeaf lin{tree.linear_const[nid], tree.leaf_value[nid],
                   static_cast<uint32_t>(c->linear_coeff.size()), 0};
    for (uint64_t k = tree.linear_begin[nid]; k < tree.linear_end[nid]; ++k) {
      const int32_t feat = tree.linear_feature[k];
      if (feat < 0 || feat >= f.num_feature) {
        return Status::Invalid(TreeMsg(t, nid, "linear leaf feature " + std::to_string(feat) + " out of range"));
      }
      c->linear_coeff.push_back(tree.linear_coeff[k]);
      c->linear_feature.push_back(static_cast<uint32_t>(feat));
    }
    lin.end = static_cast<uint32_t>(c->linear_coeff.size());
    node->aux = static_cast<uint32_t>(c->linear_leaves.size());
    c->linear_leaves.push_back(lin);
    node->meta |= kMetaLinearLeaf;
    c->has_special = true;
  }
  return Status::Ok();
}

// The per-node arrays must all have NumNodes entries and every [begin, end) range must lie in
// its flat array before any node is read (the IR may come from any loader or the trainer).
Status CheckTreeArrays(const Tree& tree, size_t t) {
  const size_t n = tree.node_type.size();
  const size_t sizes[] = {tree.left_child.size(), tree.right_child.size(), tree.split_index.size(),
                          tree.default_left.size(), tree.leaf_value.size(), tree.threshold.size(),
                          tree.cmp.size(), tree.category_list_right_child.size(),
                          tree.leaf_vector_begin.size(), tree.leaf_vector_end.size(),
                          tree.category_list_begin.size(), tree.category_list_end.size()};
  for (size_t s : sizes) {
    if (s != n) return Status::Invalid("tree " + std::to_string(t) + ": per-node arrays differ in length");
  }
  if (!tree.missing_type.empty() && tree.missing_type.size() != n) {
    return Status::Invalid("tree " + std::to_string(t) + ": missing_type length");
  }
  for (size_t i = 0; i < n; ++i) {
    if (tree.leaf_vector_begin[i] > tree.leaf_vector_end[i] ||
        tree.leaf_vector_end[i] > tree.leaf_vector.size() ||
        tree.category_list_begin[i] > tree.category_list_end[i] ||
        tree.category_list_end[i] > tree.category_list.size()) {
      return Status::Invalid("tree " + std::to_string(t) + " node " + std::to_string(i) +
                             ": leaf vector or category range out of bounds");
    }
  }
  if (tree.HasLinearLeaves()) {
    if (tree.linear_begin.size() != n || tree.linear_end.size() != n ||
        tree.linear_const.size() != n || tree.linear_coeff.size() != tree.linear_feature.size()) {
      return Status::Invalid("tree " + std::to_string(t) + ": linear-leaf arrays differ in length");
    }
    for (size_t i = 0; i < n; ++i) {
      if (tree.linear_begin[i] > tree.linear_end[i] || tree.linear_end[i] > tree.linear_coeff.size()) {
        return Status::Invalid("tree " + std::to_string(t) + ": linear-leaf range out of bounds");
      }
    }
  }
  return Status::Ok();
}

// Lays one tree out depth-first with an explicit stack (trees may be very deep), checking that
// every child index is in range and that no node is reached twice (a cycle or shared subtree).
template <typename T>
Status PackTree(const Forest& f, size_t t, bool vector_mode, CompiledTrees<T>* c) {
  const Tree& tree = f.trees[t];
  RETURN_IF_ERROR(CheckTreeArrays(tree, t));
  const int32_t n = tree.NumNodes();
  if (n <= 0) return Status::Invalid("tree " + std::to_string(t) + " has no nodes");
  std::vector<uint8_t> seen(static_cast<size_t>(n), 0);
  // parent >= 0: we are its distant child. depth: edges from the root.
  struct Pending { int32_t nid; int64_t parent; uint32_t depth; };
  std::vector<Pending> stack{{0, -1, 0}};
  uint32_t max_depth = 0;
  c->root.push_back(static_cast<uint32_t>(c->nodes.size()));
  while (!stack.empty()) {
    const Pending cur = stack.back();
    stack.pop_back();
    max_depth = std::max(max_depth, cur.depth);
    if (cur.nid < 0 || cur.nid >= n) {
      return Status::Invalid("tree " + std::to_string(t) + ": child index " +
                             std::to_string(cur.nid) + " out of range");
    }
    if (seen[cur.nid]) return Status::Invalid(TreeMsg(t, cur.nid, "reached twice (cycle)"));
    seen[cur.nid] = 1;
    const size_t idx = c->nodes.size();
    if (idx >= (1ull << 32) - 1) return Status::Unsupported("more than 2^32 nodes in a forest");
    if (cur.parent >= 0) c->nodes[cur.parent].aux = static_cast<uint32_t>(idx - cur.parent);
    PackedNode<T> node{};
    if (tree.IsLeaf(cur.nid)) {
      RETURN_IF_ERROR(PackLeaf(f, tree, t, cur.nid, vector_mode, &node, c));
      c->nodes.push_back(node);
      continue;
    }
    if (tree.node_type[cur.nid] != NodeType::kNumerical &&
        tree.node_type[cur.nid] != NodeType::kCategorical) {
      return Status::Invalid(TreeMsg(t, cur.nid, "unknown node type"));
    }
    int32_t near = -1, far = -1;
    RETURN_IF_ERROR(PackInternal(f, tree, t, cur.nid, &node, &near, &far, c));
    c->nodes.push_back(node);
    stack.push_back({far, static_cast<int64_t>(idx), cur.depth + 1});
    stack.push_back({near, -1, cur.depth + 1});  // popped next, so it lands at idx + 1
  }
  c->depth.push_back(max_depth);
  return PlanTreeOutput(f, t, vector_mode, c);
}

template <typename T>
Status PackForest(const Forest& f, CompiledTrees<T>* c) {
  const bool vector_mode = f.leaf_vector_shape[0] != 1 || f.leaf_vector_shape[1] != 1;
  if (f.leaf_vector_shape[0] < 1 || f.leaf_vector_shape[1] < 1) {
    return Status::Invalid("leaf_vector_shape must be positive");
  }
  c->has_leaf_vectors = vector_mode;
  size_t total = 0;
  for (const Tree& t : f.trees) total += static_cast<size_t>(std::max(0, t.NumNodes()));
  c->nodes.reserve(total);
  for (size_t t = 0; t < f.trees.size(); ++t) RETURN_IF_ERROR(PackTree(f, t, vector_mode, c));
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<const CompiledForest>> CompiledForest::Compile(const Forest& forest) {
  auto c = std::make_unique<CompiledForest>();
  RETURN_IF_ERROR(BuildPlan(forest, &c->plan));
  c->float64 = forest.value_type == ValueType::kFloat64;
  if (c->float64) {
    RETURN_IF_ERROR(PackForest(forest, &c->f64));
    BuildCompleteTrees(c->f64, forest.num_feature, &c->f64.complete);
  } else {
    RETURN_IF_ERROR(PackForest(forest, &c->f32));
    BuildCompleteTrees(c->f32, forest.num_feature, &c->f32.complete);
  }
  return std::unique_ptr<const CompiledForest>(std::move(c));
}

}  // namespace larch::forest
