// The tensors a batch runner sees, and the runner interface every backend implements.
//
// A request carries one tensor per model input, each [rows, d1, ..., dk] (rows is the batch
// dimension; a model with max_batch_size 0 does not batch and its tensors are passed whole).
// The batcher concatenates the requests of a batch along dim 0 and hands the runner ONE
// BatchInput per batch; the runner writes each output [rows, ...] into memory that
// BatchOutput::Allocate hands out, and the batcher splits the rows back to the requests.
// One virtual call per batch (Run); nothing here is per row.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace larch::batch {

// KServe datatypes with a fixed element size. BYTES (variable-length) is not batched natively.
enum class DType : uint8_t {
  kBool, kUint8, kUint16, kUint32, kUint64, kInt8, kInt16, kInt32, kInt64, kFp16, kFp32, kFp64,
};

size_t DTypeSize(DType t);
std::string_view DTypeName(DType t);               // the KServe name: "FP32", "INT64", ...
StatusOr<DType> ParseDType(std::string_view name);  // fails with INVALID_ARGUMENT (BYTES: UNSUPPORTED)

// A shape with its dimensions stored inline, so requests never allocate for their shapes.
struct Shape {
  static constexpr int kMaxRank = 8;
  std::array<int64_t, kMaxRank> dims{};
  int rank = 0;

  std::span<const int64_t> view() const { return {dims.data(), static_cast<size_t>(rank)}; }
  int64_t NumElements() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
  // Elements of one batch row: every dim but the first.
  int64_t RowElements() const {
    int64_t n = 1;
    for (int i = 1; i < rank; ++i) n *= dims[i];
    return n;
  }
  bool SameRowShape(const Shape& o) const {
    if (rank != o.rank) return false;
    for (int i = 1; i < rank; ++i) if (dims[i] != o.dims[i]) return false;
    return true;
  }
  std::string ToString() const;
};

// A model input or output as the model declares it. dims exclude the batch dimension when the
// model batches; -1 = any size.
struct TensorSpec {
  std::string name;
  DType dtype = DType::kFp32;
  std::vector<int64_t> dims;
};

struct TensorView {
  DType dtype = DType::kFp32;
  Shape shape;                       // [rows, ...] when batching
  const std::byte* data = nullptr;   // shape.NumElements() * DTypeSize(dtype) bytes
};

struct BatchInput {
  int64_t rows = 0;                       // batch size (1 for a model that does not batch)
  std::span<const TensorView> tensors;    // one per model input, in the model's input order
};

class BatchOutputSink;  // batcher.cc: where a batch's output rows go

// Memory for a batch's outputs. Allocate may hand out the requester's own output memory (a
// batch of one request whose output array was preallocated by the caller: no copy at all) or a
// per-instance buffer the batcher splits back afterwards. The pointer is valid until Run returns.
class BatchOutput {
 public:
  explicit BatchOutput(BatchOutputSink* sink) : sink_(sink) {}
  // shape must be [rows, ...] (batching models) and match the model's output dims.
  StatusOr<std::byte*> Allocate(size_t output_index, const Shape& shape);

 private:
  BatchOutputSink* sink_;
};

// A backend's compute for one model instance, or for one inline context (Batcher): Run is never
// called concurrently with itself; distinct runners run in parallel. It must not throw.
class BatchRunner {
 public:
  virtual ~BatchRunner() = default;
  virtual Status Run(const BatchInput& input, BatchOutput& output) = 0;
};

// Makes a runner: for instance `index` (0 .. instance_count-1) when the model is created, and,
// for models that run small requests inline, one per inline context (index instance_count and
// up) later, from whichever thread first needs it; so it must only capture what stays valid.
using RunnerFactory = std::function<StatusOr<std::unique_ptr<BatchRunner>>(int index)>;

}  // namespace larch::batch
