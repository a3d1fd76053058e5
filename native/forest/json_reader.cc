// A small, bounds-checked JSON reader producing a Document. Accepts RFC 8259 plus the
// non-finite literals XGBoost writes (NaN, Infinity, -Infinity). Every read checks the end of
// the buffer; errors name the byte offset with an excerpt.
#include <charconv>
#include <cstring>

#include "forest/document.h"

namespace larch::forest {
namespace {

class JsonParser {
 public:
  JsonParser(std::span<const std::byte> bytes, Document* doc)
      : p_(reinterpret_cast<const char*>(bytes.data())), size_(bytes.size()), doc_(doc) {}

  Status Parse() {
    // A UTF-8 byte order mark is tolerated.
    if (size_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
    SkipSpace();
    DocValue root;
    RETURN_IF_ERROR(ParseValue(0, &root));
    SkipSpace();
    if (pos_ != size_) return Error("unexpected content after the end of the document");
    doc_->SetRoot(root);
    return Status::Ok();
  }

 private:
  Status Error(std::string_view message) const { return doc_->ErrorAt(pos_, message); }

  void SkipSpace() {
    while (pos_ < size_) {
      const char c = p_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  bool Consume(std::string_view word) {
    if (size_ - pos_ < word.size() || std::memcmp(p_ + pos_, word.data(), word.size()) != 0) {
      return false;
    }
    pos_ += word.size();
    return true;
  }

  Status ParseValue(int depth, DocValue* out) {
    if (pos_ >= size_) return Error("expected a value, found the end of the input");
    out->offset = pos_;
    const char c = p_[pos_];
    switch (c) {
      case '{':
      case '[':
        if (depth >= kMaxDocumentDepth) return Error("nesting is too deep");
        return c == '{' ? ParseObject(depth + 1, out) : ParseArray(depth + 1, out);
      case '"':
        out->kind = DocKind::kString;
        return ParseString(&out->text);
      case 't':
      case 'f':
        if (Consume("true")) {
          out->kind = DocKind::kBool;
          out->boolean = true;
          return Status::Ok();
        }
        if (Consume("false")) {
          out->kind = DocKind::kBool;
          return Status::Ok();
        }
        return Error("invalid literal (expected true or false)");
      case 'n':
        if (Consume("null")) return Status::Ok();
        return Error("invalid literal (expected null)");
      default:
        return ParseNumber(out);
    }
  }

  Status ParseNumber(DocValue* out) {
    const size_t start = pos_;
    out->kind = DocKind::kNumber;
    bool negative = false;
    if (p_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    if (Consume("NaN")) {
      out->number = negative ? -__builtin_nan("") : __builtin_nan("");
      return Status::Ok();
    }
    if (Consume("Infinity")) {
      out->number = negative ? -__builtin_inf() : __builtin_inf();
      return Status::Ok();
    }
    // Validate the JSON number grammar; from_chars then converts with correct rounding.
    auto digits = [&] {
      const size_t s = pos_;
      while (pos_ < size_ && p_[pos_] >= '0' && p_[pos_] <= '9') ++pos_;
      return pos_ - s;
    };
    const size_t int_start = pos_;
    const size_t int_digits = digits();
    if (int_digits == 0) {
      pos_ = start;
      return Error("expected a value");
    }
    if (int_digits > 1 && p_[int_start] == '0') {
      pos_ = int_start;
      return Error("invalid number (leading zero)");
    }
    bool integer = true;
    if (pos_ < size_ && p_[pos_] == '.') {
      ++pos_;
      integer = false;
      if (digits() == 0) return Error("invalid number (no digits after the decimal point)");
    }
    if (pos_ < size_ && (p_[pos_] == 'e' || p_[pos_] == 'E')) {
      ++pos_;
      integer = false;
      if (pos_ < size_ && (p_[pos_] == '+' || p_[pos_] == '-')) ++pos_;
      if (digits() == 0) return Error("invalid number (no digits in the exponent)");
    }
    double value = 0.0;
    const auto r = std::from_chars(p_ + start, p_ + pos_, value);
    if (r.ec == std::errc::result_out_of_range) {
      // from_chars leaves the value unset on overflow/underflow: saturate like strtod.
      const bool tiny = [&] {
        for (size_t i = start; i < pos_; ++i) {
          if (p_[i] == 'e' || p_[i] == 'E') return p_[i + 1] == '-';
        }
        return false;
      }();
      value = tiny ? 0.0 : __builtin_inf();
      if (negative) value = -value;
    } else if (r.ec != std::errc() || r.ptr != p_ + pos_) {
      pos_ = start;
      return Error("invalid number");
    }
    out->number = value;
    out->is_integer = integer;
    return Status::Ok();
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  Status ParseHex4(uint32_t* out) {
    if (size_ - pos_ < 4) return Error("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = HexDigit(p_[pos_ + i]);
      if (d < 0) return Error("invalid \\u escape");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    pos_ += 4;
    *out = v;
    return Status::Ok();
  }

  static void AppendUtf8(uint32_t cp, std::string* s) {
    if (cp < 0x80) {
      *s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *s += static_cast<char>(0xC0 | (cp >> 6));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *s += static_cast<char>(0xE0 | (cp >> 12));
      *s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *s += static_cast<char>(0xF0 | (cp >> 18));
      *s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Strings without escapes (all of XGBoost's) are views into the source.
  Status ParseString(std::string_view* out) {
    ++pos_;  // opening quote
    const size_t start = pos_;
    while (pos_ < size_ && p_[pos_] != '"' && p_[pos_] != '\\') {
      if (static_cast<unsigned char>(p_[pos_]) < 0x20) return Error("control character in string");
      ++pos_;
    }
    if (pos_ >= size_) return Error("unterminated string");
    if (p_[pos_] == '"') {
      *out = std::string_view(p_ + start, pos_ - start);
      ++pos_;
      return Status::Ok();
    }
    std::string s(p_ + start, pos_ - start);
    while (true) {
      if (pos_ >= size_) return Error("unterminated string");
      const char c = p_[pos_];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        s += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= size_) return Error("unterminated escape");
      const char e = p_[pos_++];
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          RETURN_IF_ERROR(ParseHex4(&cp));
          if (cp >= 0xD800 && cp < 0xDC00 && size_ - pos_ >= 2 && p_[pos_] == '\\' &&
              p_[pos_ + 1] == 'u') {
            pos_ += 2;
            uint32_t low = 0;
            RETURN_IF_ERROR(ParseHex4(&low));
            if (low < 0xDC00 || low >= 0xE000) return Error("invalid surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, &s);
          break;
        }
        default:
          --pos_;
          return Error("invalid escape in string");
      }
    }
    ++pos_;  // closing quote
    *out = doc_->Own(std::move(s));
    return Status::Ok();
  }

  Status ParseArray(int depth, DocValue* out) {
    const uint64_t offset = pos_;
    ++pos_;
    const size_t first = scratch_.size();
    SkipSpace();
    if (pos_ < size_ && p_[pos_] == ']') {
      ++pos_;
      *out = FinishContainer(doc_, &scratch_, first, false, offset);
      return Status::Ok();
    }
    while (true) {
      SkipSpace();
      DocValue v;
      RETURN_IF_ERROR(ParseValue(depth, &v));
      scratch_.push_back(v);
      SkipSpace();
      if (pos_ >= size_) return Error("unterminated array (expected ',' or ']')");
      if (p_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (p_[pos_] == ']') {
        ++pos_;
        break;
      }
      return Error("expected ',' or ']'");
    }
    *out = FinishContainer(doc_, &scratch_, first, false, offset);
    return Status::Ok();
  }

  Status ParseObject(int depth, DocValue* out) {
    const uint64_t offset = pos_;
    ++pos_;
    const size_t first = scratch_.size();
    SkipSpace();
    if (pos_ < size_ && p_[pos_] == '}') {
      ++pos_;
      *out = FinishContainer(doc_, &scratch_, first, true, offset);
      return Status::Ok();
    }
    while (true) {
      SkipSpace();
      if (pos_ >= size_ || p_[pos_] != '"') return Error("expected a member name in quotes");
      std::string_view key;
      RETURN_IF_ERROR(ParseString(&key));
      SkipSpace();
      if (pos_ >= size_ || p_[pos_] != ':') return Error("expected ':' after the member name");
      ++pos_;
      SkipSpace();
      DocValue v;
      RETURN_IF_ERROR(ParseValue(depth, &v));
      v.key = key;
      scratch_.push_back(v);
      SkipSpace();
      if (pos_ >= size_) return Error("unterminated object (expected ',' or '}')");
      if (p_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (p_[pos_] == '}') {
        ++pos_;
        break;
      }
      return Error("expected ',' or '}'");
    }
    *out = FinishContainer(doc_, &scratch_, first, true, offset);
    return Status::Ok();
  }

  const char* p_;
  size_t size_;
  size_t pos_ = 0;
  Document* doc_;
  std::vector<DocValue> scratch_;  // children of the containers being parsed, innermost last
};

}  // namespace

Status ParseJson(std::span<const std::byte> bytes, Document* doc) {
  return JsonParser(bytes, doc).Parse();
}

}  // namespace larch::forest
