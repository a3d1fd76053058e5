// The numbers of a JSON "data" array (KServe JSON tensors), parsed straight into a typed buffer.
//
// Why native: V8 converts a 17-digit decimal to a double in about 70 ns; std::from_chars (a
// correctly rounded fast_float in libstdc++ 12) takes about 10. Both round correctly, so the
// values are bit-identical to JSON.parse followed by a store into the JS typed array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace larch::protocol {

// Element types, numbered as native/batch/tensor.h's DType (BOOL 0 .. FP64 11). BOOL (0) and
// FP16 (9) are not parsed here.
enum class JsonNumberType : uint32_t {
  kUint8 = 1, kUint16 = 2, kUint32 = 3, kUint64 = 4,
  kInt8 = 5, kInt16 = 6, kInt32 = 7, kInt64 = 8,
  kFp32 = 10, kFp64 = 11,
};

bool IsJsonNumberType(uint32_t code);
size_t JsonNumberSize(JsonNumberType type);

// Parses the JSON array at the start of `text` (flat or nested: elements are taken in row-major
// order, as Triton reads "data") into `count` elements of `type` at `out`, storing each value
// as a JS typed array store would: a double rounded to float for FP32; integer types only take
// integral values in their range. The bare tokens NaN, Infinity and -Infinity are accepted for
// floating-point types (Python's json module writes them).
//
// Returns the bytes consumed (through the closing ']'), or -1 when the text does not start with
// exactly such an array of `count` elements: a syntax error, another kind of element, a value
// out of range, or a different count. The caller then takes its general (and diagnosing) path.
int64_t ParseJsonNumberArray(std::string_view text, JsonNumberType type, void* out, size_t count);

}  // namespace larch::protocol
