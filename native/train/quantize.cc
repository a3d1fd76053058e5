// Quantile cuts and binning (see quantize.h for the code layout).
#include "train/quantize.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "train/rng.h"

namespace larch::train {
namespace {

// Cuts for one feature from its sorted non-NaN sample. Every cut is a sample value, strictly
// above the minimum, so no value bin is empty by construction on the sample.
void CutsFromSorted(const std::vector<float>& sorted, int32_t max_value_bins,
                    std::vector<float>& out) {
  out.clear();
  if (sorted.empty()) return;
  // Distinct values first: a feature with few of them gets one bin per value.
  size_t distinct = 1;
  for (size_t i = 1; i < sorted.size() && distinct <= static_cast<size_t>(max_value_bins); ++i)
    distinct += sorted[i] != sorted[i - 1];
  if (distinct <= static_cast<size_t>(max_value_bins)) {
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i] != sorted[i - 1]) out.push_back(sorted[i]);
    return;
  }
  const size_t n = sorted.size();
  for (int32_t b = 1; b < max_value_bins; ++b) {
    const float v = sorted[static_cast<size_t>((static_cast<unsigned __int128>(b) * n) / max_value_bins)];
    if (v > sorted[0] && (out.empty() || v > out.back())) out.push_back(v);
  }
}

// upper_bound without branches on the data (the compiler emits conditional moves): the number
// of cuts <= v, for non-NaN v.
inline int32_t CountCutsAtOrBelow(const float* c, int32_t k, float v) {
  if (k == 0) return 0;
  const float* base = c;
  int32_t n = k;
  while (n > 1) {
    const int32_t half = n / 2;
    base = base[half - 1] <= v ? base + half : base;
    n -= half;
  }
  return static_cast<int32_t>(base - c) + (*base <= v ? 1 : 0);
}

}  // namespace

StatusOr<BinCuts> ComputeCuts(const float* x, int64_t num_rows, int32_t num_features,
                              int32_t max_bins, int64_t sample_rows, uint64_t seed,
                              common::ThreadPool& pool) {
  if (max_bins < 3 || max_bins > kMaxCodes)
    return Status::Invalid("maxBin must be in [3, 256] (it counts the missing-value bin), got " +
                           std::to_string(max_bins));
  if (num_rows <= 0 || num_features <= 0)
    return Status::Invalid("training data needs at least one row and one feature");

  // One row sample shared by all features, sorted so that reads stay in column order.
  std::vector<int64_t> sample;
  if (sample_rows > 0 && num_rows > sample_rows) {
    Rng rng(seed, 0x5A3B1E);
    sample.resize(static_cast<size_t>(sample_rows));
    // Selection sampling (Knuth's algorithm S): an ordered sample without replacement.
    int64_t chosen = 0;
    for (int64_t r = 0; r < num_rows && chosen < sample_rows; ++r) {
      if (static_cast<double>(num_rows - r) * rng.Uniform() < static_cast<double>(sample_rows - chosen))
        sample[chosen++] = r;
    }
  }

  std::vector<std::vector<float>> per_feature(num_features);
  pool.ParallelFor(static_cast<size_t>(num_features), [&](size_t f) {
    const float* col = x + f * static_cast<size_t>(num_rows);
    std::vector<float> vals;
    if (sample.empty()) {
      vals.reserve(static_cast<size_t>(num_rows));
      for (int64_t r = 0; r < num_rows; ++r)
        if (!std::isnan(col[r])) vals.push_back(col[r]);
    } else {
      vals.reserve(sample.size());
      for (int64_t r : sample)
        if (!std::isnan(col[r])) vals.push_back(col[r]);
    }
    std::sort(vals.begin(), vals.end());
    CutsFromSorted(vals, max_bins - 1, per_feature[f]);
  });

  BinCuts cuts;
  cuts.begin.resize(num_features + 1);
  cuts.hist_offset.resize(num_features + 1);
  cuts.begin[0] = 0;
  cuts.hist_offset[0] = 0;
  for (int32_t f = 0; f < num_features; ++f) {
    cuts.values.insert(cuts.values.end(), per_feature[f].begin(), per_feature[f].end());
    cuts.begin[f + 1] = static_cast<uint32_t>(cuts.values.size());
    cuts.hist_offset[f + 1] = cuts.hist_offset[f] + static_cast<uint32_t>(cuts.NumCodes(f));
  }
  return cuts;
}

BinnedMatrix BinMatrix(const float* x, int64_t num_rows, const BinCuts& cuts,
                       common::ThreadPool& pool) {
  BinnedMatrix m;
  m.num_rows = num_rows;
  m.num_features = cuts.NumFeatures();
  m.codes.resize(static_cast<size_t>(num_rows) * m.num_features);
  // Tasks are (feature, block of rows) so that few wide columns still spread over threads.
  constexpr int64_t kBlock = 1 << 16;
  const int64_t blocks = (num_rows + kBlock - 1) / kBlock;
  pool.ParallelFor(static_cast<size_t>(m.num_features * blocks), [&](size_t task) {
    const int32_t f = static_cast<int32_t>(task / blocks);
    const int64_t r0 = static_cast<int64_t>(task % blocks) * kBlock;
    const int64_t r1 = std::min(num_rows, r0 + kBlock);
    const float* col = x + static_cast<size_t>(f) * num_rows;
    uint8_t* out = m.codes.data() + static_cast<size_t>(f) * num_rows;
    const float* c = cuts.Cuts(f);
    const int32_t k = cuts.NumCuts(f);
    const uint8_t missing = static_cast<uint8_t>(cuts.MissingCode(f));
    for (int64_t r = r0; r < r1; ++r) {
      const float v = col[r];
      out[r] = std::isnan(v) ? missing : static_cast<uint8_t>(CountCutsAtOrBelow(c, k, v));
    }
  });
  return m;
}

}  // namespace larch::train
