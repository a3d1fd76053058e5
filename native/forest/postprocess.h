// The postprocessors, in the arithmetic the reference libraries use (Treelite GTIL
// src/gtil/postprocessor.cc; XGBoost and LightGBM agree with it in their own precision).
// Applied per target to the num_class[target] scores of one row. Softmax: float32 models use
// GTIL's float intermediates (as XGBoost does); float64 models (LightGBM) are done in double as
// LightGBM does, which stays within GTIL's tolerance for converted checkpoints.
#pragma once

#include <cmath>
#include <cstdint>

#include "forest/compile.h"

namespace larch::forest {

template <typename T>
inline void Softmax(T* row, int32_t n) {
  if constexpr (sizeof(T) == sizeof(float)) {
    float max_margin = row[0];
    for (int32_t i = 1; i < n; ++i) max_margin = row[i] > max_margin ? row[i] : max_margin;
    double norm = 0.0;
    for (int32_t i = 0; i < n; ++i) {
      const float t = std::exp(row[i] - max_margin);
      norm += t;
      row[i] = t;
    }
    for (int32_t i = 0; i < n; ++i) row[i] /= static_cast<float>(norm);
  } else {
    double max_margin = row[0];
    for (int32_t i = 1; i < n; ++i) max_margin = row[i] > max_margin ? row[i] : max_margin;
    double norm = 0.0;
    for (int32_t i = 0; i < n; ++i) {
      row[i] = std::exp(row[i] - max_margin);
      norm += row[i];
    }
    for (int32_t i = 0; i < n; ++i) row[i] /= norm;
  }
}

template <typename T>
inline T Sigmoid(T x, float alpha) {
  return T(1) / (T(1) + std::exp(-alpha * x));
}

template <typename T>
inline void PostProcess(const OutputPlan& p, T* row, int32_t n) {
  using Post = OutputPlan::Post;
  switch (p.post) {
    case Post::kIdentity: return;
    case Post::kSoftmax: Softmax(row, n); return;
    case Post::kSigmoid:
    case Post::kMulticlassOva:
      for (int32_t i = 0; i < n; ++i) row[i] = Sigmoid(row[i], p.sigmoid_alpha);
      return;
    case Post::kExponential:
      for (int32_t i = 0; i < n; ++i) row[i] = std::exp(row[i]);
      return;
    case Post::kExponentialStandardRatio:
      for (int32_t i = 0; i < n; ++i) row[i] = std::exp2(-row[i] / p.ratio_c);
      return;
    case Post::kLogOnePlusExp:
      for (int32_t i = 0; i < n; ++i) row[i] = std::log1p(std::exp(row[i]));
      return;
    case Post::kSignedSquare:
      for (int32_t i = 0; i < n; ++i) row[i] = std::copysign(row[i] * row[i], row[i]);
      return;
    case Post::kHinge:
      for (int32_t i = 0; i < n; ++i) row[i] = row[i] > T(0) ? T(1) : T(0);
      return;
  }
}

// First index of the largest score (NaN never wins).
template <typename T>
inline int32_t ArgMax(const T* row, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i) {
    if (row[i] > row[best]) best = i;
  }
  return best;
}

// The class of a single-score classifier: probability > 0.5 for sigmoid-like outputs, score > 0
// for margins (binary:logitraw) and hinge outputs.
template <typename T>
inline T BinaryClass(const OutputPlan& p, T value) {
  using Post = OutputPlan::Post;
  const bool probability = p.post == Post::kSigmoid || p.post == Post::kMulticlassOva;
  return (probability ? value > T(0.5) : value > T(0)) ? T(1) : T(0);
}

}  // namespace larch::forest
