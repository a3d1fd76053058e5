// A deterministic synthetic table for examples, tests and benchmarks: imbalanced binary
// classification shaped like a fraud or loan-default table.
//
// Columns, in order:
//   inf_*    informative: standard normals, every third one log-normal (skewed, like amounts)
//   red_*    redundant: fixed random linear combinations of the informative columns
//   cat_*    categorical-ish integers 0..categories-1 with skewed frequencies; the first half
//            carry per-category risk, the rest are noise
//   noise_*  standard normals unrelated to the label
// The label is 1 for the rows with the highest latent risk score plus Gaussian noise: linear
// terms, pairwise interactions and threshold steps on the informative values plus category
// effects. The positive count is exactly round(rows * positive_rate). Missing values (NaN) are
// injected into informative and redundant columns at missing_rate, twice as often on positive
// rows (missingness itself is informative, as in real fraud data).
// The same options and seed give the same bytes on every run and thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"

namespace larch::train {

struct SyntheticOptions {
  int64_t rows = 10000;
  int32_t informative = 8;
  int32_t redundant = 4;
  int32_t categorical = 0;
  int32_t categories = 12;
  int32_t noise = 8;
  double positive_rate = 0.03;
  double label_noise = 2.0;  // std-dev of the noise added to the risk score (higher = harder)
  double missing_rate = 0.0;
  uint64_t seed = 0;
};

struct SyntheticTable {
  std::vector<std::string> names;
  int64_t num_rows = 0;
  std::vector<float> x;  // column-major: x[f * num_rows + r]
  std::vector<float> y;  // 0 or 1
};

StatusOr<SyntheticTable> MakeClassification(const SyntheticOptions& options,
                                            common::ThreadPool& pool);

}  // namespace larch::train
