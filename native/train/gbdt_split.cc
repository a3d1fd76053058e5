// Cut enumeration for one feature (formulas in gbdt_split.h).
#include "train/gbdt_split.h"

namespace larch::train {

void EvaluateFeature(const GradSum* h, int32_t num_cuts, int32_t feature, const GradSum& total,
                     const SplitParams& p, SplitCandidate& best) {
  const GradSum missing = h[num_cuts + 1];
  const bool has_missing = missing.h > 0.0;
  const double parent = LeafScore(total, p);
  const double mcw = p.min_child_weight;
  GradSum left;
  // A cut after bin b exists for b < num_cuts (c_b is the threshold); the last value bin has none.
  for (int32_t b = 0; b < num_cuts; ++b) {
    if (h[b].h == 0.0) continue;  // empty bin (every row has h > 0): same split as before
    left += h[b];
    const GradSum right_values = total - left - missing;
    {  // missing values go right
      const GradSum r = right_values + missing;
      if (left.h >= mcw && r.h >= mcw && left.h > 0.0 && r.h > 0.0) {
        const double gain = LeafScore(left, p) + LeafScore(r, p) - parent;
        if (gain > best.gain) {
          best.gain = gain;
          best.feature = feature;
          best.bin = b;
          best.default_left = has_missing ? false : left.h >= r.h;
          best.left = left;
          best.right = r;
        }
      }
    }
    if (has_missing) {  // missing values go left
      const GradSum l = left + missing;
      if (l.h >= mcw && right_values.h >= mcw && l.h > 0.0 && right_values.h > 0.0) {
        const double gain = LeafScore(l, p) + LeafScore(right_values, p) - parent;
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
    if (values.h >= mcw && missing.h >= mcw && values.h > 0.0) {
      const double gain = LeafScore(values, p) + LeafScore(missing, p) - parent;
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

}  // namespace larch::train
