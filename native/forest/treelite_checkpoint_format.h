// Shared facts about the Treelite 4 checkpoint layout (see test/fixtures/README.md) used by the
// reader and the writer, including how larch stores its IR extensions.
//
// Treelite 4 reserves three "optional field" slots: after the model header
// (num_opt_field_per_model), and at the end of each tree (num_opt_field_per_tree, then
// num_opt_field_per_node). Each field is
//   string name (u64 length + bytes), u64 elem_size, u64 nelem, nelem * elem_size bytes
// and Treelite skips every field it does not know. larch writes its extensions there, only when
// a model uses them, so checkpoints of plain models stay byte-identical to Treelite's own:
//   per model: larch.default_output_is_class  u8[1], larch.margin_before_averaging  u8[1]
//   per tree:  larch.linear_coeff  f64[n], larch.linear_feature  i32[n]
//   per node:  larch.missing_type  u8[num_nodes], larch.linear_const  f64[num_nodes],
//              larch.linear_begin  u64[num_nodes], larch.linear_end  u64[num_nodes]
#pragma once

#include <string_view>

namespace larch::forest::checkpoint {

inline constexpr std::string_view kDefaultOutputIsClass = "larch.default_output_is_class";
inline constexpr std::string_view kMarginBeforeAveraging = "larch.margin_before_averaging";
inline constexpr std::string_view kLinearCoeff = "larch.linear_coeff";
inline constexpr std::string_view kLinearFeature = "larch.linear_feature";
inline constexpr std::string_view kMissingType = "larch.missing_type";
inline constexpr std::string_view kLinearConst = "larch.linear_const";
inline constexpr std::string_view kLinearBegin = "larch.linear_begin";
inline constexpr std::string_view kLinearEnd = "larch.linear_end";

// Type codes of threshold_type / leaf_output_type (Treelite's TypeInfo).
inline constexpr uint8_t kTypeFloat32 = 2;
inline constexpr uint8_t kTypeFloat64 = 3;

}  // namespace larch::forest::checkpoint
