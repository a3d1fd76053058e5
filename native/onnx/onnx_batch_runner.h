// The batcher's runner for ONNX models (native/batch BatchRunner): one per model instance, each
// over its own session. A batch arrives concatenated along dim 0; inputs are wrapped in place
// and ORT writes each output straight into the memory the batcher hands out (the request's own
// array when the batch holds one request), so a batch is run with no copy on this side.
#pragma once

#if LARCH_WITH_ONNX

#include <memory>
#include <optional>
#include <vector>

#include "batch/tensor.h"
#include "onnx/onnx_session.h"

namespace larch::onnx {

// How the config's view of the tensors (what the batcher validates) maps onto the model's.
// Tensors are in the model's order (the batcher is created with the session's order).
struct BatchIo {
  bool batching = false;  // max_batch_size > 0: dim 0 is the batch
  // Per input: the model's dims after the batch dim when the config reshapes it (e.g. [1] -> []).
  std::vector<std::optional<std::vector<int64_t>>> input_reshapes;
  // Per output: the config's dims (what the batcher expects) and the model's (what ORT computes).
  std::vector<std::vector<int64_t>> output_config_dims;
  std::vector<std::vector<int64_t>> output_model_dims;
};

// Checks that `io` and the batcher's specs fit the session (names, order, types, fixed output dims).
Status CheckBatchIo(const Session& session, const std::vector<batch::TensorSpec>& inputs,
                    const std::vector<batch::TensorSpec>& outputs, const BatchIo& io);

class OnnxBatchRunner final : public batch::BatchRunner {
 public:
  OnnxBatchRunner(std::shared_ptr<const Session> session, BatchIo io);
  Status Run(const batch::BatchInput& input, batch::BatchOutput& output) override;

 private:
  std::shared_ptr<const Session> session_;
  BatchIo io_;
  std::vector<ONNXTensorElementDataType> input_types_;
  // Scratch sized at construction: a batch allocates nothing here.
  std::vector<InputTensor> inputs_;
  std::vector<std::vector<int64_t>> input_shapes_;
  std::vector<OutputBinding> outputs_;
  std::vector<std::vector<int64_t>> output_shapes_;
};

}  // namespace larch::onnx

#endif  // LARCH_WITH_ONNX
