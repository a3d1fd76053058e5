#include "onnx/onnx_batch_runner.h"

#if LARCH_WITH_ONNX

#include "onnx/tensor_types.h"

namespace larch::onnx {
namespace {

ONNXTensorElementDataType TypeOf(batch::DType dtype) { return ElementTypeOfKServe(batch::DTypeName(dtype)); }

}  // namespace

Status CheckBatchIo(const Session& session, const std::vector<batch::TensorSpec>& inputs,
                    const std::vector<batch::TensorSpec>& outputs, const BatchIo& io) {
  const std::string& model = session.label();
  if (inputs.size() != session.inputs().size() || outputs.size() != session.outputs().size() ||
      io.input_reshapes.size() != inputs.size() || io.output_config_dims.size() != outputs.size() ||
      io.output_model_dims.size() != outputs.size()) {
    return Status::Invalid(model + ": the batcher's tensors do not match the model's inputs and outputs");
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    const TensorSpec& m = session.inputs()[k];
    if (inputs[k].name != m.name || TypeOf(inputs[k].dtype) != m.type) {
      return Status::Invalid(model + ": batcher input " + std::to_string(k) + " '" + inputs[k].name +
                             "' is not the model's input '" + m.name + "' of type " + OnnxNameOf(m.type));
    }
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    const TensorSpec& m = session.outputs()[k];
    if (outputs[k].name != m.name || TypeOf(outputs[k].dtype) != m.type) {
      return Status::Invalid(model + ": batcher output " + std::to_string(k) + " '" + outputs[k].name +
                             "' is not the model's output '" + m.name + "' of type " + OnnxNameOf(m.type));
    }
    const size_t rank = io.output_config_dims[k].size() + (io.batching ? 1 : 0);
    if (rank > static_cast<size_t>(batch::Shape::kMaxRank) || io.output_model_dims[k].size() + (io.batching ? 1 : 0) > 16) {
      return Status::Unsupported(model + ": output '" + m.name + "' has more dims than the batcher carries");
    }
    for (int64_t d : io.output_model_dims[k]) {
      if (d < 0) return Status::Invalid(model + ": output '" + m.name + "' needs fixed dims to be batched natively");
    }
    int64_t config_n = 1, model_n = 1;
    for (int64_t d : io.output_config_dims[k]) config_n *= d;
    for (int64_t d : io.output_model_dims[k]) model_n *= d;
    if (config_n != model_n) {
      return Status::Invalid(model + ": output '" + m.name + "' reshape " + ShapeString(io.output_model_dims[k]) +
                             " does not hold the elements of dims " + ShapeString(io.output_config_dims[k]));
    }
  }
  return Status::Ok();
}

OnnxBatchRunner::OnnxBatchRunner(std::shared_ptr<const Session> session, BatchIo io)
    : session_(std::move(session)), io_(std::move(io)) {
  const size_t n_in = session_->inputs().size();
  const size_t n_out = session_->outputs().size();
  for (const TensorSpec& s : session_->inputs()) input_types_.push_back(s.type);
  inputs_.resize(n_in);
  input_shapes_.resize(n_in);
  for (size_t k = 0; k < n_in; ++k) input_shapes_[k].reserve(batch::Shape::kMaxRank + 1);
  outputs_.resize(n_out);
  output_shapes_.resize(n_out);
  for (size_t k = 0; k < n_out; ++k) {
    output_shapes_[k].assign(io_.output_model_dims[k].size() + (io_.batching ? 1 : 0), 0);
    outputs_[k].index = k;
  }
}

Status OnnxBatchRunner::Run(const batch::BatchInput& input, batch::BatchOutput& output) {
  const int64_t rows = input.rows;
  for (size_t k = 0; k < inputs_.size(); ++k) {
    const batch::TensorView& t = input.tensors[k];
    std::vector<int64_t>& shape = input_shapes_[k];
    shape.clear();
    if (io_.input_reshapes[k]) {
      if (io_.batching) shape.push_back(t.shape.dims[0]);
      shape.insert(shape.end(), io_.input_reshapes[k]->begin(), io_.input_reshapes[k]->end());
    } else {
      shape.assign(t.shape.dims.begin(), t.shape.dims.begin() + t.shape.rank);
    }
    InputTensor& in = inputs_[k];
    in.index = k;
    in.type = input_types_[k];
    in.shape = shape;
    in.data = t.data;
    in.byte_length = static_cast<size_t>(t.shape.NumElements()) * batch::DTypeSize(t.dtype);
  }
  for (size_t k = 0; k < outputs_.size(); ++k) {
    batch::Shape config_shape;
    std::vector<int64_t>& model_shape = output_shapes_[k];
    size_t at = 0;
    if (io_.batching) {
      config_shape.dims[config_shape.rank++] = rows;
      model_shape[at++] = rows;
    }
    for (int64_t d : io_.output_config_dims[k]) config_shape.dims[config_shape.rank++] = d;
    for (int64_t d : io_.output_model_dims[k]) model_shape[at++] = d;
    ASSIGN_OR_RETURN(std::byte * dst, output.Allocate(k, config_shape));
    outputs_[k].shape = model_shape;
    outputs_[k].data = dst;
    outputs_[k].byte_length = static_cast<size_t>(config_shape.NumElements()) * ElementSize(session_->outputs()[k].type);
  }
  return session_->RunInto(inputs_, outputs_);
}

}  // namespace larch::onnx

#endif  // LARCH_WITH_ONNX
