// Treelite 4 checkpoint reader (layout: test/fixtures/README.md; optional-field slots and larch's
// extensions: treelite_checkpoint_format.h).
//
// The reader checks the structure it needs for the IR's accessors to be safe: every per-node
// array has num_nodes entries, enum values are in range, and every [begin, end) range lies
// inside its flat array. Semantic checks (children, features, classes) happen in the compiler.
#include <string>

#include "forest/byte_reader.h"
#include "forest/loaders.h"
#include "forest/treelite_checkpoint_format.h"

namespace larch::forest {
namespace {

namespace ck = checkpoint;

// One optional field's header; its payload starts at the reader's offset.
struct OptField {
  std::string name;
  uint64_t elem_size = 0;
  uint64_t nelem = 0;
  size_t at = 0;  // offset of the field header, for messages
};

Status ReadOptFieldHeader(ByteReader& r, OptField* f) {
  f->at = r.offset();
  RETURN_IF_ERROR(r.String(&f->name, "optional field name"));
  RETURN_IF_ERROR(r.Scalar(&f->elem_size, "optional field element size"));
  RETURN_IF_ERROR(r.Count(f->elem_size, &f->nelem, "optional field '" + f->name + "'"));
  return Status::Ok();
}

// Reads the payload of a field larch knows, after checking its element size and count.
template <typename T, typename Out>
Status ReadOptPayload(ByteReader& r, const OptField& f, uint64_t expected_n, bool check_n,
                      std::vector<Out>* out) {
  if (f.elem_size != sizeof(T)) {
    return r.Error("optional field '" + f.name + "' has element size " +
                       std::to_string(f.elem_size) + ", expected " + std::to_string(sizeof(T)),
                   f.at);
  }
  if (check_n && f.nelem != expected_n) {
    return r.Error("optional field '" + f.name + "' has " + std::to_string(f.nelem) +
                       " elements, expected " + std::to_string(expected_n),
                   f.at);
  }
  out->resize(f.nelem);
  for (uint64_t i = 0; i < f.nelem; ++i) {
    T v;
    RETURN_IF_ERROR(r.Scalar(&v, f.name));
    (*out)[i] = static_cast<Out>(v);
  }
  return Status::Ok();
}

template <typename E>
Status CheckEnum(ByteReader& r, const std::vector<E>& v, int lo, int hi, std::string_view what,
                 size_t at) {
  for (size_t i = 0; i < v.size(); ++i) {
    const int x = static_cast<int>(v[i]);
    if (x < lo || x > hi) {
      return r.Error(std::string(what) + "[" + std::to_string(i) + "] = " + std::to_string(x) +
                         " is not a valid value",
                     at);
    }
  }
  return Status::Ok();
}

Status CheckRanges(ByteReader& r, const std::vector<uint64_t>& begin,
                   const std::vector<uint64_t>& end, size_t size, std::string_view what,
                   size_t at) {
  for (size_t i = 0; i < begin.size(); ++i) {
    if (begin[i] > end[i] || end[i] > size) {
      return r.Error(std::string(what) + " range of node " + std::to_string(i) + " [" +
                         std::to_string(begin[i]) + ", " + std::to_string(end[i]) +
                         ") lies outside its array of " + std::to_string(size),
                     at);
    }
  }
  return Status::Ok();
}

template <typename T>
Status ReadValues(ByteReader& r, std::vector<double>* out, std::string_view what) {
  return r.Array<T, double>(out, what);
}

Status ReadTree(ByteReader& r, ValueType vt, Tree* t) {
  const size_t tree_at = r.offset();
  int32_t num_nodes = 0;
  uint8_t has_cat = 0;
  RETURN_IF_ERROR(r.Scalar(&num_nodes, "num_nodes"));
  if (num_nodes <= 0) return r.Error("tree has " + std::to_string(num_nodes) + " nodes", tree_at);
  RETURN_IF_ERROR(r.Scalar(&has_cat, "has_categorical_split"));
  t->has_categorical_split = has_cat != 0;
  const bool f32 = vt == ValueType::kFloat32;
  auto values = [&](std::vector<double>* out, std::string_view what) {
    return f32 ? ReadValues<float>(r, out, what) : ReadValues<double>(r, out, what);
  };
  RETURN_IF_ERROR((r.Array<int8_t, NodeType>(&t->node_type, "node_type")));
  RETURN_IF_ERROR(r.Array<int32_t>(&t->left_child, "cleft"));
  RETURN_IF_ERROR(r.Array<int32_t>(&t->right_child, "cright"));
  RETURN_IF_ERROR(r.Array<int32_t>(&t->split_index, "split_index"));
  RETURN_IF_ERROR(r.Array<uint8_t>(&t->default_left, "default_left"));
  RETURN_IF_ERROR(values(&t->leaf_value, "leaf_value"));
  RETURN_IF_ERROR(values(&t->threshold, "threshold"));
  RETURN_IF_ERROR((r.Array<int8_t, Operator>(&t->cmp, "cmp")));
  RETURN_IF_ERROR(r.Array<uint8_t>(&t->category_list_right_child, "category_list_right_child"));
  RETURN_IF_ERROR(values(&t->leaf_vector, "leaf_vector"));
  RETURN_IF_ERROR(r.Array<uint64_t>(&t->leaf_vector_begin, "leaf_vector_begin"));
  RETURN_IF_ERROR(r.Array<uint64_t>(&t->leaf_vector_end, "leaf_vector_end"));
  RETURN_IF_ERROR(r.Array<uint32_t>(&t->category_list, "category_list"));
  RETURN_IF_ERROR(r.Array<uint64_t>(&t->category_list_begin, "category_list_begin"));
  RETURN_IF_ERROR(r.Array<uint64_t>(&t->category_list_end, "category_list_end"));
  RETURN_IF_ERROR(r.Array<uint64_t>(&t->data_count, "data_count"));
  RETURN_IF_ERROR(r.Array<uint8_t>(&t->data_count_present, "data_count_present"));
  RETURN_IF_ERROR(r.Array<double>(&t->sum_hess, "sum_hess"));
  RETURN_IF_ERROR(r.Array<uint8_t>(&t->sum_hess_present, "sum_hess_present"));
  RETURN_IF_ERROR(r.Array<double>(&t->gain, "gain"));
  RETURN_IF_ERROR(r.Array<uint8_t>(&t->gain_present, "gain_present"));

  const size_t n = static_cast<size_t>(num_nodes);
  // Structural arrays have one entry per node. Treelite leaves a statistics array empty when
  // the source model had none, so those may also be empty.
  const struct { size_t size; const char* name; bool may_be_empty; } per_node[] = {
      {t->node_type.size(), "node_type", false},
      {t->left_child.size(), "cleft", false},
      {t->right_child.size(), "cright", false},
      {t->split_index.size(), "split_index", false},
      {t->default_left.size(), "default_left", false},
      {t->leaf_value.size(), "leaf_value", false},
      {t->threshold.size(), "threshold", false},
      {t->cmp.size(), "cmp", false},
      {t->category_list_right_child.size(), "category_list_right_child", false},
      {t->leaf_vector_begin.size(), "leaf_vector_begin", false},
      {t->leaf_vector_end.size(), "leaf_vector_end", false},
      {t->category_list_begin.size(), "category_list_begin", false},
      {t->category_list_end.size(), "category_list_end", false},
      {t->data_count.size(), "data_count", true},
      {t->data_count_present.size(), "data_count_present", true},
      {t->sum_hess.size(), "sum_hess", true},
      {t->sum_hess_present.size(), "sum_hess_present", true},
      {t->gain.size(), "gain", true},
      {t->gain_present.size(), "gain_present", true},
  };
  for (const auto& a : per_node) {
    if (a.size != n && !(a.may_be_empty && a.size == 0)) {
      return r.Error("tree with " + std::to_string(n) + " nodes has " + std::to_string(a.size) +
                         " entries in " + a.name,
                     tree_at);
    }
  }
  RETURN_IF_ERROR(CheckEnum(r, t->node_type, 0, 2, "node_type", tree_at));
  RETURN_IF_ERROR(CheckEnum(r, t->cmp, 0, 5, "cmp", tree_at));
  RETURN_IF_ERROR(CheckRanges(r, t->leaf_vector_begin, t->leaf_vector_end, t->leaf_vector.size(),
                              "leaf_vector", tree_at));
  RETURN_IF_ERROR(CheckRanges(r, t->category_list_begin, t->category_list_end,
                              t->category_list.size(), "category_list", tree_at));

  // Extension slot 2: per-tree optional fields; slot 3: per-node optional fields.
  for (int slot = 0; slot < 2; ++slot) {
    int32_t num_opt = 0;
    RETURN_IF_ERROR(r.Scalar(&num_opt, slot == 0 ? "num_opt_field_per_tree" : "num_opt_field_per_node"));
    if (num_opt < 0) return r.Error("negative optional field count");
    for (int32_t i = 0; i < num_opt; ++i) {
      OptField f;
      RETURN_IF_ERROR(ReadOptFieldHeader(r, &f));
      if (slot == 0 && f.name == ck::kLinearCoeff) {
        RETURN_IF_ERROR(ReadOptPayload<double>(r, f, 0, false, &t->linear_coeff));
      } else if (slot == 0 && f.name == ck::kLinearFeature) {
        RETURN_IF_ERROR(ReadOptPayload<int32_t>(r, f, 0, false, &t->linear_feature));
      } else if (slot == 1 && f.name == ck::kMissingType) {
        std::vector<uint8_t> raw;
        RETURN_IF_ERROR(ReadOptPayload<uint8_t>(r, f, n, true, &raw));
        t->missing_type.resize(n);
        for (size_t k = 0; k < n; ++k) {
          if (raw[k] > 2) return r.Error("larch.missing_type value " + std::to_string(raw[k]), f.at);
          t->missing_type[k] = static_cast<MissingType>(raw[k]);
        }
      } else if (slot == 1 && f.name == ck::kLinearConst) {
        RETURN_IF_ERROR(ReadOptPayload<double>(r, f, n, true, &t->linear_const));
      } else if (slot == 1 && f.name == ck::kLinearBegin) {
        RETURN_IF_ERROR(ReadOptPayload<uint64_t>(r, f, n, true, &t->linear_begin));
      } else if (slot == 1 && f.name == ck::kLinearEnd) {
        RETURN_IF_ERROR(ReadOptPayload<uint64_t>(r, f, n, true, &t->linear_end));
      } else {
        RETURN_IF_ERROR(r.Skip(f.elem_size * f.nelem, "optional field '" + f.name + "'"));
      }
    }
  }
  // Linear leaves come as a set: all five arrays, consistent with each other.
  const bool any_linear = !t->linear_coeff.empty() || !t->linear_feature.empty() ||
                          !t->linear_const.empty() || !t->linear_begin.empty() ||
                          !t->linear_end.empty();
  if (any_linear) {
    if (t->linear_const.size() != n || t->linear_begin.size() != n || t->linear_end.size() != n ||
        t->linear_coeff.size() != t->linear_feature.size()) {
      return r.Error("incomplete larch linear-leaf fields", tree_at);
    }
    RETURN_IF_ERROR(CheckRanges(r, t->linear_begin, t->linear_end, t->linear_coeff.size(),
                                "larch.linear_coeff", tree_at));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Forest> LoadTreeliteCheckpoint(std::span<const std::byte> bytes) {
  ByteReader r(bytes, "treelite checkpoint");
  Forest f;
  RETURN_IF_ERROR(r.Scalar(&f.version_major, "major version"));
  RETURN_IF_ERROR(r.Scalar(&f.version_minor, "minor version"));
  RETURN_IF_ERROR(r.Scalar(&f.version_patch, "patch version"));
  if (f.version_major != 4) {
    return Status::Unsupported("treelite checkpoint: version " + std::to_string(f.version_major) +
                               "." + std::to_string(f.version_minor) + "." +
                               std::to_string(f.version_patch) +
                               " is not supported (larch reads Treelite 4 checkpoints)");
  }
  uint8_t thr_type = 0, leaf_type = 0;
  RETURN_IF_ERROR(r.Scalar(&thr_type, "threshold_type"));
  RETURN_IF_ERROR(r.Scalar(&leaf_type, "leaf_output_type"));
  if ((thr_type != ck::kTypeFloat32 && thr_type != ck::kTypeFloat64) || thr_type != leaf_type) {
    return r.Error("threshold_type " + std::to_string(thr_type) + " / leaf_output_type " +
                       std::to_string(leaf_type) + " must both be 2 (float32) or both 3 (float64)",
                   12);
  }
  f.value_type = thr_type == ck::kTypeFloat32 ? ValueType::kFloat32 : ValueType::kFloat64;
  uint64_t num_tree = 0;
  RETURN_IF_ERROR(r.Scalar(&num_tree, "num_tree"));
  RETURN_IF_ERROR(r.Scalar(&f.num_feature, "num_feature"));
  uint8_t task = 0, avg = 0;
  const size_t task_at = r.offset();
  RETURN_IF_ERROR(r.Scalar(&task, "task_type"));
  if (task > 4) return r.Error("task_type " + std::to_string(task) + " is not valid", task_at);
  f.task_type = static_cast<TaskType>(task);
  RETURN_IF_ERROR(r.Scalar(&avg, "average_tree_output"));
  f.average_tree_output = avg != 0;
  RETURN_IF_ERROR(r.Scalar(&f.num_target, "num_target"));
  RETURN_IF_ERROR(r.Array<int32_t>(&f.num_class, "num_class"));
  std::vector<int32_t> shape;
  const size_t shape_at = r.offset();
  RETURN_IF_ERROR(r.Array<int32_t>(&shape, "leaf_vector_shape"));
  if (shape.size() != 2) return r.Error("leaf_vector_shape must have 2 entries", shape_at);
  f.leaf_vector_shape[0] = shape[0];
  f.leaf_vector_shape[1] = shape[1];
  RETURN_IF_ERROR(r.Array<int32_t>(&f.target_id, "target_id"));
  RETURN_IF_ERROR(r.Array<int32_t>(&f.class_id, "class_id"));
  RETURN_IF_ERROR(r.String(&f.postprocessor, "postprocessor"));
  RETURN_IF_ERROR(r.Scalar(&f.sigmoid_alpha, "sigmoid_alpha"));
  RETURN_IF_ERROR(r.Scalar(&f.ratio_c, "ratio_c"));
  RETURN_IF_ERROR(r.Array<double>(&f.base_scores, "base_scores"));
  RETURN_IF_ERROR(r.String(&f.attributes, "attributes"));
  int32_t num_opt = 0;
  RETURN_IF_ERROR(r.Scalar(&num_opt, "num_opt_field_per_model"));
  if (num_opt < 0) return r.Error("negative optional field count");
  for (int32_t i = 0; i < num_opt; ++i) {
    OptField opt;
    RETURN_IF_ERROR(ReadOptFieldHeader(r, &opt));
    if (opt.name == ck::kDefaultOutputIsClass) {
      std::vector<uint8_t> v;
      RETURN_IF_ERROR(ReadOptPayload<uint8_t>(r, opt, 1, true, &v));
      f.default_output_is_class = v[0] != 0;
    } else if (opt.name == ck::kMarginBeforeAveraging) {
      std::vector<uint8_t> v;
      RETURN_IF_ERROR(ReadOptPayload<uint8_t>(r, opt, 1, true, &v));
      f.margin_before_averaging = v[0] != 0;
    } else {
      RETURN_IF_ERROR(r.Skip(opt.elem_size * opt.nelem, "optional field '" + opt.name + "'"));
    }
  }
  // A tree takes at least 4 + 1 + 21 * 8 + 8 bytes; never reserve more than the file can hold.
  constexpr uint64_t kMinTreeBytes = 4 + 1 + 21 * 8 + 8;
  if (num_tree > r.remaining() / kMinTreeBytes) {
    return r.Error("num_tree " + std::to_string(num_tree) + " is more than the remaining " +
                       std::to_string(r.remaining()) + " bytes can hold",
                   16);
  }
  f.trees.reserve(num_tree);
  for (uint64_t i = 0; i < num_tree; ++i) {
    Tree t;
    Status s = ReadTree(r, f.value_type, &t);
    if (!s.ok()) return Status(s.code(), s.message() + " (tree " + std::to_string(i) + ")");
    f.trees.push_back(std::move(t));
  }
  if (!r.AtEnd()) {
    return r.Error(std::to_string(r.remaining()) + " unexpected bytes after the last tree");
  }
  return f;
}

}  // namespace larch::forest
