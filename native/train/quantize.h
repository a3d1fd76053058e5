// Feature quantisation: per-feature cut points and the binned (uint8, column-major) matrix that
// every histogram is built from.
//
// A feature with cuts c_0 < c_1 < ... < c_{k-1} has k+1 value bins and one missing bin:
//   code(v) = number of cuts <= v      (0..k)   for any non-NaN v (±inf included)
//   code(NaN) = k + 1                  (the missing bin, always the last code of the feature)
// so "code <= b" is exactly "v < c_b": a split after bin b becomes the Treelite node
// `x < c_b` (cmp kLT) with the missing bin following the node's default direction. Cuts are
// data values (float32), so the node reproduces the binned decision on raw float32 input.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"

namespace larch::train {

// The most codes one feature may use: value bins plus the missing bin fit in a uint8.
inline constexpr int kMaxCodes = 256;

struct BinCuts {
  std::vector<float> values;       // all features' cuts, feature after feature
  std::vector<uint32_t> begin;     // feature f's cuts are values[begin[f], begin[f+1])
  std::vector<uint32_t> hist_offset;  // first histogram slot of feature f; size F+1

  int32_t NumFeatures() const { return static_cast<int32_t>(begin.size()) - 1; }
  int32_t NumCuts(int32_t f) const { return static_cast<int32_t>(begin[f + 1] - begin[f]); }
  // Codes of feature f: value bins 0..NumCuts(f), then the missing code NumCuts(f) + 1.
  int32_t NumCodes(int32_t f) const { return NumCuts(f) + 2; }
  int32_t MissingCode(int32_t f) const { return NumCuts(f) + 1; }
  const float* Cuts(int32_t f) const { return values.data() + begin[f]; }
  uint32_t TotalCodes() const { return hist_offset.back(); }
};

// Column-major codes: Column(f)[r] is row r's code for feature f.
struct BinnedMatrix {
  int64_t num_rows = 0;
  int32_t num_features = 0;
  std::vector<uint8_t> codes;
  const uint8_t* Column(int32_t f) const { return codes.data() + static_cast<size_t>(f) * num_rows; }
};

// Chooses at most max_bins - 1 value bins per feature (max_bins counts the missing bin, 2..256)
// from quantiles of up to sample_rows rows drawn with `seed`. `x` is column-major
// (x[f * num_rows + r]).
StatusOr<BinCuts> ComputeCuts(const float* x, int64_t num_rows, int32_t num_features,
                              int32_t max_bins, int64_t sample_rows, uint64_t seed,
                              common::ThreadPool& pool);

// Codes every value of a column-major matrix with existing cuts (training or validation data).
BinnedMatrix BinMatrix(const float* x, int64_t num_rows, const BinCuts& cuts,
                       common::ThreadPool& pool);

}  // namespace larch::train
