// The packed inference layout and the compiler that builds it from the forest IR.
//
// Node layout (one record per node, trees stored one after another, each depth-first):
//
//   PackedNode<T> { union { T threshold; T leaf; uint32_t index; }  uint32_t meta;  uint32_t aux; }
//
//   meta bits: 31 leaf | 30 default-distant (internal) / leaf-vector (leaf)
//              29 categorical (internal) / linear leaf (leaf) | 28 special
//              27..25 original Operator (special nodes) | 24..23 MissingType (special nodes)
//              22..0 split feature
//   aux: internal node: offset from this node to its distant child (the near child is the next
//        record); leaf: offset of its leaf vector in leaf_values, or its linear-leaf index.
//
// Every ordinary numerical node is normalised to "x < threshold goes near" (rule 3 of STYLE.md):
// `<=` moves the threshold up one step with nextafter in T, `>`/`>=` swap the children, and the
// default-distant bit says where NaN goes (for LightGBM missing type None: where 0.0 goes). A
// categorical node's `index` is the offset of its bitset in cat_words (first word: number of
// bits); a match goes near. Nodes that cannot be normalised exactly (`==`, a NaN threshold,
// `<=` at +inf, LightGBM missing type Zero when the comparison sends zero away from the default)
// keep their operator and are marked special; left is near for them. Only forests with special
// nodes, leaf vectors or linear leaves use the general evaluator instantiation; forests without
// categorical nodes either use the branch-free lockstep kernel (evaluate_cpu.h).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "common/status.h"
#include "forest/complete_layout.h"
#include "forest/forest_ir.h"

namespace larch::forest {

inline constexpr uint32_t kMetaLeaf = 1u << 31;
inline constexpr uint32_t kMetaDefaultDistant = 1u << 30;
inline constexpr uint32_t kMetaLeafVector = 1u << 30;
inline constexpr uint32_t kMetaCategorical = 1u << 29;
inline constexpr uint32_t kMetaLinearLeaf = 1u << 29;
inline constexpr uint32_t kMetaSpecial = 1u << 28;
inline constexpr uint32_t kMetaOpShift = 25;
inline constexpr uint32_t kMetaMissingShift = 23;
inline constexpr uint32_t kMetaFeatureMask = (1u << 23) - 1;
inline constexpr int32_t kMaxFeatures = 1 << 23;
// Category values at or above this are rejected at compile time (XGBoost's own limit), which
// bounds every bitset at 2 MiB.
inline constexpr uint32_t kMaxCategory = 1u << 24;

template <typename T>
struct PackedNode {
  union {
    T value;         // threshold (internal) or scalar leaf output (leaf)
    uint32_t index;  // categorical node: offset of its bitset in cat_words
  };
  uint32_t meta;
  uint32_t aux;
};

// LightGBM linear leaf: const + sum(coeff * x[feature]); the leaf's plain value if any is NaN.
struct LinearLeaf {
  double constant;
  double fallback;
  uint32_t begin, end;  // range in CompiledForest::linear_coeff / linear_feature
};

// Where a tree's leaf output goes in a row's accumulator of num_target * max_num_class slots.
// A scalar tree adds its leaf to `slot`; a leaf-vector tree adds leaf vector element
// vec_map[k].second to slot vec_map[k].first for k in [vec_begin, vec_end).
struct TreeOutput {
  int32_t slot;
  uint32_t vec_begin, vec_end;
};

template <typename T>
struct CompiledTrees {
  std::vector<PackedNode<T>> nodes;
  std::vector<uint32_t> root;          // per tree: index of its root in nodes
  std::vector<uint32_t> depth;         // per tree: edges on its longest root-to-leaf path
  std::vector<TreeOutput> output;      // per tree
  std::vector<std::pair<uint32_t, uint32_t>> vec_map;  // (slot, element of the leaf vector)
  std::vector<T> leaf_values;          // leaf vectors
  std::vector<uint32_t> cat_words;     // categorical bitsets
  std::vector<LinearLeaf> linear_leaves;
  std::vector<double> linear_coeff;
  std::vector<uint32_t> linear_feature;
  bool has_categorical = false;
  bool has_special = false;            // special nodes or linear leaves: general instantiation
  bool has_leaf_vectors = false;
  // The pointer-free copy for the single-row path (complete_layout.h), when the forest qualifies.
  CompleteTrees<T> complete;
};

// What the evaluator needs besides the nodes: output geometry and finishing steps.
struct OutputPlan {
  int32_t num_feature = 0;
  int32_t num_target = 1;
  int32_t max_num_class = 1;
  std::vector<int32_t> num_class;
  std::vector<double> base_scores;     // per slot
  std::vector<double> average_divisor; // per slot; empty if no averaging
  bool margin_before_averaging = false;
  bool default_output_is_class = false;
  bool classifier = false;             // class output is meaningful
  enum class Post : uint8_t {
    kIdentity, kSigmoid, kSoftmax, kMulticlassOva, kExponential, kExponentialStandardRatio,
    kLogOnePlusExp, kSignedSquare, kHinge,
  } post = Post::kIdentity;
  float sigmoid_alpha = 1.0f;
  float ratio_c = 1.0f;
  int32_t NumSlots() const { return num_target * max_num_class; }
};

class CompiledForest {
 public:
  // Validates the IR and packs it. See predictor.h for the errors.
  static StatusOr<std::unique_ptr<const CompiledForest>> Compile(const Forest& forest);

  bool float64 = false;
  CompiledTrees<float> f32;
  CompiledTrees<double> f64;
  OutputPlan plan;
};

}  // namespace larch::forest
