// Training input as the trainer sees it: a column-major float32 matrix (NaN = missing) with one
// label per row. The caller owns the memory and keeps it alive while training runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace larch::train {

struct TrainData {
  const float* x = nullptr;  // x[f * num_rows + r]
  const float* y = nullptr;  // y[r]
  int64_t num_rows = 0;
  int32_t num_features = 0;
};

// One report per boosting round or finished tree. Returning false cancels training.
struct Progress {
  int32_t iteration = 0;      // boosting round or tree index (0-based)
  int32_t total = 0;          // rounds or trees requested
  double valid_score = 0.0;   // validation metric after this round (boosting with a validation set)
  bool has_valid_score = false;
};
using ProgressFn = std::function<bool(const Progress&)>;

inline Status CheckData(const TrainData& d, const char* which) {
  if (d.num_rows <= 0) return Status::Invalid(std::string(which) + " has no rows");
  if (d.num_features <= 0) return Status::Invalid(std::string(which) + " has no features");
  if (d.num_rows > 0xFFFFFFFFll - 1)
    return Status::Invalid(std::string(which) + " has more than 2^32 - 2 rows");
  if (!d.x || !d.y) return Status::Invalid(std::string(which) + " is missing features or labels");
  return Status::Ok();
}

}  // namespace larch::train
