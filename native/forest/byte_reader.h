// Bounds-checked little-endian reader over an in-memory file, for binary loaders.
// Every read checks the remaining length first; a failure names the format, what was being
// read and the byte offset, so a truncated or garbled file is an INVALID_ARGUMENT status.
// Arrays are length-prefixed (u64 count); a count the remaining bytes cannot hold is rejected
// before anything is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/status.h"

namespace larch::forest {

class ByteReader {
 public:
  ByteReader(std::span<const std::byte> bytes, std::string_view format)
      : bytes_(bytes), format_(format) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  bool AtEnd() const { return offset_ == bytes_.size(); }

  // An INVALID_ARGUMENT status naming the format, `what` and the offset (current by default).
  Status Error(std::string_view what, size_t at) const {
    return Status::Invalid(std::string(format_) + ": " + std::string(what) + " at byte offset " +
                           std::to_string(at));
  }
  Status Error(std::string_view what) const { return Error(what, offset_); }

  template <typename T>
  Status Scalar(T* out, std::string_view what) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (remaining() < sizeof(T)) {
      return Error("truncated file: " + std::string(what) + " needs " + std::to_string(sizeof(T)) +
                   " bytes, " + std::to_string(remaining()) + " left");
    }
    std::memcpy(out, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return Status::Ok();
  }

  // Reads a u64 element count and checks that count * elem_size bytes follow.
  Status Count(uint64_t elem_size, uint64_t* count, std::string_view what) {
    const size_t at = offset_;
    RETURN_IF_ERROR(Scalar(count, what));
    if (elem_size != 0 && *count > remaining() / elem_size) {
      return Error(std::string(what) + " claims " + std::to_string(*count) + " elements of " +
                       std::to_string(elem_size) + " bytes but only " + std::to_string(remaining()) +
                       " bytes follow",
                   at);
    }
    return Status::Ok();
  }

  // A length-prefixed array stored as `Stored`, converted element-wise into `Out`.
  template <typename Stored, typename Out = Stored>
  Status Array(std::vector<Out>* out, std::string_view what) {
    uint64_t n = 0;
    RETURN_IF_ERROR(Count(sizeof(Stored), &n, what));
    out->resize(n);
    const std::byte* p = bytes_.data() + offset_;
    if constexpr (std::is_same_v<Stored, Out>) {
      if (n) std::memcpy(out->data(), p, n * sizeof(Stored));
    } else {
      for (uint64_t i = 0; i < n; ++i) {
        Stored v;
        std::memcpy(&v, p + i * sizeof(Stored), sizeof(Stored));
        (*out)[i] = static_cast<Out>(v);
      }
    }
    offset_ += n * sizeof(Stored);
    return Status::Ok();
  }

  Status String(std::string* out, std::string_view what) {
    uint64_t n = 0;
    RETURN_IF_ERROR(Count(1, &n, what));
    out->assign(reinterpret_cast<const char*>(bytes_.data() + offset_), n);
    offset_ += n;
    return Status::Ok();
  }

  Status Skip(uint64_t n, std::string_view what) {
    if (n > remaining()) return Error("truncated file: " + std::string(what));
    offset_ += n;
    return Status::Ok();
  }

 private:
  std::span<const std::byte> bytes_;
  std::string_view format_;
  size_t offset_ = 0;
};

}  // namespace larch::forest
