// A parsed JSON or UBJSON document: the one shape that both XGBoost readers produce, so that
// one model builder (xgboost_model_builder.h) turns either into identical IR.
//
// Layout: every value is a DocValue. Containers refer to a contiguous range of children in
// nodes_ (object members carry their key). Arrays whose elements are all numbers or booleans
// (nearly all of an XGBoost model) are stored instead as a range of numbers_, so a model with
// millions of node fields costs one double per field and no per-element node.
//
//   nodes_:   [ ... | member "trees" (kArray, begin=b, count=n) | ... | tree 0 | tree 1 | ... ]
//   numbers_: [ ... | left_children of tree 0 ... | split_conditions of tree 0 ... | ... ]
//
// Strings are views into the source bytes, or into owned storage when the JSON text had escapes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace larch::forest {

enum class DocKind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject, kNumberArray };

struct DocValue {
  DocKind kind = DocKind::kNull;
  bool boolean = false;
  // kNumber: written as an integer (JSON: no fraction or exponent; UBJSON: an integer type).
  bool is_integer = false;
  double number = 0.0;
  std::string_view text;  // kString
  std::string_view key;   // the member name, for a value inside an object
  uint64_t begin = 0;     // kArray/kObject: first child in nodes_; kNumberArray: in numbers_
  uint64_t count = 0;
  uint64_t offset = 0;    // where the value starts in the source, for error messages
};

class Document {
 public:
  Document(std::span<const std::byte> source, std::string_view format, bool binary)
      : source_(source), format_(format), binary_(binary) {}

  const DocValue& Root() const { return root_; }
  // Array elements or object members (empty for a number array: use Numbers).
  std::span<const DocValue> Children(const DocValue& v) const {
    if (v.kind != DocKind::kArray && v.kind != DocKind::kObject) return {};
    return {nodes_.data() + v.begin, v.count};
  }
  // The elements of a number array (booleans as 0/1); empty for anything else.
  std::span<const double> Numbers(const DocValue& v) const {
    if (v.kind != DocKind::kNumberArray) return {};
    return {numbers_.data() + v.begin, v.count};
  }
  // The first member named `key` of an object, or nullptr.
  const DocValue* Find(const DocValue& object, std::string_view key) const;

  // INVALID_ARGUMENT naming the format, the offset and an excerpt with a caret.
  Status ErrorAt(uint64_t offset, std::string_view message) const;
  std::string_view format() const { return format_; }

  // Building (used by the parsers only).
  std::vector<DocValue>& nodes() { return nodes_; }
  std::vector<double>& numbers() { return numbers_; }
  std::string_view Own(std::string s) {
    owned_.push_back(std::move(s));
    return owned_.back();
  }
  void SetRoot(const DocValue& v) { root_ = v; }

 private:
  std::span<const std::byte> source_;
  std::string_view format_;
  bool binary_;
  DocValue root_;
  std::vector<DocValue> nodes_;
  std::vector<double> numbers_;
  std::deque<std::string> owned_;  // deque: views into it stay valid as it grows
};

// Shared by both parsers: appends the finished children of one container from `scratch`
// (starting at `first`) to the document and returns the container's value. Arrays of numbers
// and booleans only (or empty arrays) become kNumberArray.
DocValue FinishContainer(Document* doc, std::vector<DocValue>* scratch, size_t first,
                         bool is_object, uint64_t offset);

// Parsers. Nesting deeper than kMaxDocumentDepth is an error (no stack exhaustion on hostile
// input).
constexpr int kMaxDocumentDepth = 200;
Status ParseJson(std::span<const std::byte> bytes, Document* doc);    // json_reader.cc
Status ParseUbjson(std::span<const std::byte> bytes, Document* doc);  // ubjson_reader.cc

}  // namespace larch::forest
