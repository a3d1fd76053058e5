// libFuzzer target: the XGBoost legacy binary reader (and, for inputs it accepts, the compiler,
// the evaluator and the Treelite writer). Run with test/fuzz/run.sh xgboost_binary [seconds].
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_forest_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  larch::StatusOr<larch::forest::Forest> f = larch::forest::LoadXgboostBinary(bytes);
  if (f.ok()) larch::fuzz::CheckLoadedForest(std::move(f.value()));
  return 0;
}
