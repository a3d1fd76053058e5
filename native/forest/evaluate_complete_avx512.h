// The AVX-512 variant of the single-row complete-layout kernel (float32 models), chosen at run
// time: EvaluateRowComplete (evaluate_complete.h) is the portable path and the reference it must
// equal bit for bit.
#pragma once

#include <cstddef>

#include "forest/compile.h"
#include "forest/evaluate_complete.h"

namespace larch::forest {

// Whether this CPU runs AVX-512F (checked once).
bool CpuHasAvx512();

// Same contract as EvaluateRowComplete<float>; call only when CpuHasAvx512().
void EvaluateRowCompleteAvx512(const CompleteTrees<float>& c, size_t g_begin, size_t g_end,
                               const float* xr, float* acc);

}  // namespace larch::forest
