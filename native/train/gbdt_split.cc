// Cut enumeration for one feature (formulas in gbdt_split.h).
#include "train/gbdt_split.h"

namespace larch::train {
namespace {

// kL1: whether reg_alpha > 0 (the soft threshold is skipped otherwise, as it is the identity).
template <bool kL1>
inline double Score(const GradSum& s, const SplitParams& p) {
  const double t = kL1 ? SoftThreshold(s.g, p.reg_alpha) : s.g;
  return t * t / (s.h + p.reg_lambda);
}

template <bool kL1>
void Evaluate(const GradSum* h, int32_t num_cuts, int32_t feature, const GradSum& total,
              const SplitParams& p, SplitCandidate& best) {
  const GradSum missing = h[num_cuts + 1];
  const bool has_missing = missing.h > 0.0;
  const double parent = Score<kL1>(total, p);
  // Children need hessian >= mcw and > 0 (every row has h > 0, so > 0 means non-empty).
  const double mcw = p.min_child_weight > 0.0 ? p.min_child_weight : 1e-300;
  GradSum left;
  // A cut after bin b exists for b < num_cuts (c_b is the threshold); the last value bin has none.
  for (int32_t b = 0; b < num_cuts; ++b) {
    if (h[b].h == 0.0) continue;  // empty bin: same partition as the previous cut
    left += h[b];
    // The right side only shrinks from here on: once it is too light, no later cut is valid.
    if (total.h - left.h < mcw) break;
    const GradSum right_values = total - left - missing;
    if (left.h >= mcw) {  // missing values go right
      const GradSum r = right_values + missing;
      const double gain = Score<kL1>(left, p) + Score<kL1>(r, p) - parent;
      if (gain > best.gain) {
        best.gain = gain;
        best.feature = feature;
        best.bin = b;
        best.default_left = has_missing ? false : left.h >= r.h;
        best.left = left;
        best.right = r;
      }
    }
    if (has_missing && right_values.h >= mcw) {  // missing values go left
      const GradSum l = left + missing;
      if (l.h >= mcw) {
        const double gain = Score<kL1>(l, p) + Score<kL1>(right_values, p) - parent;
        if (gain > best.gain) {
          best.gain = gain;
          best.feature = feature;
          best.bin = b;
          best.default_left = true;
          best.left = l;
          best.right = right_values;
        }
      }
    }
  }
  // Every value left, missing values alone on the right (bin = num_cuts: no cut above it; the
  // forest IR node becomes `x <= +inf`, which only NaN fails).
  if (has_missing) {
    const GradSum values = total - missing;
    if (values.h >= mcw && missing.h >= mcw) {
      const double gain = Score<kL1>(values, p) + Score<kL1>(missing, p) - parent;
      if (gain > best.gain) {
        best.gain = gain;
        best.feature = feature;
        best.bin = num_cuts;
        best.default_left = false;
        best.left = values;
        best.right = missing;
      }
    }
  }
}

}  // namespace

void EvaluateFeature(const GradSum* h, int32_t num_cuts, int32_t feature, const GradSum& total,
                     const SplitParams& p, SplitCandidate& best) {
  if (p.reg_alpha > 0.0) Evaluate<true>(h, num_cuts, feature, total, p, best);
  else Evaluate<false>(h, num_cuts, feature, total, p, best);
}

}  // namespace larch::train
