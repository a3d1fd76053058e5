// libFuzzer target: native/protocol/json_numbers.cc on arbitrary bytes. The first byte picks the
// element count; every element type parses the rest. The parser must stay inside the text and
// the output, and report a consumed length that ends on the closing ']'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "protocol/json_numbers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t count = data[0] % 33;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  for (uint32_t code : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 10u, 11u}) {
    const auto type = static_cast<larch::protocol::JsonNumberType>(code);
    std::vector<uint8_t> out(count * larch::protocol::JsonNumberSize(type));
    const int64_t used = larch::protocol::ParseJsonNumberArray(text, type, out.data(), count);
    if (used < -1 || used > static_cast<int64_t>(text.size())) abort();
    if (used > 0 && text[static_cast<size_t>(used) - 1] != ']') abort();
  }
  return 0;
}
