// N-API surface of native/protocol:
//   parseJsonNumbers(bytes, start, dtypeCode, out) -> end | -1
// parses the JSON array at bytes[start] into the typed array `out` (see json_numbers.h) and
// returns the offset just past its closing ']', or -1 when the text there is not an array of
// exactly out.length numbers of that type (the caller then decodes the request with JSON.parse,
// which reports what is wrong).
#include <napi.h>

#include <cmath>
#include <string>

#include "addon/module.h"
#include "addon/train_binding_util.h"
#include "protocol/json_numbers.h"

namespace larch::addon {
namespace {

// The element type a typed array must have to receive values of `type`.
bool ArrayTypeFits(napi_typedarray_type array, protocol::JsonNumberType type) {
  using T = protocol::JsonNumberType;
  switch (type) {
    case T::kUint8: return array == napi_uint8_array;
    case T::kInt8: return array == napi_int8_array;
    case T::kUint16: return array == napi_uint16_array;
    case T::kInt16: return array == napi_int16_array;
    case T::kUint32: return array == napi_uint32_array;
    case T::kInt32: return array == napi_int32_array;
    case T::kUint64: return array == napi_biguint64_array;
    case T::kInt64: return array == napi_bigint64_array;
    case T::kFp32: return array == napi_float32_array;
    case T::kFp64: return array == napi_float64_array;
  }
  return false;
}

Napi::Value ParseJsonNumbersJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsTypedArray())
    ThrowInvalid(env, "parseJsonNumbers(bytes: Uint8Array, start: number, dtypeCode: number, out: TypedArray)");
  napi_typedarray_type bytes_type, out_type;
  size_t bytes_length = 0, out_length = 0, offset = 0;
  void* bytes_data = nullptr;
  void* out_data = nullptr;
  napi_value ab;
  if (napi_get_typedarray_info(env, info[0], &bytes_type, &bytes_length, &bytes_data, &ab, &offset) != napi_ok ||
      bytes_type != napi_uint8_array)
    ThrowInvalid(env, "parseJsonNumbers: bytes must be a Uint8Array");
  if (napi_get_typedarray_info(env, info[3], &out_type, &out_length, &out_data, &ab, &offset) != napi_ok)
    ThrowInvalid(env, "parseJsonNumbers: out must be a typed array");
  const double start = info[1].As<Napi::Number>().DoubleValue();
  const uint32_t code = info[2].As<Napi::Number>().Uint32Value();
  if (!protocol::IsJsonNumberType(code)) ThrowInvalid(env, "parseJsonNumbers: no JSON number parser for datatype code " + std::to_string(code));
  const auto type = static_cast<protocol::JsonNumberType>(code);
  if (!ArrayTypeFits(out_type, type)) ThrowInvalid(env, "parseJsonNumbers: out's element type does not match the datatype");
  if (!(start >= 0) || start > static_cast<double>(bytes_length) || start != std::floor(start))
    ThrowInvalid(env, "parseJsonNumbers: start must be an integer offset inside bytes");
  const size_t from = static_cast<size_t>(start);
  const std::string_view text(static_cast<const char*>(bytes_data) + from, bytes_length - from);
  const int64_t used = protocol::ParseJsonNumberArray(text, type, out_data, out_length);
  return Napi::Number::New(env, used < 0 ? -1.0 : static_cast<double>(from + static_cast<size_t>(used)));
}

void InitProtocolBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("parseJsonNumbers", Napi::Function::New(env, ParseJsonNumbersJs, "parseJsonNumbers"));
}

}  // namespace

LARCH_ADDON_MODULE(protocol, InitProtocolBinding);

}  // namespace larch::addon
