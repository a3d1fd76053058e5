// The compiled forest evaluator: the public C++ API that bindings, the batcher and the trainer
// use to run a model.
//
//   ASSIGN_OR_RETURN(Forest f, LoadModel(bytes, format));          // loaders.h
//   ASSIGN_OR_RETURN(auto predictor, Predictor::Create(std::move(f)));
//   std::vector<float> out(predictor->OutputSize(rows, OutputKind::kValue));  // if !UsesFloat64()
//   RETURN_IF_ERROR(predictor->Predict(x, rows, OutputKind::kValue, out.data(), &pool));
//
// A Predictor is immutable after Create and safe to share between threads: any number of
// Predict calls may run at once. Predict allocates nothing beyond first-use per-thread scratch;
// the caller owns the output, sized with OutputSize.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "common/thread_pool.h"
#include "forest/forest_ir.h"

namespace larch::forest {

// What Predict writes per row.
enum class OutputKind : uint8_t {
  // What the source library's predict() returns: the postprocessed score (probabilities,
  // regression values; LightGBM rf averages the sum first), or for models whose library returns
  // a class (XGBoost multi:softmax, Forest::default_output_is_class) the argmax as a number.
  kValue = 0,
  // The raw score before the postprocessor, base scores included (XGBoost output_margin,
  // LightGBM raw score, Treelite pred_margin).
  kMargin = 1,
  // One class index per row: argmax over classes, or score >= 0.5 for a binary classifier whose
  // value is a probability (margin >= 0 for one whose value is a margin).
  kClass = 2,
  // The postprocessed scores, also for models whose value is a class: XGBoost multi:softmax
  // gives its softmax probabilities (what multi:softprob would), as FIL's predict_proba does.
  // For every other model the same as kValue.
  kProbability = 3,
};

// Parses 'value' | 'margin' | 'class'.
StatusOr<OutputKind> ParseOutputKind(std::string_view name);

class CompiledForest;  // the packed node layout (compile.h)

class Predictor {
 public:
  // Validates and compiles the forest. Fails with INVALID_ARGUMENT for an inconsistent IR
  // (child out of range, feature >= num_feature, cycles, bad leaf-vector shape) and UNSUPPORTED
  // for a postprocessor or construct the evaluator does not implement.
  static StatusOr<std::shared_ptr<const Predictor>> Create(Forest forest);
  ~Predictor();

  int32_t NumFeature() const { return forest_.num_feature; }
  // Values per row for the kind: num_target * max_num_class for value/margin (1 where the value
  // is a class), 1 per target for class.
  size_t OutputsPerRow(OutputKind kind) const;
  size_t OutputSize(size_t rows, OutputKind kind) const { return rows * OutputsPerRow(kind); }
  // The element type of `out`: double if true, float otherwise (the model's value_type).
  bool UsesFloat64() const { return forest_.value_type == ValueType::kFloat64; }

  // rows: n_rows * NumFeature() values, row-major, NaN = missing. out: OutputSize(n_rows, kind)
  // values of the model's type. pool: threads to spread the rows over; nullptr = the calling
  // thread only. Input of the other precision is converted the way the source library does
  // (float64 input to a float32 model is rounded to float32 before comparing).
  Status Predict(const float* rows, size_t n_rows, OutputKind kind, void* out,
                 common::ThreadPool* pool) const;
  Status Predict(const double* rows, size_t n_rows, OutputKind kind, void* out,
                 common::ThreadPool* pool) const;

  // Whether single rows (and the rows of a batch left over after its blocks of 8) walk the
  // pointer-free complete layout (complete_layout.h) rather than the packed one.
  bool UsesCompleteLayout() const;
  // Whether that walk is the AVX-512 kernel (float32 models on a CPU with AVX-512F, unless
  // LARCH_FOREST_SIMD=off) rather than the portable one.
  bool UsesSimdSingleRow() const;

  // The IR the predictor was compiled from (for toTreelite and introspection).
  const Forest& ir() const { return forest_; }
  // 'binary' | 'regression' | 'multiclass' | 'ranking' | 'isolation_forest'.
  std::string_view TaskName() const;

 private:
  Predictor() = default;
  template <typename In>
  Status PredictImpl(const In* rows, size_t n_rows, OutputKind kind, void* out,
                     common::ThreadPool* pool) const;

  Forest forest_;
  std::unique_ptr<const CompiledForest> compiled_;
};

}  // namespace larch::forest
