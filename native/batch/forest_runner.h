// The batch runner for forest models (the `fil` backend): input__0 FP32 [rows, num_feature] ->
// output__0 FP32 [rows, width], with the Triton FIL backend's output semantics:
//   kValue           the model's predict() value (regression value, probabilities, ...)
//   kClass           argmax class index per row (multiclass, output_class=true)
//   kClassThreshold  1 if value > threshold else 0 (single-output classifiers, output_class=true)
//   kProbaBinary     [1 - p, p] per row (single-output classifiers, predict_proba=true)
//   kProbability     per-class probabilities, also of a model that predicts classes itself
//                    (XGBoost multi:softmax gives its softmax, as FIL's predict_proba does)
// Float64 models predict into a per-instance scratch buffer sized for max_batch_size rows and
// are narrowed to FP32; float32 models in kValue/kClass mode write straight into the output.
#pragma once

#include <memory>
#include <vector>

#include "batch/tensor.h"
#include "common/thread_pool.h"
#include "forest/predictor.h"

namespace larch::batch {

enum class ForestOutputMode : uint8_t { kValue, kClass, kClassThreshold, kProbaBinary, kProbability };

StatusOr<ForestOutputMode> ParseForestOutputMode(std::string_view name);

// Values per row the mode produces for this predictor.
size_t ForestOutputWidth(const forest::Predictor& p, ForestOutputMode mode);

class ForestRunner final : public BatchRunner {
 public:
  ForestRunner(std::shared_ptr<const forest::Predictor> predictor, ForestOutputMode mode, float threshold,
               int64_t max_batch_size, common::ThreadPool* pool);
  Status Run(const BatchInput& input, BatchOutput& output) override;

 private:
  std::shared_ptr<const forest::Predictor> predictor_;
  ForestOutputMode mode_;
  forest::OutputKind kind_;  // what Predict computes for mode_
  size_t width_;             // output values per row
  size_t raw_width_;         // Predict values per row
  float threshold_;
  common::ThreadPool* pool_;
  std::vector<float> scratch_f32_;   // raw predictions when they cannot go to the output directly
  std::vector<double> scratch_f64_;
};

}  // namespace larch::batch
