// One ONNX Runtime inference session (one per model instance): loads the model, reads its
// inputs' and outputs' names, element types and shapes, validates requests against them and
// runs them. Inputs are wrapped over the caller's memory (no copy); outputs are allocated by
// ORT and handed to the caller as owned OrtValues, which it may expose without copying.
// Run is safe to call from several threads at once (ORT sessions are).
#pragma once

#if LARCH_WITH_ONNX

#include <onnxruntime_c_api.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "onnx/ort_runtime.h"

namespace larch::onnx {

struct TensorSpec {
  std::string name;
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  std::vector<int64_t> dims;  // -1 where the model leaves a dimension free (symbolic or unknown)
};

struct SessionOptions {
  int intra_op_threads = 0;          // 0: ORT's default (one per physical core)
  int inter_op_threads = 0;          // used only with parallel_execution
  int graph_optimization_level = 99; // ORT's GraphOptimizationLevel: 0, 1, 2 or 99 (all)
  bool parallel_execution = false;   // ORT_PARALLEL instead of ORT_SEQUENTIAL
  bool intra_op_spinning = true;     // session.intra_op.allow_spinning
  bool memory_arena = true;          // the CPU arena allocator
};

// Where the model comes from: a file path, or bytes the caller keeps alive during Create.
struct ModelSource {
  std::string path;                  // used when `bytes` is empty
  std::span<const uint8_t> bytes;
  std::string label;                 // how messages name the model (its path or name)
};

// One input of a request. The memory must stay valid and unchanged until Run returns.
struct InputTensor {
  size_t index = 0;                  // position among the model's inputs
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  std::span<const int64_t> shape;
  const void* data = nullptr;        // numeric types: row-major elements
  size_t byte_length = 0;
  std::span<const std::string_view> strings;  // STRING: one element each
};

// An output ORT writes straight into caller memory (shape known before the run).
struct OutputBinding {
  size_t index = 0;                  // position among the model's outputs
  std::span<const int64_t> shape;    // must be what the model computes, or Run fails
  void* data = nullptr;
  size_t byte_length = 0;
};

struct OrtValueDeleter {
  void operator()(OrtValue* v) const;
};
using OwnedValue = std::unique_ptr<OrtValue, OrtValueDeleter>;

// What an output tensor holds, read from its OrtValue (data points into that value).
struct OutputView {
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  std::vector<int64_t> shape;
  size_t element_count = 0;
  void* data = nullptr;              // numeric types only
  size_t byte_length = 0;            // numeric types only
};

class Session {
 public:
  static StatusOr<std::unique_ptr<Session>> Create(const Runtime* runtime, const ModelSource& source,
                                                   const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<TensorSpec>& outputs() const { return outputs_; }
  const std::string& label() const { return label_; }
  // -1 when the model has no input/output of that name.
  int InputIndex(std::string_view name) const;
  int OutputIndex(std::string_view name) const;

  // Checks the request against the model (every input exactly once, element type, rank, fixed
  // dimensions, byte length, BOOL values 0/1) and runs it. `wanted` lists output indices
  // (empty: all, in model order); `results` receives one owned value per wanted output.
  Status Run(std::span<const InputTensor> inputs, std::span<const size_t> wanted,
             std::vector<OwnedValue>* results) const;

  // The same, with ORT writing the listed outputs into caller memory (no copy, no allocation
  // for them); only those outputs are computed.
  Status RunInto(std::span<const InputTensor> inputs, std::span<const OutputBinding> outputs) const;

  // Validation alone (the batcher checks each request before merging it into a batch).
  Status Validate(std::span<const InputTensor> inputs) const;

 private:
  Session(const Runtime* runtime, OrtSession* session, std::string label);
  Status ReadSpecs();
  Status MakeInputValue(const InputTensor& in, OrtValue** out) const;
  // Runs with inputs made from `inputs` and the output names/values already in the thread's
  // scratch (values null: ORT allocates). Releases the input values however it ends.
  Status RunPrepared(std::span<const InputTensor> inputs) const;

  const Runtime* runtime_;
  OrtSession* session_;
  std::string label_;
  std::vector<TensorSpec> inputs_;
  std::vector<TensorSpec> outputs_;
  std::vector<const char*> input_names_;   // point into inputs_[i].name
  std::vector<const char*> output_names_;  // point into outputs_[i].name
};

StatusOr<OutputView> ViewOutput(const Runtime* runtime, const OrtValue* value);

// STRING output: all elements' bytes back to back, and `offsets` (count + 1 entries) where each starts.
Status ReadStringOutput(const Runtime* runtime, const OrtValue* value, size_t count, std::string* bytes,
                        std::vector<size_t>* offsets);

// "[2,-1,3]"
std::string ShapeString(std::span<const int64_t> shape);

}  // namespace larch::onnx

#endif  // LARCH_WITH_ONNX
