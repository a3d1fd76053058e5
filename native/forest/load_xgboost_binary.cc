// XGBoost's legacy binary model files -> forest IR. XGBoost 1.x and 2.0 write them for
// Booster.save_model(name) when the name does not end in .json or .ubj (2.1 and 3.0 only for a
// ".deprecated" name; 3.1 dropped the format); FIL calls the format model_type "xgboost".
//
// Layout (little-endian; a "string" or "vector" is a u64 count followed by its elements):
//
//   "binf"                        4 bytes, written since XGBoost 1.5 (1.0 - 1.4 start at once
//                                 with the learner parameters)
//   learner parameters            136 bytes
//     +0 f32 base_score (as the user gives it: a probability for binary:logistic)
//     +4 u32 num_feature   +8 i32 num_class   +12 i32 contain_extra_attrs
//     +16 i32 contain_eval_metrics   +20 u32 major_version   +24 u32 minor_version
//     +28 u32 num_target (0 = 1)   +32 i32 boost_from_average   +36 i32 reserved[25]
//   string objective name, string booster name ("gbtree" or "dart")
//   gbtree parameters             160 bytes
//     +0 i32 num_trees   +4 i32 num_parallel_tree   +8 i32 num_feature   +12 i32 pad
//     +16 i64 num_pbuffer   +24 i32 num_output_group   +28 i32 size_leaf_vector
//     +32 i32 reserved[32]
//   num_trees times:
//     tree parameters             148 bytes
//       +0 i32 num_roots (1)   +4 i32 num_nodes   +8 i32 num_deleted   +12 i32 max_depth
//       +16 u32 num_feature   +20 i32 size_leaf_vector (0 or 1: scalar leaves)
//       +24 i32 reserved[31]
//     num_nodes nodes             20 bytes each
//       i32 parent (bit 31: is a left child), i32 left (-1 at a leaf), i32 right,
//       u32 split feature (bit 31: missing goes left), f32 threshold or, at a leaf, its value
//     num_nodes statistics        16 bytes each
//       f32 loss_change, f32 sum_hessian, f32 base_weight, i32 leaf_child_count
//   i32 tree_info[num_trees]      the output (class or target) of each tree; no count prefix
//   dart only, when num_trees > 0: vector<f32> weight_drop
//   when contain_extra_attrs: vector<(string, string)> attributes ("objective" holds the
//                                 objective's JSON config, "best_iteration", ...)
//
// The fields are copied into a Document of the JSON model's shape (xgboost_model_builder.h),
// each value carrying its byte offset, so a binary model and the same booster saved as JSON
// build identical IR through one builder. Categorical splits and vector leaves cannot be
// written in this format (XGBoost refuses); files from XGBoost < 1.0 store base_score as a
// margin and are refused (UNSUPPORTED).
#include <cstring>
#include <string>
#include <vector>

#include "forest/byte_reader.h"
#include "forest/document.h"
#include "forest/loaders.h"
#include "forest/xgboost_model_builder.h"

namespace larch::forest {
namespace {

constexpr std::string_view kFormat = "XGBoost binary";
constexpr size_t kLearnerParamBytes = 136;
constexpr size_t kGbtreeParamBytes = 160;
constexpr size_t kTreeParamBytes = 148;
constexpr size_t kNodeBytes = 20;
constexpr size_t kStatBytes = 16;
constexpr size_t kMaxNameBytes = 256;  // objective and booster names

template <typename T>
T At(const std::byte* p, size_t offset) {
  T v;
  std::memcpy(&v, p + offset, sizeof(T));
  return v;
}

// Builds the Document: scratch_ holds the finished children of every open container, as the
// text parsers do, so each container's members end up contiguous in the document.
class BinaryParser {
 public:
  BinaryParser(std::span<const std::byte> bytes, Document* doc)
      : bytes_(bytes), in_(bytes, kFormat), doc_(doc) {}

  Status Parse();

 private:
  size_t Open() const { return scratch_.size(); }
  void Close(size_t first, std::string_view key, bool is_object, uint64_t offset) {
    DocValue v = FinishContainer(doc_, &scratch_, first, is_object, offset);
    v.key = key;
    scratch_.push_back(v);
  }
  void Number(std::string_view key, double value, uint64_t offset, bool is_integer = true) {
    DocValue v;
    v.kind = DocKind::kNumber;
    v.number = value;
    v.is_integer = is_integer;
    v.key = key;
    v.offset = offset;
    scratch_.push_back(v);
  }
  void Text(std::string_view key, std::string_view text, uint64_t offset) {
    DocValue v;
    v.kind = DocKind::kString;
    v.text = text;
    v.key = key;
    v.offset = offset;
    scratch_.push_back(v);
  }
  // A number array member whose elements are appended to the document afterwards.
  std::vector<double>& NumberArray(std::string_view key, uint64_t count, uint64_t offset) {
    DocValue v;
    v.kind = DocKind::kNumberArray;
    v.key = key;
    v.offset = offset;
    v.begin = doc_->numbers().size();
    v.count = count;
    scratch_.push_back(v);
    return doc_->numbers();
  }

  Status Name(std::string* out, std::string_view what);
  Status Tree(int64_t index);

  std::span<const std::byte> bytes_;
  ByteReader in_;
  Document* doc_;
  std::vector<DocValue> scratch_;
};

Status BinaryParser::Name(std::string* out, std::string_view what) {
  const size_t at = in_.offset();
  uint64_t n = 0;
  RETURN_IF_ERROR(in_.Scalar(&n, what));
  if (n == 0 || n > kMaxNameBytes) {
    return in_.Error(std::string(what) + " has length " + std::to_string(n) + ", expected 1 to " +
                         std::to_string(kMaxNameBytes) + " characters",
                     at);
  }
  const size_t text_at = in_.offset();
  RETURN_IF_ERROR(in_.Skip(n, what));
  out->assign(reinterpret_cast<const char*>(bytes_.data() + text_at), n);
  return Status::Ok();
}

Status BinaryParser::Tree(int64_t index) {
  const std::string where = "tree " + std::to_string(index);
  const size_t tree_at = in_.offset();
  if (in_.remaining() < kTreeParamBytes) {
    return in_.Error("truncated file: " + where + " parameters need " +
                     std::to_string(kTreeParamBytes) + " bytes, " +
                     std::to_string(in_.remaining()) + " left");
  }
  const std::byte* param = bytes_.data() + tree_at;
  const int32_t num_roots = At<int32_t>(param, 0);
  const int32_t num_nodes = At<int32_t>(param, 4);
  const int32_t size_leaf_vector = At<int32_t>(param, 20);
  if (num_roots != 1) {
    return in_.Error(where + " has num_roots " + std::to_string(num_roots) + ", expected 1");
  }
  if (num_nodes < 1) {
    return in_.Error(where + " has num_nodes " + std::to_string(num_nodes) + ", expected >= 1",
                     tree_at + 4);
  }
  if (size_leaf_vector != 0 && size_leaf_vector != 1) {
    return Status::Unsupported(
        in_.Error(where + " has leaf vectors of " + std::to_string(size_leaf_vector) +
                      " values, which XGBoost never writes in its binary format",
                  tree_at + 20)
            .message());
  }
  RETURN_IF_ERROR(in_.Skip(kTreeParamBytes, where + " parameters"));
  const size_t nodes_at = in_.offset();
  const uint64_t n = static_cast<uint64_t>(num_nodes);
  if (n > in_.remaining() / (kNodeBytes + kStatBytes)) {
    return in_.Error("truncated file: " + where + " claims " + std::to_string(n) +
                         " nodes (" + std::to_string(kNodeBytes + kStatBytes) +
                         " bytes each) but only " + std::to_string(in_.remaining()) +
                         " bytes follow",
                     tree_at + 4);
  }
  const size_t stats_at = nodes_at + n * kNodeBytes;

  const size_t tree = Open();
  {
    const size_t p = Open();
    Number("num_nodes", static_cast<double>(n), tree_at + 4);
    Number("size_leaf_vector", static_cast<double>(size_leaf_vector), tree_at + 20);
    Close(p, "tree_param", /*is_object=*/true, tree_at);
  }
  // One number array per node field, in the JSON model's names. Each is filled before the
  // next is opened, so its elements are contiguous in the document's numbers.
  struct Field {
    std::string_view key;
    size_t base;    // first byte of node 0's value
    size_t stride;  // bytes between nodes
    int kind;       // 0 i32, 1 split index, 2 default-left bit, 3 f32
  };
  const Field fields[] = {
      {"left_children", nodes_at + 4, kNodeBytes, 0},
      {"right_children", nodes_at + 8, kNodeBytes, 0},
      {"split_indices", nodes_at + 12, kNodeBytes, 1},
      {"default_left", nodes_at + 12, kNodeBytes, 2},
      {"split_conditions", nodes_at + 16, kNodeBytes, 3},
      {"loss_changes", stats_at + 0, kStatBytes, 3},
      {"sum_hessian", stats_at + 4, kStatBytes, 3},
  };
  for (const Field& f : fields) {
    std::vector<double>& out = NumberArray(f.key, n, f.base);
    for (uint64_t i = 0; i < n; ++i) {
      const std::byte* p = bytes_.data() + f.base + i * f.stride;
      switch (f.kind) {
        case 0: out.push_back(At<int32_t>(p, 0)); break;
        case 1: out.push_back(At<uint32_t>(p, 0) & 0x7fffffffu); break;
        case 2: out.push_back(At<uint32_t>(p, 0) >> 31); break;
        default: out.push_back(At<float>(p, 0)); break;
      }
    }
  }
  Close(tree, "", /*is_object=*/true, tree_at);
  return in_.Skip(n * (kNodeBytes + kStatBytes), where + " nodes");
}

Status BinaryParser::Parse() {
  const auto* c = reinterpret_cast<const unsigned char*>(bytes_.data());
  if (!bytes_.empty() && c[0] == '{' && !LooksLikeXgboostBinary(bytes_)) {
    return in_.Error("the file starts with '{': it is an XGBoost JSON or UBJSON model, not the "
                     "legacy binary format; load it with format 'xgboost_json' or 'xgboost_ubj' "
                     "(FIL model_type xgboost_json / xgboost_ubj)",
                     0);
  }
  if (bytes_.size() >= 4 && std::memcmp(c, "binf", 4) == 0) RETURN_IF_ERROR(in_.Skip(4, "header"));

  // Learner parameters.
  const size_t lp_at = in_.offset();
  if (in_.remaining() < kLearnerParamBytes) {
    return in_.Error("truncated file: the learner parameters need " +
                     std::to_string(kLearnerParamBytes) + " bytes, " +
                     std::to_string(in_.remaining()) + " left");
  }
  const std::byte* lp = bytes_.data() + lp_at;
  const float base_score = At<float>(lp, 0);
  const uint32_t num_feature = At<uint32_t>(lp, 4);
  const int32_t num_class = At<int32_t>(lp, 8);
  const int32_t contain_extra_attrs = At<int32_t>(lp, 12);
  const uint32_t major_version = At<uint32_t>(lp, 20);
  const uint32_t minor_version = At<uint32_t>(lp, 24);
  uint32_t num_target = At<uint32_t>(lp, 28);
  if (num_target == 0) num_target = 1;
  if (major_version < 1) {
    return Status::Unsupported(
        in_.Error("the model was written by XGBoost " + std::to_string(major_version) + "." +
                      std::to_string(minor_version) +
                      " (before 1.0), which stores base_score as a margin; load it with XGBoost "
                      ">= 1.0 and save it again (as JSON)",
                  lp_at + 20)
            .message());
  }
  RETURN_IF_ERROR(in_.Skip(kLearnerParamBytes, "learner parameters"));

  std::string objective, booster;
  const size_t objective_at = in_.offset() + 8;
  RETURN_IF_ERROR(Name(&objective, "the objective name"));
  const size_t booster_at = in_.offset() + 8;
  RETURN_IF_ERROR(Name(&booster, "the booster name"));
  const bool dart = booster == "dart";
  if (!dart && booster != "gbtree") {
    return Status::Unsupported(
        in_.Error("XGBoost booster '" + booster + "' is not supported (gbtree and dart are)",
                  booster_at)
            .message());
  }

  // gbtree parameters, then the trees and their outputs.
  const size_t gp_at = in_.offset();
  if (in_.remaining() < kGbtreeParamBytes) {
    return in_.Error("truncated file: the gbtree parameters need " +
                     std::to_string(kGbtreeParamBytes) + " bytes, " +
                     std::to_string(in_.remaining()) + " left");
  }
  const int32_t num_trees = At<int32_t>(bytes_.data() + gp_at, 0);
  const int32_t gbtree_leaf_vector = At<int32_t>(bytes_.data() + gp_at, 28);
  if (num_trees < 0) {
    return in_.Error("num_trees is " + std::to_string(num_trees) + ", expected >= 0", gp_at);
  }
  if (static_cast<uint64_t>(num_trees) > (in_.remaining() - kGbtreeParamBytes) / kTreeParamBytes) {
    return in_.Error("truncated file: num_trees is " + std::to_string(num_trees) + " but the " +
                         std::to_string(in_.remaining() - kGbtreeParamBytes) +
                         " bytes after the gbtree parameters cannot hold that many trees",
                     gp_at);
  }
  if (gbtree_leaf_vector != 0 && gbtree_leaf_vector != 1) {
    return Status::Unsupported(
        in_.Error("the gbtree parameters give leaf vectors of " +
                      std::to_string(gbtree_leaf_vector) + " values", gp_at + 28)
            .message());
  }
  RETURN_IF_ERROR(in_.Skip(kGbtreeParamBytes, "gbtree parameters"));

  // The document: { learner: { learner_model_param, objective, gradient_booster } }.
  const size_t root = Open();
  const size_t learner = Open();
  {
    const size_t p = Open();
    Number("base_score", base_score, lp_at, /*is_integer=*/false);
    Number("num_feature", num_feature, lp_at + 4);
    Number("num_class", num_class, lp_at + 8);
    Number("num_target", num_target, lp_at + 28);
    Close(p, "learner_model_param", true, lp_at);
  }
  {
    const size_t p = Open();
    Text("name", doc_->Own(objective), objective_at);
    Close(p, "objective", true, objective_at);
  }
  const size_t gb = Open();
  Text("name", doc_->Own(booster), booster_at);
  const size_t inner = dart ? Open() : gb;  // dart: { name, gbtree: { model }, weight_drop }
  const size_t model = Open();
  {
    const size_t p = Open();
    Number("num_trees", num_trees, gp_at);
    Close(p, "gbtree_model_param", true, gp_at);
  }
  const size_t trees = Open();
  const size_t trees_at = in_.offset();
  for (int32_t t = 0; t < num_trees; ++t) RETURN_IF_ERROR(Tree(t));
  Close(trees, "trees", /*is_object=*/false, trees_at);
  {
    const size_t at = in_.offset();
    const uint64_t n = static_cast<uint64_t>(num_trees);
    if (n > in_.remaining() / 4) {
      return in_.Error("truncated file: tree_info needs " + std::to_string(4 * n) + " bytes, " +
                       std::to_string(in_.remaining()) + " left");
    }
    std::vector<double>& out = NumberArray("tree_info", n, at);
    for (uint64_t i = 0; i < n; ++i) out.push_back(At<int32_t>(bytes_.data() + at, 4 * i));
    RETURN_IF_ERROR(in_.Skip(4 * n, "tree_info"));
  }
  Close(model, "model", true, gp_at);
  if (dart) {
    Close(inner, "gbtree", true, gp_at);
    const size_t at = in_.offset();
    std::vector<float> weights;
    if (num_trees > 0) RETURN_IF_ERROR(in_.Array<float>(&weights, "dart weight_drop"));
    std::vector<double>& out = NumberArray("weight_drop", weights.size(), at);
    out.insert(out.end(), weights.begin(), weights.end());
  }
  Close(gb, "gradient_booster", true, booster_at);
  Close(learner, "learner", true, lp_at);
  DocValue top = FinishContainer(doc_, &scratch_, root, /*is_object=*/true, 0);
  doc_->SetRoot(top);

  // Attributes: checked for shape only; none changes predictions.
  if (contain_extra_attrs != 0) {
    uint64_t count = 0;
    RETURN_IF_ERROR(in_.Count(16, &count, "the attribute count"));
    std::string key, value;
    for (uint64_t i = 0; i < count; ++i) {
      RETURN_IF_ERROR(in_.String(&key, "an attribute name"));
      RETURN_IF_ERROR(in_.String(&value, "attribute '" + key + "'"));
    }
  }
  if (!in_.AtEnd()) {
    return in_.Error(std::to_string(in_.remaining()) + " unexpected bytes after the model");
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeXgboostBinary(std::span<const std::byte> bytes) {
  const auto* c = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t at = 0;
  if (bytes.size() >= 4 && std::memcmp(c, "binf", 4) == 0) return true;
  // Headerless (XGBoost 1.0 - 1.4): the objective name ("reg:...", "binary:...") and then the
  // booster name must follow the 136 bytes of learner parameters.
  at = kLearnerParamBytes;
  auto name = [&](std::string_view* out) {
    if (bytes.size() < at + 8) return false;
    const uint64_t n = At<uint64_t>(bytes.data(), at);
    if (n == 0 || n > 64 || bytes.size() - at - 8 < n) return false;
    *out = std::string_view(reinterpret_cast<const char*>(c + at + 8), n);
    at += 8 + n;
    return true;
  };
  std::string_view objective, booster;
  if (!name(&objective) || !name(&booster)) return false;
  const size_t colon = objective.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (char ch : objective) {
    if (!((ch >= 'a' && ch <= 'z') || ch == ':' || ch == '_')) return false;
  }
  return booster == "gbtree" || booster == "dart" || booster == "gblinear";
}

StatusOr<Forest> LoadXgboostBinary(std::span<const std::byte> bytes) {
  Document doc(bytes, kFormat, /*binary=*/true);
  RETURN_IF_ERROR(BinaryParser(bytes, &doc).Parse());
  return BuildXgboostForest(doc);
}

}  // namespace larch::forest
