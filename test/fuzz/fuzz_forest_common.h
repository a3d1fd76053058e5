// What every loader fuzz target checks after its loader accepts an input: the forest compiles
// or is refused with a Status, a compiled forest predicts a few rows without faults, and the
// Treelite writer's output reads back and re-serialises to the same bytes.
#pragma once

#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "forest/loaders.h"
#include "forest/predictor.h"

namespace larch::fuzz {

inline void CheckLoadedForest(forest::Forest f) {
  StatusOr<std::vector<std::byte>> written = forest::WriteTreeliteCheckpoint(f);
  if (written.ok()) {
    StatusOr<forest::Forest> back = forest::LoadTreeliteCheckpoint(written.value());
    if (!back.ok()) std::abort();  // the writer produced something its own reader refuses
    StatusOr<std::vector<std::byte>> again = forest::WriteTreeliteCheckpoint(back.value());
    if (!again.ok() || again.value() != written.value()) std::abort();
  }
  StatusOr<std::shared_ptr<const forest::Predictor>> p = forest::Predictor::Create(std::move(f));
  if (!p.ok()) return;
  const forest::Predictor& pred = *p.value();
  const size_t nf = static_cast<size_t>(pred.NumFeature());
  if (nf > (1u << 16)) return;  // valid, but too wide to evaluate quickly here
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float samples[] = {nan, 0.0f, -1.0f, 1.5f, 3.0f, 1e30f, -0.0f, 7.0f};
  constexpr size_t kRows = 8;
  std::vector<float> rows(kRows * nf);
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t j = 0; j < nf; ++j) rows[r * nf + j] = samples[(r + j) % 8];
  }
  for (forest::OutputKind kind : {forest::OutputKind::kValue, forest::OutputKind::kMargin,
                                  forest::OutputKind::kClass}) {
    std::vector<double> out(pred.OutputSize(kRows, kind));  // large enough for float or double
    (void)pred.Predict(rows.data(), kRows, kind, out.data(), nullptr);
  }
}

}  // namespace larch::fuzz
