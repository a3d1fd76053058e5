// LightGBM text format: lines, blocks and number lists.
#include "forest/lightgbm_text.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace larch::forest {
namespace {

constexpr size_t kExcerptWidth = 60;

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The whole text of a line (key=value), shown shortened around `column`.
std::string ShowLine(const TextLine& line, size_t column) {
  std::string text(line.key);
  if (line.has_equals) text.append("=").append(line.value);
  size_t begin = column > kExcerptWidth / 2 ? column - kExcerptWidth / 2 : 0;
  std::string shown = text.substr(begin, kExcerptWidth);
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '.';
  }
  std::string out = "  " + (begin > 0 ? std::string("...") : std::string()) + shown;
  if (begin + kExcerptWidth < text.size()) out += "...";
  out += "\n  " + std::string((begin > 0 ? 3 : 0) + column - begin, ' ') + "^";
  return out;
}

// Column of value offset `i` within the printed line.
size_t ValueColumn(const TextLine& line, size_t i) {
  return line.has_equals ? line.key.size() + 1 + i : i;
}

}  // namespace

Status LineError(const TextLine& line, std::string_view message, size_t column, StatusCode code) {
  return Status(code, "LightGBM text: line " + std::to_string(line.number) + ": " +
                          std::string(message) + "\n" + ShowLine(line, column));
}

Status SplitLightgbmText(std::span<const std::byte> bytes, LightgbmText* out) {
  const char* p = reinterpret_cast<const char*>(bytes.data());
  const size_t size = bytes.size();
  size_t pos = 0, number = 0;
  TextBlock* block = &out->header;
  bool seen_first = false, ended = false;
  while (pos < size && !ended) {
    const char* nl = static_cast<const char*>(std::memchr(p + pos, '\n', size - pos));
    const size_t end = nl ? static_cast<size_t>(nl - p) : size;
    std::string_view text(p + pos, end - pos);
    pos = nl ? end + 1 : size;
    ++number;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty()) continue;
    TextLine line;
    line.number = number;
    const size_t eq = text.find('=');
    line.has_equals = eq != std::string_view::npos;
    line.key = line.has_equals ? text.substr(0, eq) : text;
    line.value = line.has_equals ? text.substr(eq + 1) : std::string_view();
    if (!seen_first) {
      seen_first = true;
      if (text != "tree") {
        return LineError(line, "not a LightGBM text model (the first line must be 'tree')");
      }
      out->header.first_line = number;
      continue;
    }
    if (text == "end of trees") {
      ended = true;
      break;
    }
    if (line.has_equals && line.key == "Tree") {
      int64_t index = 0;
      RETURN_IF_ERROR(ParseIntValue(line, 0, INT32_MAX, &index));
      if (index != static_cast<int64_t>(out->trees.size())) {
        return LineError(line, "expected Tree=" + std::to_string(out->trees.size()),
                         line.key.size() + 1);
      }
      out->trees.emplace_back();
      block = &out->trees.back();
      block->first_line = number;
      continue;
    }
    if (StartsWith(text, "feature_importances:") || StartsWith(text, "parameters:")) break;
    block->lines.push_back(line);
  }
  if (!seen_first) {
    return Status::Invalid("LightGBM text: the input is empty (expected a model starting 'tree')");
  }
  if (!ended) {
    return Status::Invalid("LightGBM text: no 'end of trees' line after line " +
                           std::to_string(number) + " (the file is truncated or not a model)");
  }
  return Status::Ok();
}

namespace {

// Calls parse(start, end) for each space-separated token of the line's value, in order.
template <typename Parse>
Status ForEachToken(const TextLine& line, Parse parse) {
  const std::string_view s = line.value;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    RETURN_IF_ERROR(parse(start, i));
  }
  return Status::Ok();
}

Status CheckCount(const TextLine& line, size_t got, int64_t expected) {
  if (expected >= 0 && static_cast<int64_t>(got) != expected) {
    return LineError(line, std::string(line.key) + " has " + std::to_string(got) +
                               " values, expected " + std::to_string(expected),
                     ValueColumn(line, 0));
  }
  return Status::Ok();
}

}  // namespace

Status ParseNumberList(const TextLine& line, int64_t expected, std::vector<double>* out) {
  out->clear();
  const std::string_view s = line.value;
  RETURN_IF_ERROR(ForEachToken(line, [&](size_t start, size_t end) -> Status {
    double v = 0;
    const auto r = std::from_chars(s.data() + start, s.data() + end, v);
    if (r.ec == std::errc::result_out_of_range) {
      v = (s[start] == '-' ? -1.0 : 1.0) * HUGE_VAL;  // overflow; underflow is caught below
      for (size_t k = start; k < end; ++k) {
        if ((s[k] == 'e' || s[k] == 'E') && k + 1 < end && s[k + 1] == '-') v = 0.0;
      }
    } else if (r.ec != std::errc() || r.ptr != s.data() + end) {
      return LineError(line, std::string(s.substr(start, end - start)).append(" is not a number"),
                       ValueColumn(line, start));
    }
    out->push_back(v);
    return Status::Ok();
  }));
  return CheckCount(line, out->size(), expected);
}

Status ParseIntList(const TextLine& line, int64_t expected, int64_t lo, int64_t hi,
                    std::vector<int64_t>* out) {
  out->clear();
  const std::string_view s = line.value;
  RETURN_IF_ERROR(ForEachToken(line, [&](size_t start, size_t end) -> Status {
    int64_t v = 0;
    const auto r = std::from_chars(s.data() + start, s.data() + end, v);
    if (r.ec != std::errc() || r.ptr != s.data() + end) {
      return LineError(line, std::string(s.substr(start, end - start)).append(" is not an integer"),
                       ValueColumn(line, start));
    }
    if (v < lo || v > hi) {
      return LineError(line, std::string(line.key) + " value " + std::to_string(v) +
                                 " is outside [" + std::to_string(lo) + ", " +
                                 std::to_string(hi) + "]", ValueColumn(line, start));
    }
    out->push_back(v);
    return Status::Ok();
  }));
  return CheckCount(line, out->size(), expected);
}

Status ParseIntValue(const TextLine& line, int64_t lo, int64_t hi, int64_t* out) {
  std::vector<int64_t> v;
  RETURN_IF_ERROR(ParseIntList(line, 1, lo, hi, &v));
  *out = v[0];
  return Status::Ok();
}

}  // namespace larch::forest
