// CSV parsing (see csv_reader.h). One pass over the bytes: the row count is bounded first by
// counting newlines, the matrix is allocated once at that bound, values are written straight
// into their columns, and the columns are compacted at the end if some lines were blank.
#include "train/csv_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>

namespace larch::train {
namespace {

bool IsMissingToken(std::string_view s) {
  static constexpr std::string_view kTokens[] = {"", "NA", "N/A", "NaN", "nan", "NAN", "null",
                                                  "NULL", "None", "?", "na", "n/a"};
  for (std::string_view t : kTokens)
    if (s == t) return true;
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses one numeric field; false when it is not a number.
bool ParseNumber(std::string_view s, float& out) {
  if (IsMissingToken(s)) {
    out = std::numeric_limits<float>::quiet_NaN();
    return true;
  }
  const char* b = s.data();
  const char* e = b + s.size();
  if (b < e && *b == '+') ++b;
  if (b == e) return false;
  float v;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec == std::errc::result_out_of_range) {
    double d;  // underflow to a denormal or zero, or overflow to infinity
    auto [p2, ec2] = std::from_chars(b, e, d);
    if (p2 != e) return false;
    if (ec2 == std::errc::result_out_of_range) d = (*b == '-') ? -HUGE_VAL : HUGE_VAL;
    out = static_cast<float>(d);
    return true;
  }
  if (ec != std::errc() || p != e) return false;
  out = v;
  return true;
}

// Splits the next record starting at `pos` into fields. Quoted fields are unescaped into
// `unquoted` storage. Returns the end of the record (after its newline).
struct Field {
  std::string_view text;
  size_t column;  // 1-based character position in the line
};

Status SplitRecord(std::string_view text, size_t& pos, char delim, int64_t line,
                   std::vector<Field>& fields, std::deque<std::string>& unquoted,
                   int64_t& lines_used) {
  fields.clear();
  size_t unq = 0;
  const size_t line_start = pos;
  lines_used = 1;
  for (;;) {
    size_t start = pos;
    // Leading spaces before a quote are allowed.
    size_t q = start;
    while (q < text.size() && (text[q] == ' ' || text[q] == '\t')) ++q;
    if (q < text.size() && text[q] == '"') {
      if (unq == unquoted.size()) unquoted.emplace_back();
      std::string& buf = unquoted[unq++];
      buf.clear();
      size_t i = q + 1;
      for (;;) {
        if (i >= text.size())
          return Status::Invalid("line " + std::to_string(line) + ", column " +
                                 std::to_string(q - line_start + 1) + ": unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            buf.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++lines_used;
        buf.push_back(text[i++]);
      }
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
      fields.push_back({buf, q - line_start + 1});
      if (i >= text.size()) { pos = i; return Status::Ok(); }
      if (text[i] == '\n') { pos = i + 1; return Status::Ok(); }
      if (text[i] != delim)
        return Status::Invalid("line " + std::to_string(line) + ", column " +
                               std::to_string(i - line_start + 1) +
                               ": expected a delimiter after the closing quote");
      pos = i + 1;
      continue;
    }
    size_t i = start;
    while (i < text.size() && text[i] != delim && text[i] != '\n') ++i;
    size_t end = i;
    if (end > start && text[end - 1] == '\r') --end;
    fields.push_back({Trim(text.substr(start, end - start)), start - line_start + 1});
    if (i >= text.size()) { pos = i; return Status::Ok(); }
    pos = i + 1;
    if (text[i] == '\n') return Status::Ok();
  }
}

bool BlankLine(std::string_view text, size_t pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r')) ++pos;
  return pos >= text.size() || text[pos] == '\n';
}

size_t SkipLine(std::string_view text, size_t pos) {
  const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
  return nl ? static_cast<const char*>(nl) - text.data() + 1 : text.size();
}

}  // namespace

StatusOr<CsvTable> ParseCsv(std::string_view text, const CsvOptions& options) {
  const char delim = options.delimiter;
  if (delim == '"' || delim == '\n' || delim == '\r')
    return Status::Invalid("the CSV delimiter cannot be a quote or a line break");
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
    text.remove_prefix(3);  // UTF-8 byte-order mark

  CsvTable table;
  std::vector<Field> fields;
  std::deque<std::string> unquoted;  // deque: earlier fields' views stay valid
  size_t pos = 0;
  int64_t line = 1, used = 1;
  while (pos < text.size() && BlankLine(text, pos)) {
    pos = SkipLine(text, pos);
    ++line;
  }
  if (pos >= text.size()) return Status::Invalid("the CSV input is empty");

  if (options.header) {
    RETURN_IF_ERROR(SplitRecord(text, pos, delim, line, fields, unquoted, used));
    for (const Field& f : fields) table.names.emplace_back(Trim(f.text));
    for (size_t c = 0; c < table.names.size(); ++c)
      if (table.names[c].empty()) table.names[c] = "column_" + std::to_string(c);
    line += used;
  }

  const int64_t max_rows =
      static_cast<int64_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(pos), text.end(), '\n')) + 1;
  size_t num_cols = table.names.size();
  int64_t rows = 0;
  std::vector<float>& data = table.data;
  while (pos < text.size()) {
    if (BlankLine(text, pos)) {
      pos = SkipLine(text, pos);
      ++line;
      continue;
    }
    RETURN_IF_ERROR(SplitRecord(text, pos, delim, line, fields, unquoted, used));
    if (num_cols == 0) {  // no header: the first record fixes the width
      num_cols = fields.size();
      for (size_t c = 0; c < num_cols; ++c) table.names.push_back("column_" + std::to_string(c));
    }
    if (data.empty()) data.resize(num_cols * static_cast<size_t>(max_rows));
    if (fields.size() != num_cols)
      return Status::Invalid("line " + std::to_string(line) + ": expected " +
                             std::to_string(num_cols) + " fields, found " +
                             std::to_string(fields.size()));
    for (size_t c = 0; c < num_cols; ++c) {
      float v;
      if (!ParseNumber(fields[c].text, v))
        return Status::Invalid("line " + std::to_string(line) + ", column " +
                               std::to_string(fields[c].column) + " (field \"" + table.names[c] +
                               "\"): cannot parse \"" + std::string(fields[c].text.substr(0, 40)) +
                               "\" as a number");
      data[c * static_cast<size_t>(max_rows) + rows] = v;
    }
    ++rows;
    line += used;
  }
  if (rows < max_rows) {  // compact columns to the real row count
    for (size_t c = 1; c < num_cols; ++c)
      std::memmove(data.data() + c * rows, data.data() + c * max_rows, rows * sizeof(float));
    data.resize(num_cols * static_cast<size_t>(rows));
  }
  table.num_rows = rows;
  return table;
}

StatusOr<CsvTable> ReadCsvFile(const std::string& path, const CsvOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open CSV file " + path + ": " + std::strerror(errno));
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return Status::Invalid("cannot read CSV file " + path);
  text.resize(static_cast<size_t>(size));
  in.seekg(0);
  in.read(text.data(), size);
  if (!in) return Status::Invalid("cannot read CSV file " + path);
  StatusOr<CsvTable> t = ParseCsv(text, options);
  if (!t.ok()) return Status(t.status().code(), path + ": " + t.status().message());
  return t;
}

}  // namespace larch::train
