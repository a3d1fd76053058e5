// The forest IR: the one in-memory form of a tree ensemble in larch.
//
// Every loader (XGBoost JSON/UBJSON, LightGBM text, Treelite checkpoint) and the native trainer
// produce a Forest; the Treelite writer serialises it; the compiler (compile.h) packs it for the
// evaluator. The fields mirror Treelite 4's model so that a checkpoint round-trips byte for byte,
// plus two larch extensions Treelite lacks (LightGBM missing types and linear leaves), which
// the Treelite writer stores as optional fields.
//
// Storage is struct-of-arrays per tree behind inline accessors. Thresholds and leaves are held as
// double whatever the source precision; `value_type` records that precision (float32 values
// widen to double exactly and narrow back exactly), and the compiler evaluates in it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace larch::forest {

// Values match the Treelite checkpoint encoding.
enum class TaskType : uint8_t {
  kBinaryClf = 0,
  kRegressor = 1,
  kMultiClf = 2,
  kLearningToRank = 3,
  kIsolationForest = 4,
};
enum class NodeType : int8_t { kLeaf = 0, kNumerical = 1, kCategorical = 2 };
enum class Operator : int8_t { kNone = 0, kEQ = 1, kLT = 2, kLE = 3, kGT = 4, kGE = 5 };
enum class ValueType : uint8_t { kFloat32 = 2, kFloat64 = 3 };

// How a numerical node treats missing input (larch extension; Treelite knows only kNaN).
//   kNaN:  NaN takes the default child (XGBoost, Treelite, LightGBM missing_type=NaN).
//   kZero: NaN or |x| <= 1e-35 takes the default child (LightGBM missing_type=Zero).
//   kNone: NaN is replaced by 0.0 and then compared (LightGBM missing_type=None).
enum class MissingType : uint8_t { kNaN = 0, kZero = 1, kNone = 2 };

// One tree. Node 0 is the root. Children are node indices; -1 for a leaf.
// Per-node variable-length data (leaf vectors, category lists, linear-leaf terms) lives in one
// flat array per tree with [begin, end) offsets per node.
struct Tree {
  std::vector<NodeType> node_type;
  std::vector<int32_t> left_child;
  std::vector<int32_t> right_child;
  std::vector<int32_t> split_index;
  std::vector<uint8_t> default_left;
  std::vector<double> leaf_value;
  std::vector<double> threshold;
  std::vector<Operator> cmp;
  // For categorical nodes: 1 if the values in the category list go right (XGBoost), 0 if they
  // go left (LightGBM).
  std::vector<uint8_t> category_list_right_child;

  std::vector<double> leaf_vector;
  std::vector<uint64_t> leaf_vector_begin;
  std::vector<uint64_t> leaf_vector_end;
  std::vector<uint32_t> category_list;
  std::vector<uint64_t> category_list_begin;
  std::vector<uint64_t> category_list_end;

  // Node statistics, kept only so that checkpoints round-trip exactly. Each array is either
  // per node or empty (the source had no such statistic).
  std::vector<uint64_t> data_count;
  std::vector<uint8_t> data_count_present;
  std::vector<double> sum_hess;
  std::vector<uint8_t> sum_hess_present;
  std::vector<double> gain;
  std::vector<uint8_t> gain_present;

  bool has_categorical_split = false;

  // larch extensions. Empty vectors mean "not used by this tree" (all kNaN, no linear leaves).
  std::vector<MissingType> missing_type;
  // Linear leaves (LightGBM linear_tree): output = linear_const + sum(coeff * x[feature]) over
  // [linear_begin, linear_end); if any of those features is NaN the plain leaf_value is used.
  std::vector<double> linear_const;
  std::vector<double> linear_coeff;
  std::vector<int32_t> linear_feature;
  std::vector<uint64_t> linear_begin;
  std::vector<uint64_t> linear_end;

  Tree() = default;
  Tree(Tree&&) = default;
  Tree& operator=(Tree&&) = default;
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  Tree Clone() const;

  int32_t NumNodes() const { return static_cast<int32_t>(node_type.size()); }
  bool IsLeaf(int32_t n) const { return node_type[n] == NodeType::kLeaf; }
  int32_t LeftChild(int32_t n) const { return left_child[n]; }
  int32_t RightChild(int32_t n) const { return right_child[n]; }
  int32_t DefaultChild(int32_t n) const { return default_left[n] ? left_child[n] : right_child[n]; }
  bool HasLeafVector(int32_t n) const { return leaf_vector_end[n] > leaf_vector_begin[n]; }
  std::span<const double> LeafVector(int32_t n) const {
    return {leaf_vector.data() + leaf_vector_begin[n], leaf_vector_end[n] - leaf_vector_begin[n]};
  }
  std::span<const uint32_t> CategoryList(int32_t n) const {
    return {category_list.data() + category_list_begin[n],
            category_list_end[n] - category_list_begin[n]};
  }
  MissingType Missing(int32_t n) const {
    return missing_type.empty() ? MissingType::kNaN : missing_type[n];
  }
  bool HasLinearLeaves() const { return !linear_begin.empty(); }

  // Appends a node with every per-node array extended to match; returns its index.
  // Statistics default to "not present". Callers then fill in the fields for the node kind.
  int32_t AddNode();
};

// A whole ensemble, as Treelite 4 describes one.
struct Forest {
  // Checkpoint version this model was read from (or will be written as).
  int32_t version_major = 4, version_minor = 2, version_patch = 0;
  ValueType value_type = ValueType::kFloat64;  // threshold and leaf type (Treelite 4: equal)

  TaskType task_type = TaskType::kRegressor;
  bool average_tree_output = false;
  int32_t num_feature = 0;
  int32_t num_target = 1;
  std::vector<int32_t> num_class;          // per target
  int32_t leaf_vector_shape[2] = {1, 1};   // (num_target or 1, max_num_class or 1)
  std::vector<int32_t> target_id;          // per tree; -1 = the tree outputs every target
  std::vector<int32_t> class_id;           // per tree; -1 = the tree outputs every class
  std::string postprocessor = "identity";  // Treelite's names: sigmoid, softmax, ...
  float sigmoid_alpha = 1.0f;
  float ratio_c = 1.0f;
  std::vector<double> base_scores;         // num_target * max_num_class, added after the sum
  std::string attributes = "{}";           // JSON; Treelite keeps loader metadata here

  std::vector<Tree> trees;

  // What the source library's predict() returns by default, beyond the postprocessor:
  // XGBoost multi:softmax returns the argmax class as a float. Not a Treelite field: the
  // Treelite writer stores it as a per-model optional field (treelite_checkpoint_format.h).
  bool default_output_is_class = false;
  // LightGBM boosting=rf (average_tree_output true): its raw score (OutputKind::kMargin) is the
  // plain sum over trees, while its value is transform(sum / trees per class). Treelite averages
  // both. Not a Treelite field: stored as a per-model optional field like the one above.
  bool margin_before_averaging = false;

  Forest() = default;
  Forest(Forest&&) = default;
  Forest& operator=(Forest&&) = default;
  Forest(const Forest&) = delete;
  Forest& operator=(const Forest&) = delete;
  Forest Clone() const;

  int32_t NumTrees() const { return static_cast<int32_t>(trees.size()); }
  int32_t MaxNumClass() const {
    int32_t m = 1;
    for (int32_t c : num_class) m = c > m ? c : m;
    return m;
  }
  // Values per row the evaluator produces: num_target * max_num_class.
  int32_t NumOutput() const { return num_target * MaxNumClass(); }
};

}  // namespace larch::forest
