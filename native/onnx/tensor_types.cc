#include "onnx/tensor_types.h"

#if LARCH_WITH_ONNX

namespace larch::onnx {
namespace {

struct TypeRow {
  ONNXTensorElementDataType type;
  const char* kserve;
  const char* onnx;
  size_t size;
};

constexpr TypeRow kTypes[] = {
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, "BOOL", "bool", 1},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, "UINT8", "uint8", 1},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16, "UINT16", "uint16", 2},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32, "UINT32", "uint32", 4},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64, "UINT64", "uint64", 8},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, "INT8", "int8", 1},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, "INT16", "int16", 2},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, "INT32", "int32", 4},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, "INT64", "int64", 8},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, "FP16", "float16", 2},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, "FP32", "float", 4},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, "FP64", "double", 8},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, "BYTES", "string", 0},
};

const TypeRow* Find(ONNXTensorElementDataType type) {
  for (const TypeRow& row : kTypes) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

}  // namespace

ONNXTensorElementDataType ElementTypeOfKServe(std::string_view kserve) {
  for (const TypeRow& row : kTypes) {
    if (kserve == row.kserve) return row.type;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

const char* KServeNameOf(ONNXTensorElementDataType type) {
  const TypeRow* row = Find(type);
  return row ? row->kserve : nullptr;
}

size_t ElementSize(ONNXTensorElementDataType type) {
  const TypeRow* row = Find(type);
  return row ? row->size : 0;
}

const char* OnnxNameOf(ONNXTensorElementDataType type) {
  if (const TypeRow* row = Find(type)) return row->onnx;
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16: return "bfloat16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX64: return "complex64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX128: return "complex128";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED: return "undefined";
    default: return "float8/int4";
  }
}

}  // namespace larch::onnx

#endif  // LARCH_WITH_ONNX
