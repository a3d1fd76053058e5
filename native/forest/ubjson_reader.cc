// A bounds-checked UBJSON (Draft 12) reader producing a Document, covering what XGBoost writes:
// big-endian numbers, strings with an integer length, objects whose keys carry no 'S' marker,
// counted containers ('#') and optimized typed arrays ('$' type + '#' count), which become
// number arrays without a node per element.
#include <bit>
#include <charconv>
#include <cstring>

#include "forest/document.h"

namespace larch::forest {
namespace {

class UbjParser {
 public:
  UbjParser(std::span<const std::byte> bytes, Document* doc)
      : p_(reinterpret_cast<const unsigned char*>(bytes.data())), size_(bytes.size()), doc_(doc) {}

  Status Parse() {
    DocValue root;
    char marker;
    RETURN_IF_ERROR(ReadMarker(&marker));
    RETURN_IF_ERROR(ParseValue(marker, 0, &root));
    if (pos_ != size_) return Error(pos_, "unexpected bytes after the end of the document");
    doc_->SetRoot(root);
    return Status::Ok();
  }

 private:
  Status Error(uint64_t at, std::string_view message) const { return doc_->ErrorAt(at, message); }

  // Reads one type marker, skipping no-op markers.
  Status ReadMarker(char* out) {
    do {
      if (pos_ >= size_) return Error(pos_, "expected a type marker, found the end of the input");
      *out = static_cast<char>(p_[pos_++]);
    } while (*out == 'N');
    return Status::Ok();
  }

  template <typename T>
  Status ReadBigEndian(T* out) {
    if (size_ - pos_ < sizeof(T)) return Error(pos_, "truncated number");
    using U = std::conditional_t<sizeof(T) == 1, uint8_t,
              std::conditional_t<sizeof(T) == 2, uint16_t,
              std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>((u << 8) | p_[pos_ + i]);
    pos_ += sizeof(T);
    *out = std::bit_cast<T>(u);
    return Status::Ok();
  }

  static size_t NumberSize(char m) {
    switch (m) {
      case 'i': case 'U': case 'C': return 1;
      case 'I': return 2;
      case 'l': case 'd': return 4;
      case 'L': case 'D': return 8;
      default: return 0;
    }
  }

  // A numeric payload for marker `m` (one of NumberSize's); is_integer tells integer types.
  Status ReadNumber(char m, double* out, bool* is_integer) {
    *is_integer = true;
    switch (m) {
      case 'i': { int8_t v{}; RETURN_IF_ERROR(ReadBigEndian(&v)); *out = v; return Status::Ok(); }
      case 'U': case 'C': { uint8_t v{}; RETURN_IF_ERROR(ReadBigEndian(&v)); *out = v; return Status::Ok(); }
      case 'I': { int16_t v{}; RETURN_IF_ERROR(ReadBigEndian(&v)); *out = v; return Status::Ok(); }
      case 'l': { int32_t v{}; RETURN_IF_ERROR(ReadBigEndian(&v)); *out = v; return Status::Ok(); }
      case 'L': { int64_t v{}; RETURN_IF_ERROR(ReadBigEndian(&v)); *out = static_cast<double>(v); return Status::Ok(); }
      case 'd': { float v{}; RETURN_IF_ERROR(ReadBigEndian(&v)); *out = v; *is_integer = false; return Status::Ok(); }
      case 'D': { double v{}; RETURN_IF_ERROR(ReadBigEndian(&v)); *out = v; *is_integer = false; return Status::Ok(); }
      default: return Error(pos_ - 1, "expected a number type marker");
    }
  }

  // A length or count: an integer-typed value, non-negative and no larger than the bytes left
  // (no element of a container or string takes less than a byte, except typeless ones which
  // the caller rejects separately).
  Status ReadLength(uint64_t* out) {
    const uint64_t at = pos_;
    char m;
    RETURN_IF_ERROR(ReadMarker(&m));
    if (m != 'i' && m != 'U' && m != 'I' && m != 'l' && m != 'L') {
      return Error(at, "expected an integer length");
    }
    int64_t v = 0;
    switch (m) {
      case 'i': { int8_t x{}; RETURN_IF_ERROR(ReadBigEndian(&x)); v = x; break; }
      case 'U': { uint8_t x{}; RETURN_IF_ERROR(ReadBigEndian(&x)); v = x; break; }
      case 'I': { int16_t x{}; RETURN_IF_ERROR(ReadBigEndian(&x)); v = x; break; }
      case 'l': { int32_t x{}; RETURN_IF_ERROR(ReadBigEndian(&x)); v = x; break; }
      default: RETURN_IF_ERROR(ReadBigEndian(&v)); break;
    }
    if (v < 0) return Error(at, "negative length");
    if (static_cast<uint64_t>(v) > size_ - pos_) return Error(at, "length exceeds the input");
    *out = static_cast<uint64_t>(v);
    return Status::Ok();
  }

  Status ReadString(std::string_view* out) {
    uint64_t n = 0;
    RETURN_IF_ERROR(ReadLength(&n));
    *out = std::string_view(reinterpret_cast<const char*>(p_ + pos_), n);
    pos_ += n;
    return Status::Ok();
  }

  Status ParseValue(char m, int depth, DocValue* out) {
    out->offset = pos_ - 1;
    switch (m) {
      case 'Z': out->kind = DocKind::kNull; return Status::Ok();
      case 'T': out->kind = DocKind::kBool; out->boolean = true; return Status::Ok();
      case 'F': out->kind = DocKind::kBool; out->boolean = false; return Status::Ok();
      case 'S': out->kind = DocKind::kString; return ReadString(&out->text);
      case 'H': {
        // High-precision number: a decimal string.
        std::string_view s;
        RETURN_IF_ERROR(ReadString(&s));
        out->kind = DocKind::kNumber;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), out->number);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
          return Error(out->offset, "invalid high-precision number");
        }
        return Status::Ok();
      }
      case '[':
      case '{':
        if (depth >= kMaxDocumentDepth) return Error(out->offset, "nesting is too deep");
        return ParseContainer(m == '{', depth + 1, out);
      default:
        if (NumberSize(m) == 0) return Error(out->offset, "unknown type marker");
        out->kind = DocKind::kNumber;
        return ReadNumber(m, &out->number, &out->is_integer);
    }
  }

  Status ParseContainer(bool is_object, int depth, DocValue* out) {
    const uint64_t offset = pos_ - 1;
    char type = 0;  // '$' element type, 0 if untyped
    bool counted = false;
    uint64_t count = 0;
    if (pos_ < size_ && p_[pos_] == '$') {
      ++pos_;
      if (pos_ >= size_) return Error(pos_, "truncated container type");
      type = static_cast<char>(p_[pos_++]);
      if (pos_ >= size_ || p_[pos_] != '#') return Error(pos_, "a typed container needs a count");
    }
    if (pos_ < size_ && p_[pos_] == '#') {
      ++pos_;
      counted = true;
      RETURN_IF_ERROR(ReadLength(&count));
    }
    if (type != 0 && !is_object && NumberSize(type) != 0) {
      // Optimized numeric array: raw big-endian payloads, straight into the number pool.
      const size_t width = NumberSize(type);
      if (count > (size_ - pos_) / width) return Error(offset, "typed array exceeds the input");
      std::vector<double>& numbers = doc_->numbers();
      out->kind = DocKind::kNumberArray;
      out->offset = offset;
      out->begin = numbers.size();
      out->count = count;
      numbers.reserve(numbers.size() + count);
      for (uint64_t i = 0; i < count; ++i) {
        double v;
        bool is_int;
        RETURN_IF_ERROR(ReadNumber(type, &v, &is_int));
        numbers.push_back(v);
      }
      return Status::Ok();
    }
    if (type == 'Z' || type == 'T' || type == 'F' || type == 'N') {
      // Payload-free elements: cap the count so a few bytes cannot demand a huge loop.
      if (count > size_) return Error(offset, "container count exceeds the input");
    }
    const size_t first = scratch_.size();
    for (uint64_t i = 0; !counted || i < count; ++i) {
      std::string_view key;
      if (is_object) {
        if (!counted) {
          if (pos_ >= size_) return Error(pos_, "unterminated object");
          if (p_[pos_] == '}') break;
        }
        RETURN_IF_ERROR(ReadString(&key));
      }
      char m = type;
      if (m == 0) {
        RETURN_IF_ERROR(ReadMarker(&m));
        if (!counted && !is_object && m == ']') break;
      } else if (pos_ > size_) {
        return Error(pos_, "truncated container");
      }
      DocValue v;
      RETURN_IF_ERROR(ParseValue(m, depth, &v));
      v.key = key;
      scratch_.push_back(v);
    }
    if (!counted && is_object) {
      ++pos_;  // the '}' seen above
    }
    *out = FinishContainer(doc_, &scratch_, first, is_object, offset);
    return Status::Ok();
  }

  const unsigned char* p_;
  size_t size_;
  size_t pos_ = 0;
  Document* doc_;
  std::vector<DocValue> scratch_;
};

}  // namespace

Status ParseUbjson(std::span<const std::byte> bytes, Document* doc) {
  return UbjParser(bytes, doc).Parse();
}

}  // namespace larch::forest
