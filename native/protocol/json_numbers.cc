#include "protocol/json_numbers.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace larch::protocol {

namespace {

constexpr int kMaxDepth = 64;

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Length of the JSON number token (RFC 8259 grammar, stricter than from_chars) at p; 0 if none.
size_t NumberLength(const char* p, const char* end) {
  const char* q = p;
  if (q < end && *q == '-') ++q;
  if (q >= end) return 0;
  if (*q == '0') {
    ++q;
  } else if (*q >= '1' && *q <= '9') {
    while (q < end && IsDigit(*q)) ++q;
  } else {
    return 0;
  }
  if (q < end && *q == '.') {
    const char* digits = ++q;
    while (q < end && IsDigit(*q)) ++q;
    if (q == digits) return 0;
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    ++q;
    if (q < end && (*q == '+' || *q == '-')) ++q;
    const char* digits = q;
    while (q < end && IsDigit(*q)) ++q;
    if (q == digits) return 0;
  }
  return static_cast<size_t>(q - p);
}

bool Match(const char*& p, const char* end, std::string_view word) {
  if (static_cast<size_t>(end - p) < word.size() || std::string_view(p, word.size()) != word) return false;
  p += word.size();
  return true;
}

// Stores v as element i of type T when JS would accept it (see the header); false otherwise.
template <typename T>
bool Store(double v, void* out, size_t i) {
  if constexpr (std::is_same_v<T, float>) {
    // IEEE round-to-nearest-even, as a JS Float32Array store does; spelled out above FLT_MAX,
    // where a plain cast is undefined behaviour in C++. Halfway between FLT_MAX (odd mantissa)
    // and 2^128 rounds up to infinity.
    constexpr double kMax = std::numeric_limits<float>::max();
    constexpr double kOverflow = kMax + 0x1p103;  // FLT_MAX plus half its ulp (2^104)
    float f;
    if (std::isfinite(v) && std::fabs(v) > kMax) {
      const float magnitude = std::fabs(v) >= kOverflow ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::max();
      f = v < 0 ? -magnitude : magnitude;
    } else {
      f = static_cast<float>(v);
    }
    static_cast<float*>(out)[i] = f;
    return true;
  } else if constexpr (std::is_floating_point_v<T>) {
    static_cast<T*>(out)[i] = static_cast<T>(v);
    return true;
  } else {
    if (!std::isfinite(v) || v != std::floor(v)) return false;
    if constexpr (sizeof(T) == 8) {
      // As JS: INT64 in [-2^63, 2^63), UINT64 in [0, 2^64), both as doubles.
      constexpr double lo = std::is_signed_v<T> ? -9223372036854775808.0 : 0.0;
      constexpr double hi = std::is_signed_v<T> ? 9223372036854775808.0 : 18446744073709551616.0;
      if (v < lo || v >= hi) return false;
    } else {
      if (v < static_cast<double>(std::numeric_limits<T>::min()) || v > static_cast<double>(std::numeric_limits<T>::max())) return false;
    }
    static_cast<T*>(out)[i] = static_cast<T>(v);
    return true;
  }
}

template <typename T>
int64_t Parse(std::string_view text, void* out, size_t count) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  if (p >= end || *p != '[') return -1;
  ++p;
  int depth = 1;
  size_t n = 0;
  bool after_value = false;  // false: just after '[' or ','
  bool after_open = true;    // just after '[' (a ']' may close an empty array)
  while (true) {
    while (p < end && IsWs(*p)) ++p;
    if (p >= end) return -1;
    const char c = *p;
    if (after_value) {
      if (c == ',') {
        ++p;
        after_value = false;
        after_open = false;
      } else if (c == ']') {
        ++p;
        if (--depth == 0) break;
      } else {
        return -1;
      }
      continue;
    }
    if (c == ']' && after_open) {
      ++p;
      after_value = true;
      if (--depth == 0) break;
      continue;
    }
    if (c == '[') {
      if (++depth > kMaxDepth) return -1;
      ++p;
      after_open = true;
      continue;
    }
    double v;
    if (c == 'N' || c == 'I' || (c == '-' && p + 1 < end && p[1] == 'I')) {
      if (!std::is_floating_point_v<T>) return -1;
      if (Match(p, end, "NaN")) v = std::numeric_limits<double>::quiet_NaN();
      else if (Match(p, end, "Infinity")) v = std::numeric_limits<double>::infinity();
      else if (Match(p, end, "-Infinity")) v = -std::numeric_limits<double>::infinity();
      else return -1;
    } else {
      const size_t len = NumberLength(p, end);
      if (len == 0) return -1;
      const auto r = std::from_chars(p, p + len, v);
      // Out of double range (1e400): JSON.parse gives +-Infinity or 0; leave it to the JS path.
      if (r.ec != std::errc() || r.ptr != p + len) return -1;
      p += len;
    }
    if (n >= count || !Store<T>(v, out, n)) return -1;
    ++n;
    after_value = true;
    after_open = false;
  }
  return n == count ? static_cast<int64_t>(p - begin) : -1;
}

}  // namespace

bool IsJsonNumberType(uint32_t code) { return (code >= 1 && code <= 8) || code == 10 || code == 11; }

size_t JsonNumberSize(JsonNumberType type) {
  switch (type) {
    case JsonNumberType::kUint8: case JsonNumberType::kInt8: return 1;
    case JsonNumberType::kUint16: case JsonNumberType::kInt16: return 2;
    case JsonNumberType::kUint32: case JsonNumberType::kInt32: case JsonNumberType::kFp32: return 4;
    case JsonNumberType::kUint64: case JsonNumberType::kInt64: case JsonNumberType::kFp64: return 8;
  }
  return 0;
}

int64_t ParseJsonNumberArray(std::string_view text, JsonNumberType type, void* out, size_t count) {
  switch (type) {
    case JsonNumberType::kUint8: return Parse<uint8_t>(text, out, count);
    case JsonNumberType::kUint16: return Parse<uint16_t>(text, out, count);
    case JsonNumberType::kUint32: return Parse<uint32_t>(text, out, count);
    case JsonNumberType::kUint64: return Parse<uint64_t>(text, out, count);
    case JsonNumberType::kInt8: return Parse<int8_t>(text, out, count);
    case JsonNumberType::kInt16: return Parse<int16_t>(text, out, count);
    case JsonNumberType::kInt32: return Parse<int32_t>(text, out, count);
    case JsonNumberType::kInt64: return Parse<int64_t>(text, out, count);
    case JsonNumberType::kFp32: return Parse<float>(text, out, count);
    case JsonNumberType::kFp64: return Parse<double>(text, out, count);
  }
  return -1;
}

}  // namespace larch::protocol
