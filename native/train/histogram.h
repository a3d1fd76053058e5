// Gradient histograms: the inner loop of boosting.
//
// A node histogram is one flat array of GradSum indexed by BinCuts::hist_offset[f] + code, for
// every feature (unused features are simply never filled). Rows are visited through the node's
// row list in ascending order, so the column and gradient reads move forward through memory;
// features go four at a time so that each row index and gradient pair is loaded once per four
// features.
#pragma once

#include <cstddef>
#include <cstdint>

#include "train/quantize.h"

namespace larch::train {

struct GradPair {
  float g;
  float h;
};

struct GradSum {
  double g = 0.0;
  double h = 0.0;
  GradSum& operator+=(const GradSum& o) { g += o.g; h += o.h; return *this; }
  GradSum& operator-=(const GradSum& o) { g -= o.g; h -= o.h; return *this; }
};
inline GradSum operator+(GradSum a, const GradSum& b) { return a += b; }
inline GradSum operator-(GradSum a, const GradSum& b) { return a -= b; }

// Zeroes and fills the histogram ranges of features[0..num_features) of one node from
// rows[0..num_rows). `hist` is the node's whole histogram.
void BuildHistogram(const BinnedMatrix& m, const BinCuts& cuts, const uint32_t* rows,
                    size_t num_rows, const GradPair* gp, const int32_t* features,
                    int32_t num_features, GradSum* hist);

// Same, for rows first_row..first_row+num_rows-1 in order (the root when every row is in the tree).
void BuildHistogramDense(const BinnedMatrix& m, const BinCuts& cuts, size_t first_row, size_t num_rows,
                         const GradPair* gp, const int32_t* features, int32_t num_features,
                         GradSum* hist);

}  // namespace larch::train
