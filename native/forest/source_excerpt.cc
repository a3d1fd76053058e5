// Error excerpts for model files: where in the bytes a loader gave up.
#include "forest/source_excerpt.h"

#include <algorithm>
#include <cstdio>

namespace larch::forest {
namespace {

constexpr uint64_t kTextContext = 32;
constexpr uint64_t kBinaryContext = 8;

char Printable(std::byte b) {
  const auto c = static_cast<unsigned char>(b);
  return (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
}

}  // namespace

std::string TextExcerpt(std::span<const std::byte> bytes, uint64_t offset) {
  const uint64_t size = bytes.size();
  offset = std::min(offset, size);
  // Stay on the line that holds the offset.
  uint64_t begin = offset;
  while (begin > 0 && offset - begin < kTextContext &&
         static_cast<char>(bytes[begin - 1]) != '\n') {
    --begin;
  }
  uint64_t end = offset;
  while (end < size && end - offset < kTextContext && static_cast<char>(bytes[end]) != '\n') {
    ++end;
  }
  std::string line = "  ";
  line.reserve(4 + 2 * (end - begin + 2));
  for (uint64_t i = begin; i < end; ++i) line += Printable(bytes[i]);
  if (offset == size) line += "<end of input>";
  std::string caret(2 + (offset - begin), ' ');
  caret += '^';
  return line + "\n" + caret;
}

std::string BinaryExcerpt(std::span<const std::byte> bytes, uint64_t offset) {
  const uint64_t size = bytes.size();
  offset = std::min(offset, size);
  const uint64_t begin = offset > kBinaryContext ? offset - kBinaryContext : 0;
  const uint64_t end = std::min(size, offset + kBinaryContext);
  std::string hex = "  ";
  std::string caret = "  ";
  char buf[4];
  for (uint64_t i = begin; i < end; ++i) {
    std::snprintf(buf, sizeof buf, "%02x ", static_cast<unsigned>(bytes[i]));
    hex += buf;
    if (i < offset) caret += "   ";
  }
  if (offset == size) hex += "<end of input>";
  caret += '^';
  return hex + "\n" + caret;
}

std::string FormatByteError(std::string_view format, std::string_view message,
                            std::span<const std::byte> bytes, uint64_t offset, bool binary) {
  std::string out;
  out.append(format).append(": ").append(message);
  out.append(" at byte ").append(std::to_string(offset)).append("\n");
  out.append(binary ? BinaryExcerpt(bytes, offset) : TextExcerpt(bytes, offset));
  return out;
}

}  // namespace larch::forest
