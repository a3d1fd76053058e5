#include "batch/forest_runner.h"

namespace larch::batch {

StatusOr<ForestOutputMode> ParseForestOutputMode(std::string_view name) {
  if (name == "value") return ForestOutputMode::kValue;
  if (name == "class") return ForestOutputMode::kClass;
  if (name == "class_threshold") return ForestOutputMode::kClassThreshold;
  if (name == "proba_binary") return ForestOutputMode::kProbaBinary;
  if (name == "probability") return ForestOutputMode::kProbability;
  return Status::Invalid("unknown forest output mode \"" + std::string(name) +
                         "\" (expected value, class, class_threshold, proba_binary or probability)");
}

namespace {
forest::OutputKind RawKind(ForestOutputMode m) {
  switch (m) {
    case ForestOutputMode::kClass: return forest::OutputKind::kClass;
    case ForestOutputMode::kProbability: return forest::OutputKind::kProbability;
    default: return forest::OutputKind::kValue;
  }
}
}  // namespace

size_t ForestOutputWidth(const forest::Predictor& p, ForestOutputMode mode) {
  switch (mode) {
    case ForestOutputMode::kValue: return p.OutputsPerRow(forest::OutputKind::kValue);
    case ForestOutputMode::kClass: return p.OutputsPerRow(forest::OutputKind::kClass);
    case ForestOutputMode::kClassThreshold: return 1;
    case ForestOutputMode::kProbaBinary: return 2;
    case ForestOutputMode::kProbability: return p.OutputsPerRow(forest::OutputKind::kProbability);
  }
  return 0;
}

ForestRunner::ForestRunner(std::shared_ptr<const forest::Predictor> predictor, ForestOutputMode mode,
                           float threshold, int64_t max_batch_size, common::ThreadPool* pool)
    : predictor_(std::move(predictor)),
      mode_(mode),
      kind_(RawKind(mode)),
      width_(ForestOutputWidth(*predictor_, mode)),
      raw_width_(predictor_->OutputsPerRow(kind_)),
      threshold_(threshold),
      pool_(pool) {
  const size_t rows = static_cast<size_t>(max_batch_size < 1 ? 1 : max_batch_size);
  if (predictor_->UsesFloat64()) scratch_f64_.resize(rows * raw_width_);
  else if (mode_ == ForestOutputMode::kClassThreshold || mode_ == ForestOutputMode::kProbaBinary)
    scratch_f32_.resize(rows * raw_width_);
}

Status ForestRunner::Run(const BatchInput& input, BatchOutput& output) {
  const TensorView& x = input.tensors[0];
  const size_t rows = static_cast<size_t>(input.rows);
  Shape out_shape;
  out_shape.rank = 2;
  out_shape.dims[0] = input.rows;
  out_shape.dims[1] = static_cast<int64_t>(width_);
  ASSIGN_OR_RETURN(std::byte* out_bytes, output.Allocate(0, out_shape));
  float* out = reinterpret_cast<float*>(out_bytes);
  const float* rows_in = reinterpret_cast<const float*>(x.data);

  // Where the raw predictions go: the output itself when nothing is left to transform.
  const bool f64 = predictor_->UsesFloat64();
  const bool direct = !f64 && (mode_ == ForestOutputMode::kValue || mode_ == ForestOutputMode::kClass ||
                               mode_ == ForestOutputMode::kProbability);
  void* raw = out;
  if (!direct) {
    const size_t need = rows * raw_width_;
    if (f64) {
      if (scratch_f64_.size() < need) scratch_f64_.resize(need);  // only past max_batch_size (never)
      raw = scratch_f64_.data();
    } else {
      if (scratch_f32_.size() < need) scratch_f32_.resize(need);
      raw = scratch_f32_.data();
    }
  }
  RETURN_IF_ERROR(predictor_->Predict(rows_in, rows, kind_, raw, pool_));
  if (direct) return Status::Ok();

  auto value = [&](size_t i) -> double {
    return f64 ? scratch_f64_[i] : static_cast<double>(scratch_f32_[i]);
  };
  switch (mode_) {
    case ForestOutputMode::kValue:
    case ForestOutputMode::kClass:
    case ForestOutputMode::kProbability:
      for (size_t i = 0; i < rows * raw_width_; ++i) out[i] = static_cast<float>(value(i));
      break;
    case ForestOutputMode::kClassThreshold:
      for (size_t r = 0; r < rows; ++r) out[r] = value(r * raw_width_) > threshold_ ? 1.0f : 0.0f;
      break;
    case ForestOutputMode::kProbaBinary:
      for (size_t r = 0; r < rows; ++r) {
        const float p = static_cast<float>(value(r * raw_width_));
        out[2 * r] = 1.0f - p;
        out[2 * r + 1] = p;
      }
      break;
  }
  return Status::Ok();
}

}  // namespace larch::batch
