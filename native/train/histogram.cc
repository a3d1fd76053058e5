// Histogram kernels (see histogram.h). Both are written so that the compiler keeps the four
// column pointers and histogram bases in registers; the adds stay in double so that sums over
// millions of rows do not drift.
#include "train/histogram.h"

#include <algorithm>

namespace larch::train {
namespace {

template <bool kDense>
void Build(const BinnedMatrix& m, const BinCuts& cuts, const uint32_t* rows, size_t first_row, size_t n,
           const GradPair* gp, const int32_t* features, int32_t nf, GradSum* hist) {
  for (int32_t j = 0; j < nf; ++j) {
    const int32_t f = features[j];
    std::fill(hist + cuts.hist_offset[f], hist + cuts.hist_offset[f + 1], GradSum{});
  }
  int32_t j = 0;
  for (; j + 4 <= nf; j += 4) {
    const uint8_t* __restrict c0 = m.Column(features[j]);
    const uint8_t* __restrict c1 = m.Column(features[j + 1]);
    const uint8_t* __restrict c2 = m.Column(features[j + 2]);
    const uint8_t* __restrict c3 = m.Column(features[j + 3]);
    GradSum* h0 = hist + cuts.hist_offset[features[j]];
    GradSum* h1 = hist + cuts.hist_offset[features[j + 1]];
    GradSum* h2 = hist + cuts.hist_offset[features[j + 2]];
    GradSum* h3 = hist + cuts.hist_offset[features[j + 3]];
    for (size_t i = 0; i < n; ++i) {
      const size_t r = kDense ? first_row + i : rows[i];
      const double g = gp[r].g, h = gp[r].h;
      GradSum& a = h0[c0[r]];
      a.g += g; a.h += h;
      GradSum& b = h1[c1[r]];
      b.g += g; b.h += h;
      GradSum& c = h2[c2[r]];
      c.g += g; c.h += h;
      GradSum& d = h3[c3[r]];
      d.g += g; d.h += h;
    }
  }
  for (; j < nf; ++j) {
    const uint8_t* __restrict c0 = m.Column(features[j]);
    GradSum* h0 = hist + cuts.hist_offset[features[j]];
    for (size_t i = 0; i < n; ++i) {
      const size_t r = kDense ? first_row + i : rows[i];
      GradSum& a = h0[c0[r]];
      a.g += gp[r].g; a.h += gp[r].h;
    }
  }
}

}  // namespace

void BuildHistogram(const BinnedMatrix& m, const BinCuts& cuts, const uint32_t* rows,
                    size_t num_rows, const GradPair* gp, const int32_t* features,
                    int32_t num_features, GradSum* hist) {
  Build<false>(m, cuts, rows, 0, num_rows, gp, features, num_features, hist);
}

void BuildHistogramDense(const BinnedMatrix& m, const BinCuts& cuts, size_t first_row, size_t num_rows,
                         const GradPair* gp, const int32_t* features, int32_t num_features,
                         GradSum* hist) {
  Build<true>(m, cuts, nullptr, first_row, num_rows, gp, features, num_features, hist);
}

}  // namespace larch::train
