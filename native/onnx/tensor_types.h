// KServe datatype names <-> ONNX tensor element types. Only the types KServe can carry are
// mapped; a model using another (bfloat16, complex, float8, int4) is refused at load time.
#pragma once

#if LARCH_WITH_ONNX

#include <onnxruntime_c_api.h>

#include <cstddef>
#include <string_view>

namespace larch::onnx {

// UNDEFINED when `kserve` names no KServe datatype.
ONNXTensorElementDataType ElementTypeOfKServe(std::string_view kserve);

// The KServe name ("FP32", "BYTES", ...), or nullptr when KServe has no such type.
const char* KServeNameOf(ONNXTensorElementDataType type);

// Bytes per element; 0 for STRING (variable length) and unmapped types.
size_t ElementSize(ONNXTensorElementDataType type);

// ONNX's own spelling, for messages ("float", "int64", "bfloat16", ...).
const char* OnnxNameOf(ONNXTensorElementDataType type);

}  // namespace larch::onnx

#endif  // LARCH_WITH_ONNX
