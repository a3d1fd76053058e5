#include "batch/tensor.h"

#include "batch/batcher.h"

namespace larch::batch {

namespace {
struct DTypeInfo {
  DType type;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kBool, "BOOL", 1},     {DType::kUint8, "UINT8", 1},   {DType::kUint16, "UINT16", 2},
    {DType::kUint32, "UINT32", 4}, {DType::kUint64, "UINT64", 8}, {DType::kInt8, "INT8", 1},
    {DType::kInt16, "INT16", 2},   {DType::kInt32, "INT32", 4},   {DType::kInt64, "INT64", 8},
    {DType::kFp16, "FP16", 2},     {DType::kFp32, "FP32", 4},     {DType::kFp64, "FP64", 8},
};
}  // namespace

size_t DTypeSize(DType t) { return kDTypes[static_cast<size_t>(t)].size; }
std::string_view DTypeName(DType t) { return kDTypes[static_cast<size_t>(t)].name; }

StatusOr<DType> ParseDType(std::string_view name) {
  for (const DTypeInfo& d : kDTypes)
    if (name == d.name) return d.type;
  if (name == "BYTES")
    return Status::Unsupported("BYTES tensors are not batched natively (variable-length elements)");
  return Status::Invalid("unknown datatype \"" + std::string(name) + "\" (expected a KServe name such as FP32)");
}

std::string Shape::ToString() const {
  std::string s = "[";
  for (int i = 0; i < rank; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

StatusOr<std::byte*> BatchOutput::Allocate(size_t index, const Shape& shape) {
  return sink_->Allocate(index, shape);
}

}  // namespace larch::batch
