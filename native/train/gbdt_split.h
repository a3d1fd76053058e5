// Split scoring for gradient boosting, XGBoost's second-order formulas:
//   leaf weight  w(G, H) = -T(G) / (H + lambda),   T = soft threshold by alpha (L1)
//   leaf score   s(G, H) =  T(G)^2 / (H + lambda)
//   split gain   s(L) + s(R) - s(parent), kept only above gamma, with both children's hessian
//                sums >= min_child_weight.
// Each cut is tried with the missing bin on the right and, when the node has missing values,
// on the left; the better side becomes the node's default direction. Without missing values
// the default direction is the child with more hessian (where unseen missing values most
// likely belong).
#pragma once

#include <cstdint>
#include <limits>

#include "train/histogram.h"

namespace larch::train {

struct SplitParams {
  double reg_lambda = 1.0;
  double reg_alpha = 0.0;
  double min_child_weight = 1.0;
  double min_split_gain = 0.0;
};

inline double SoftThreshold(double g, double alpha) {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0.0;
}
inline double LeafWeight(const GradSum& s, const SplitParams& p) {
  return -SoftThreshold(s.g, p.reg_alpha) / (s.h + p.reg_lambda);
}
inline double LeafScore(const GradSum& s, const SplitParams& p) {
  const double t = SoftThreshold(s.g, p.reg_alpha);
  return t * t / (s.h + p.reg_lambda);
}

struct SplitCandidate {
  double gain = -std::numeric_limits<double>::infinity();
  int32_t feature = -1;
  int32_t bin = -1;  // left = codes 0..bin (plus missing when default_left)
  bool default_left = false;
  GradSum left, right;
  bool Valid() const { return feature >= 0; }
  // Strictly better, so the first candidate in (feature, bin) order wins ties: deterministic.
  bool BetterThan(const SplitCandidate& o) const { return gain > o.gain; }
};

// Best split of one feature given its histogram slice (`h` points at the feature's code 0).
void EvaluateFeature(const GradSum* h, int32_t num_cuts, int32_t feature, const GradSum& total,
                     const SplitParams& p, SplitCandidate& best);

}  // namespace larch::train
