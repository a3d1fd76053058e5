// Out-of-line parts of the forest IR: explicit deep copies and node appends.
#include "forest/forest_ir.h"

namespace larch::forest {

Tree Tree::Clone() const {
  Tree t;
  t.node_type = node_type;
  t.left_child = left_child;
  t.right_child = right_child;
  t.split_index = split_index;
  t.default_left = default_left;
  t.leaf_value = leaf_value;
  t.threshold = threshold;
  t.cmp = cmp;
  t.category_list_right_child = category_list_right_child;
  t.leaf_vector = leaf_vector;
  t.leaf_vector_begin = leaf_vector_begin;
  t.leaf_vector_end = leaf_vector_end;
  t.category_list = category_list;
  t.category_list_begin = category_list_begin;
  t.category_list_end = category_list_end;
  t.data_count = data_count;
  t.data_count_present = data_count_present;
  t.sum_hess = sum_hess;
  t.sum_hess_present = sum_hess_present;
  t.gain = gain;
  t.gain_present = gain_present;
  t.has_categorical_split = has_categorical_split;
  t.missing_type = missing_type;
  t.linear_const = linear_const;
  t.linear_coeff = linear_coeff;
  t.linear_feature = linear_feature;
  t.linear_begin = linear_begin;
  t.linear_end = linear_end;
  return t;
}

int32_t Tree::AddNode() {
  const int32_t id = NumNodes();
  node_type.push_back(NodeType::kLeaf);
  left_child.push_back(-1);
  right_child.push_back(-1);
  split_index.push_back(-1);
  default_left.push_back(0);
  leaf_value.push_back(0.0);
  threshold.push_back(0.0);
  cmp.push_back(Operator::kNone);
  category_list_right_child.push_back(0);
  const uint64_t lv = leaf_vector.size();
  leaf_vector_begin.push_back(lv);
  leaf_vector_end.push_back(lv);
  const uint64_t cl = category_list.size();
  category_list_begin.push_back(cl);
  category_list_end.push_back(cl);
  data_count.push_back(0);
  data_count_present.push_back(0);
  sum_hess.push_back(0.0);
  sum_hess_present.push_back(0);
  gain.push_back(0.0);
  gain_present.push_back(0);
  if (!missing_type.empty()) missing_type.push_back(MissingType::kNaN);
  if (!linear_begin.empty()) {
    linear_const.push_back(0.0);
    const uint64_t lb = linear_coeff.size();
    linear_begin.push_back(lb);
    linear_end.push_back(lb);
  }
  return id;
}

Forest Forest::Clone() const {
  Forest f;
  f.version_major = version_major;
  f.version_minor = version_minor;
  f.version_patch = version_patch;
  f.value_type = value_type;
  f.task_type = task_type;
  f.average_tree_output = average_tree_output;
  f.num_feature = num_feature;
  f.num_target = num_target;
  f.num_class = num_class;
  f.leaf_vector_shape[0] = leaf_vector_shape[0];
  f.leaf_vector_shape[1] = leaf_vector_shape[1];
  f.target_id = target_id;
  f.class_id = class_id;
  f.postprocessor = postprocessor;
  f.sigmoid_alpha = sigmoid_alpha;
  f.ratio_c = ratio_c;
  f.base_scores = base_scores;
  f.attributes = attributes;
  f.default_output_is_class = default_output_is_class;
  f.margin_before_averaging = margin_before_averaging;
  f.trees.reserve(trees.size());
  for (const Tree& t : trees) f.trees.push_back(t.Clone());
  return f;
}

}  // namespace larch::forest
