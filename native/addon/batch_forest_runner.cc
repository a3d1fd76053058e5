// The "forest" batch runner kind: runner options {kind: 'forest', model: <forest handle>,
// mode: 'value' | 'class' | 'class_threshold' | 'proba_binary' | 'probability', threshold?: number}. Checks that
// the batched model's tensors are what the forest computes: one FP32 input [num_feature] and
// one FP32 output [width of the mode].
#include <napi.h>

#include "addon/batch_runner_kinds.h"
#include "addon/forest_binding.h"
#include "batch/forest_runner.h"

namespace larch::addon {

namespace {

StatusOr<batch::RunnerFactory> MakeForestFactory(Napi::Env env, Napi::Object runner, const BatchModelDescription& d) {
  std::shared_ptr<const forest::Predictor> predictor = UnwrapForestModel(env, runner.Get("model"));
  ASSIGN_OR_RETURN(batch::ForestOutputMode mode, batch::ParseForestOutputMode(runner.Get("mode").ToString().Utf8Value()));
  Napi::Value t = runner.Get("threshold");
  const float threshold = t.IsNumber() ? t.As<Napi::Number>().FloatValue() : 0.5f;
  const std::string where = " (model \"" + d.name + "\")";
  if (d.inputs.size() != 1 || d.inputs[0].dtype != batch::DType::kFp32 || d.inputs[0].dims.size() != 1 ||
      d.inputs[0].dims[0] != predictor->NumFeature())
    return Status::Invalid("a forest model takes one FP32 input of dims [" + std::to_string(predictor->NumFeature()) +
                           "] (its num_feature)" + where);
  const size_t width = batch::ForestOutputWidth(*predictor, mode);
  if (d.outputs.size() != 1 || d.outputs[0].dtype != batch::DType::kFp32 || d.outputs[0].dims.size() != 1 ||
      d.outputs[0].dims[0] != static_cast<int64_t>(width))
    return Status::Invalid("this forest model produces one FP32 output of dims [" + std::to_string(width) + "]" + where);
  if (d.config.max_batch_size < 1)
    return Status::Invalid("a forest model needs max_batch_size >= 1 (rows are its batch dimension)" + where);
  const int64_t max_batch = d.config.max_batch_size;
  return batch::RunnerFactory([predictor, mode, threshold, max_batch](int) -> StatusOr<std::unique_ptr<batch::BatchRunner>> {
    return std::unique_ptr<batch::BatchRunner>(
        new batch::ForestRunner(predictor, mode, threshold, max_batch, &common::ThreadPool::Default()));
  });
}

}  // namespace

}  // namespace larch::addon

LARCH_BATCH_RUNNER_KIND(forest, larch::addon::MakeForestFactory);
