// The line-level reading of LightGBM's text model format: `key=value` lines grouped into the
// header and one block per `Tree=N`, with number lists parsed and checked against the line
// they came from (errors name the line number and point at the bad token).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace larch::forest {

struct TextLine {
  std::string_view key;    // before '=' (the whole line when there is none)
  std::string_view value;  // after '='
  size_t number = 0;       // 1-based
  bool has_equals = false;
};

// One group of consecutive lines (the header, or one tree block without its Tree= line).
class TextBlock {
 public:
  std::vector<TextLine> lines;
  size_t first_line = 0;  // the line that opened the block

  const TextLine* Find(std::string_view key) const {
    for (const TextLine& l : lines) {
      if (l.key == key) return &l;
    }
    return nullptr;
  }
};

struct LightgbmText {
  TextBlock header;
  std::vector<TextBlock> trees;  // trees[i] came from "Tree=i"
};

// Splits the file into header and tree blocks; stops at "end of trees" (what follows is
// feature importances and training parameters). INVALID_ARGUMENT if the file does not start
// with "tree", tree blocks are out of order, or "end of trees" is missing (truncated file).
Status SplitLightgbmText(std::span<const std::byte> bytes, LightgbmText* out);

// "LightGBM text: line N: <message>\n  <line text>\n  ^" pointing at `column` of the line.
Status LineError(const TextLine& line, std::string_view message, size_t column = 0,
                 StatusCode code = StatusCode::kInvalidArgument);

// Parses a space-separated list of numbers from `line.value`. `expected` < 0 accepts any count.
Status ParseNumberList(const TextLine& line, int64_t expected, std::vector<double>* out);
Status ParseIntList(const TextLine& line, int64_t expected, int64_t lo, int64_t hi,
                    std::vector<int64_t>* out);
// A single integer value in [lo, hi].
Status ParseIntValue(const TextLine& line, int64_t lo, int64_t hi, int64_t* out);

}  // namespace larch::forest
