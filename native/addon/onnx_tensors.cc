// JS tensors <-> ONNX Runtime for the ONNX binding: request tensors read in place (no copy of
// their data) and ORT outputs turned into JS tensors (small ones copied, large ones handed over).
#include "addon/onnx_binding.h"

#if LARCH_WITH_ONNX

#include <cstring>
#include <string>
#include <vector>

#include "onnx/tensor_types.h"

namespace larch::addon {
namespace {

using onnx::Session;

// Outputs up to this size are copied to JS; larger ones are handed over without a copy.
constexpr size_t kCopyOutputBytes = 16 * 1024;

// The typed array kind each element type travels in (see lib/backends/types.ts TensorData).
napi_typedarray_type ArrayTypeOf(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return napi_uint8_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return napi_int8_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return napi_uint16_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16: return napi_int16_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32: return napi_uint32_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return napi_int32_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64: return napi_biguint64_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return napi_bigint64_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return napi_float32_array;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return napi_float64_array;
    default: return napi_uint8_array;
  }
}

const char* ArrayNameOf(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "typed array";
  }
}

}  // namespace

void ReadOnnxInputs(Napi::Env env, const Session& session, Napi::Array tensors, std::vector<onnx::InputTensor>* inputs,
                    std::vector<std::vector<int64_t>>* shapes, std::vector<std::vector<std::string_view>>* strings) {
  const uint32_t n = tensors.Length();
  inputs->resize(n);
  shapes->resize(n);
  strings->resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = tensors.Get(i);
    if (!v.IsObject()) ThrowOnnxInvalid(env, "input " + std::to_string(i) + " is not a tensor object");
    Napi::Object t = v.As<Napi::Object>();
    std::string name = t.Get("name").ToString().Utf8Value();
    int index = session.InputIndex(name);
    if (index < 0) {
      std::string names;
      for (const auto& s : session.inputs()) names += (names.empty() ? "'" : ", '") + s.name + "'";
      ThrowOnnxInvalid(env, session.label() + " has no input '" + name + "' (its inputs: " + names + ")");
    }
    onnx::InputTensor& in = (*inputs)[i];
    in.index = static_cast<size_t>(index);
    std::string datatype = t.Get("datatype").ToString().Utf8Value();
    in.type = onnx::ElementTypeOfKServe(datatype);
    if (in.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED) {
      ThrowOnnxInvalid(env, "input '" + name + "': unknown datatype '" + datatype + "'");
    }
    const onnx::TensorSpec& spec = session.inputs()[in.index];
    if (in.type != spec.type) {
      ThrowOnnxInvalid(env, session.label() + ": input '" + name + "' has datatype " + onnx::KServeNameOf(spec.type) +
                            ", got " + datatype);
    }
    Napi::Value shape_value = t.Get("shape");
    if (!shape_value.IsArray()) ThrowOnnxInvalid(env, "input '" + name + "': shape must be an array of integers");
    Napi::Array shape = shape_value.As<Napi::Array>();
    std::vector<int64_t>& dims = (*shapes)[i];
    dims.resize(shape.Length());
    for (uint32_t d = 0; d < shape.Length(); ++d) {
      Napi::Value dv = shape.Get(d);
      double x = dv.IsNumber() ? dv.As<Napi::Number>().DoubleValue() : -1;
      if (!(x >= 0) || x != static_cast<double>(static_cast<int64_t>(x))) {
        ThrowOnnxInvalid(env, "input '" + name + "': shape entries must be non-negative integers");
      }
      dims[d] = static_cast<int64_t>(x);
    }
    in.shape = dims;
    Napi::Value data = t.Get("data");
    if (in.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
      if (!data.IsArray()) ThrowOnnxInvalid(env, "input '" + name + "': BYTES data must be an array of Buffers");
      Napi::Array elements = data.As<Napi::Array>();
      std::vector<std::string_view>& views = (*strings)[i];
      views.resize(elements.Length());
      for (uint32_t e = 0; e < elements.Length(); ++e) {
        Napi::Value ev = elements.Get(e);
        if (!ev.IsTypedArray()) ThrowOnnxInvalid(env, "input '" + name + "': BYTES element " + std::to_string(e) + " is not a Buffer");
        Napi::Uint8Array bytes = ev.As<Napi::Uint8Array>();
        views[e] = std::string_view(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
      }
      in.strings = views;
      continue;
    }
    if (!data.IsTypedArray()) ThrowOnnxInvalid(env, "input '" + name + "': data must be a typed array");
    Napi::TypedArray array = data.As<Napi::TypedArray>();
    napi_typedarray_type expected = ArrayTypeOf(in.type);
    if (array.TypedArrayType() != expected) {
      ThrowOnnxInvalid(env, "input '" + name + "': " + datatype + " data must be a " + ArrayNameOf(expected) + ", got a " +
                            ArrayNameOf(array.TypedArrayType()));
    }
    in.data = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    in.byte_length = array.ByteLength();
  }
}

Napi::Object OnnxOutputToJs(Napi::Env env, const std::string& name, onnx::OwnedValue value) {
  const onnx::Runtime* rt = onnx::CurrentRuntime();
  auto view = onnx::ViewOutput(rt, value.get());
  if (!view.ok()) throw OnnxErrorOf(env, view.status());
  Napi::Object t = Napi::Object::New(env);
  t.Set("name", name);
  const char* datatype = onnx::KServeNameOf(view->type);
  if (datatype == nullptr) throw OnnxErrorOf(env, Status::Unsupported("output '" + name + "' has an element type KServe cannot carry"));
  t.Set("datatype", datatype);
  Napi::Array shape = Napi::Array::New(env, view->shape.size());
  for (size_t d = 0; d < view->shape.size(); ++d) shape.Set(d, Napi::Number::New(env, static_cast<double>(view->shape[d])));
  t.Set("shape", shape);
  if (view->type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
    std::string bytes;
    std::vector<size_t> offsets;
    Status st = onnx::ReadStringOutput(rt, value.get(), view->element_count, &bytes, &offsets);
    if (!st.ok()) throw OnnxErrorOf(env, st);
    Napi::Array elements = Napi::Array::New(env, view->element_count);
    for (size_t e = 0; e < view->element_count; ++e) {
      elements.Set(e, Napi::Buffer<char>::Copy(env, bytes.data() + offsets[e], offsets[e + 1] - offsets[e]));
    }
    t.Set("data", elements);
    return t;
  }
  Napi::ArrayBuffer buffer;
  if (view->byte_length <= kCopyOutputBytes) {
    // Small outputs are copied into a V8-owned buffer and ORT's memory goes back to its arena
    // at once: an external buffer's finalizer only runs after a GC and a turn of the event
    // loop, so a tight loop of small requests would otherwise pile up ORT allocations.
    buffer = Napi::ArrayBuffer::New(env, view->byte_length);
    if (view->byte_length) std::memcpy(buffer.Data(), view->data, view->byte_length);
  } else {
    // Zero copy: JS reads ORT's output memory; the OrtValue lives until the buffer is collected.
    OrtValue* owned = value.release();
    buffer = Napi::ArrayBuffer::New(env, view->data, view->byte_length,
                                    [](Napi::Env, void*, OrtValue* v) { onnx::OrtValueDeleter()(v); }, owned);
  }
  napi_typedarray_type kind = ArrayTypeOf(view->type);
  size_t element_size = onnx::ElementSize(view->type);
  napi_value array;
  napi_status status = napi_create_typedarray(env, kind, view->byte_length / element_size, buffer, 0, &array);
  NAPI_THROW_IF_FAILED(env, status, Napi::Object());
  t.Set("data", Napi::Value(env, array));
  return t;
}

}  // namespace larch::addon

#endif  // LARCH_WITH_ONNX
