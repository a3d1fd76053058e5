// Error excerpts that point at the failing bytes of a model file (STYLE.md rule 1): the text
// around the offset with a caret under it, or for binary formats a hex dump with a caret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace larch::forest {

// Two lines: up to ~32 printable characters either side of `offset` on its line, then a caret
// under the byte at `offset`. Non-printable bytes are shown as '.'.
std::string TextExcerpt(std::span<const std::byte> bytes, uint64_t offset);

// Two lines: up to 8 bytes either side of `offset` in hex, then a caret under the byte.
std::string BinaryExcerpt(std::span<const std::byte> bytes, uint64_t offset);

// "<format>: <message> at byte <offset>\n<excerpt>".
std::string FormatByteError(std::string_view format, std::string_view message,
                            std::span<const std::byte> bytes, uint64_t offset, bool binary);

}  // namespace larch::forest
