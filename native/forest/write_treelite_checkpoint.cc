// Treelite 4 checkpoint writer: the exact inverse of load_treelite_checkpoint.cc. A checkpoint
// read and written again gives identical bytes; larch's extensions go into Treelite's optional
// field slots (treelite_checkpoint_format.h) and only when the model uses them.
#include <cstring>
#include <string>

#include "forest/loaders.h"
#include "forest/treelite_checkpoint_format.h"

namespace larch::forest {
namespace {

namespace ck = checkpoint;

class ByteWriter {
 public:
  std::vector<std::byte>& bytes() { return out_; }

  template <typename T>
  void Scalar(T v) {
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    std::memcpy(out_.data() + at, &v, sizeof(T));
  }
  // u64 count, then each element converted to `Stored`.
  template <typename Stored, typename In>
  void Array(const std::vector<In>& v) {
    Scalar<uint64_t>(v.size());
    Elements<Stored>(v);
  }
  template <typename Stored, typename In>
  void Elements(const std::vector<In>& v) {
    const size_t at = out_.size();
    out_.resize(at + v.size() * sizeof(Stored));
    std::byte* p = out_.data() + at;
    for (size_t i = 0; i < v.size(); ++i) {
      const Stored s = static_cast<Stored>(v[i]);
      std::memcpy(p + i * sizeof(Stored), &s, sizeof(Stored));
    }
  }
  void String(std::string_view s) {
    Scalar<uint64_t>(s.size());
    const size_t at = out_.size();
    out_.resize(at + s.size());
    if (!s.empty()) std::memcpy(out_.data() + at, s.data(), s.size());
  }
  // name, u64 elem_size, u64 nelem, payload.
  template <typename Stored, typename In>
  void OptField(std::string_view name, const std::vector<In>& v) {
    String(name);
    Scalar<uint64_t>(sizeof(Stored));
    Scalar<uint64_t>(v.size());
    Elements<Stored>(v);
  }

 private:
  std::vector<std::byte> out_;
};

template <typename V>
void WriteTree(ByteWriter& w, const Tree& t) {
  w.Scalar<int32_t>(t.NumNodes());
  w.Scalar<uint8_t>(t.has_categorical_split ? 1 : 0);
  w.Array<int8_t>(t.node_type);
  w.Array<int32_t>(t.left_child);
  w.Array<int32_t>(t.right_child);
  w.Array<int32_t>(t.split_index);
  w.Array<uint8_t>(t.default_left);
  w.Array<V>(t.leaf_value);
  w.Array<V>(t.threshold);
  w.Array<int8_t>(t.cmp);
  w.Array<uint8_t>(t.category_list_right_child);
  w.Array<V>(t.leaf_vector);
  w.Array<uint64_t>(t.leaf_vector_begin);
  w.Array<uint64_t>(t.leaf_vector_end);
  w.Array<uint32_t>(t.category_list);
  w.Array<uint64_t>(t.category_list_begin);
  w.Array<uint64_t>(t.category_list_end);
  w.Array<uint64_t>(t.data_count);
  w.Array<uint8_t>(t.data_count_present);
  w.Array<double>(t.sum_hess);
  w.Array<uint8_t>(t.sum_hess_present);
  w.Array<double>(t.gain);
  w.Array<uint8_t>(t.gain_present);

  const bool linear = t.HasLinearLeaves();
  w.Scalar<int32_t>(linear ? 2 : 0);  // per-tree optional fields
  if (linear) {
    w.OptField<double>(ck::kLinearCoeff, t.linear_coeff);
    w.OptField<int32_t>(ck::kLinearFeature, t.linear_feature);
  }
  bool non_nan_missing = false;
  for (MissingType m : t.missing_type) non_nan_missing |= m != MissingType::kNaN;
  w.Scalar<int32_t>((non_nan_missing ? 1 : 0) + (linear ? 3 : 0));  // per-node optional fields
  if (non_nan_missing) w.OptField<uint8_t>(ck::kMissingType, t.missing_type);
  if (linear) {
    w.OptField<double>(ck::kLinearConst, t.linear_const);
    w.OptField<uint64_t>(ck::kLinearBegin, t.linear_begin);
    w.OptField<uint64_t>(ck::kLinearEnd, t.linear_end);
  }
}

// The per-node arrays must agree with num_nodes, or the file would not read back.
Status CheckTree(const Tree& t, size_t index) {
  const size_t n = t.node_type.size();
  const size_t sizes[] = {t.left_child.size(), t.right_child.size(), t.split_index.size(),
                          t.default_left.size(), t.leaf_value.size(), t.threshold.size(),
                          t.cmp.size(), t.category_list_right_child.size(),
                          t.leaf_vector_begin.size(), t.leaf_vector_end.size(),
                          t.category_list_begin.size(), t.category_list_end.size()};
  for (size_t s : sizes) {
    if (s != n) {
      return Status::Internal("cannot write tree " + std::to_string(index) +
                              ": its per-node arrays have different lengths");
    }
  }
  // Statistics arrays are either empty (no statistics) or per node.
  const size_t stats[] = {t.data_count.size(), t.data_count_present.size(), t.sum_hess.size(),
                          t.sum_hess_present.size(), t.gain.size(), t.gain_present.size()};
  for (size_t s : stats) {
    if (s != n && s != 0) {
      return Status::Internal("cannot write tree " + std::to_string(index) +
                              ": a statistics array has neither 0 nor num_nodes entries");
    }
  }
  if (!t.missing_type.empty() && t.missing_type.size() != n) {
    return Status::Internal("cannot write tree " + std::to_string(index) + ": missing_type length");
  }
  if (t.HasLinearLeaves() &&
      (t.linear_begin.size() != n || t.linear_end.size() != n || t.linear_const.size() != n ||
       t.linear_coeff.size() != t.linear_feature.size())) {
    return Status::Internal("cannot write tree " + std::to_string(index) + ": linear-leaf arrays");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<std::byte>> WriteTreeliteCheckpoint(const Forest& f) {
  for (size_t i = 0; i < f.trees.size(); ++i) RETURN_IF_ERROR(CheckTree(f.trees[i], i));
  ByteWriter w;
  w.Scalar<int32_t>(f.version_major);
  w.Scalar<int32_t>(f.version_minor);
  w.Scalar<int32_t>(f.version_patch);
  const uint8_t type = f.value_type == ValueType::kFloat32 ? ck::kTypeFloat32 : ck::kTypeFloat64;
  w.Scalar<uint8_t>(type);
  w.Scalar<uint8_t>(type);
  w.Scalar<uint64_t>(f.trees.size());
  w.Scalar<int32_t>(f.num_feature);
  w.Scalar<uint8_t>(static_cast<uint8_t>(f.task_type));
  w.Scalar<uint8_t>(f.average_tree_output ? 1 : 0);
  w.Scalar<int32_t>(f.num_target);
  w.Array<int32_t>(f.num_class);
  w.Array<int32_t>(std::vector<int32_t>{f.leaf_vector_shape[0], f.leaf_vector_shape[1]});
  w.Array<int32_t>(f.target_id);
  w.Array<int32_t>(f.class_id);
  w.String(f.postprocessor);
  w.Scalar<float>(f.sigmoid_alpha);
  w.Scalar<float>(f.ratio_c);
  w.Array<double>(f.base_scores);
  w.String(f.attributes);
  // per-model optional fields
  w.Scalar<int32_t>((f.default_output_is_class ? 1 : 0) + (f.margin_before_averaging ? 1 : 0));
  if (f.default_output_is_class) {
    w.OptField<uint8_t>(ck::kDefaultOutputIsClass, std::vector<uint8_t>{1});
  }
  if (f.margin_before_averaging) {
    w.OptField<uint8_t>(ck::kMarginBeforeAveraging, std::vector<uint8_t>{1});
  }
  for (const Tree& t : f.trees) {
    if (f.value_type == ValueType::kFloat32) {
      WriteTree<float>(w, t);
    } else {
      WriteTree<double>(w, t);
    }
  }
  return std::move(w.bytes());
}

}  // namespace larch::forest
