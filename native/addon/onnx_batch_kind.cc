// The batcher's runner kind "onnx" (addon.BatchHandle with runner { kind: 'onnx', ... }):
// turns the JS runner options into a factory of OnnxBatchRunners, one per model instance.
#include "addon/onnx_binding.h"

#if LARCH_WITH_ONNX

#include <memory>
#include <vector>

#include "addon/batch_runner_kinds.h"
#include "onnx/onnx_batch_runner.h"

namespace larch::addon {
namespace {

using onnx::Session;

std::vector<int64_t> DimsOf(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) ThrowOnnxInvalid(env, std::string("onnx runner: ") + what + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> dims(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) dims[i] = a.Get(i).ToNumber().Int64Value();
  return dims;
}

// runner: { kind: 'onnx', sessions: handle[] (one per instance, used in turn),
//           inputReshapes: (number[] | null)[], outputModelDims: number[][] }
StatusOr<batch::RunnerFactory> MakeOnnxRunnerFactory(Napi::Env env, Napi::Object runner, const BatchModelDescription& d) {
  Napi::Value list = runner.Get("sessions");
  if (!list.IsArray() || list.As<Napi::Array>().Length() == 0) {
    return Status::Invalid("onnx runner: sessions must be a non-empty array of ONNX session handles");
  }
  std::vector<std::shared_ptr<const Session>> sessions;
  for (uint32_t i = 0; i < list.As<Napi::Array>().Length(); ++i) sessions.push_back(UnwrapOnnxSession(env, list.As<Napi::Array>().Get(i)));
  onnx::BatchIo io;
  io.batching = d.config.max_batch_size > 0;
  Napi::Value reshapes = runner.Get("inputReshapes");
  Napi::Value model_dims = runner.Get("outputModelDims");
  if (!reshapes.IsArray() || !model_dims.IsArray()) {
    return Status::Invalid("onnx runner: inputReshapes and outputModelDims must be arrays");
  }
  for (uint32_t k = 0; k < reshapes.As<Napi::Array>().Length(); ++k) {
    Napi::Value r = reshapes.As<Napi::Array>().Get(k);
    if (r.IsNull() || r.IsUndefined()) io.input_reshapes.emplace_back(std::nullopt);
    else io.input_reshapes.emplace_back(DimsOf(env, r, "inputReshapes[k]"));
  }
  for (uint32_t k = 0; k < model_dims.As<Napi::Array>().Length(); ++k) {
    io.output_model_dims.push_back(DimsOf(env, model_dims.As<Napi::Array>().Get(k), "outputModelDims[k]"));
  }
  for (const batch::TensorSpec& o : d.outputs) io.output_config_dims.push_back(o.dims);
  for (const auto& s : sessions) RETURN_IF_ERROR(onnx::CheckBatchIo(*s, d.inputs, d.outputs, io));
  return batch::RunnerFactory([sessions, io](int index) -> StatusOr<std::unique_ptr<batch::BatchRunner>> {
    return std::unique_ptr<batch::BatchRunner>(
        new onnx::OnnxBatchRunner(sessions[static_cast<size_t>(index) % sessions.size()], io));
  });
}

}  // namespace
}  // namespace larch::addon

LARCH_BATCH_RUNNER_KIND(onnx, larch::addon::MakeOnnxRunnerFactory);

#endif  // LARCH_WITH_ONNX
