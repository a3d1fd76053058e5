// AVX-512 single-row kernel over the complete layout (complete_layout.h), float32 models only:
// the 16 trees of a lockstep group are the 16 lanes of one vector, so one step of all 16 walks
// is two gathers of whole 8-byte nodes, permutes that split them into thresholds and features,
// x[feature] by permutes from registers (expanded rows of <= 64 values) or a third gather, one
// compare into a mask and two adds.
// Up to eight groups are kept in flight so their gathers overlap each other's latency.
//
// Compiled for the baseline target like everything else; only the functions below carry
// target("avx512f"), and the caller checks the CPU once (CpuHasAvx512) before calling them.
// Results are bit-identical to the scalar kernel: the compare is the same IEEE `>=` (ordered,
// so never true for NaN, which the expanded row has none of anyway), and the leaves are added
// to the accumulators one by one in tree order, exactly as the scalar kernel adds them.
#include "forest/evaluate_complete_avx512.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LARCH_HAVE_AVX512_KERNEL 1
#else
#define LARCH_HAVE_AVX512_KERNEL 0
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace larch::forest {
#if LARCH_HAVE_AVX512_KERNEL
namespace {

static_assert(kCompleteGroup == 16, "one AVX-512 vector of int32 lanes per lockstep group");
static_assert(sizeof(CompleteNode<float>) == 8, "threshold at byte 0, feature at byte 4");

// The lanes of a 16-float load at `at` that lie inside an array of n values.
__attribute__((target("avx512f"))) inline __mmask16 LoadMask(int n, int at) {
  return n <= at ? 0 : n >= at + 16 ? 0xffff : static_cast<__mmask16>((1u << (n - at)) - 1);
}

// Walks kNG consecutive groups from group g0, all of depth `depth`, and adds their first
// `count` leaves (all 16 per group but a partial last one) to acc in tree order.
// kInRegisters: the expanded row has at most 64 values and is read with permutes, not a gather.
template <int kNG, bool kInRegisters>
__attribute__((target("avx512f"))) void WalkGroups(const CompleteTrees<float>& c, size_t g0,
                                                   uint32_t depth, uint32_t count, const float* xr,
                                                   float* acc) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i sixteen = _mm512_set1_epi32(16);
  const char* nodes[kNG];
  __m512i j[kNG];  // 16 * heap index, per lane
  for (int g = 0; g < kNG; ++g) {
    nodes[g] = reinterpret_cast<const char*>(c.nodes.data() + c.group_nodes[g0 + g]);
    j[g] = _mm512_setzero_si512();
  }
  const int nx = c.expanded_size;
  __m512 x0 = _mm512_setzero_ps(), x1 = x0, x2 = x0, x3 = x0;
  if constexpr (kInRegisters) {
    x0 = _mm512_maskz_loadu_ps(LoadMask(nx, 0), xr);
    x1 = _mm512_maskz_loadu_ps(LoadMask(nx, 16), xr + 16);
    x2 = _mm512_maskz_loadu_ps(LoadMask(nx, 32), xr + 32);
    x3 = _mm512_maskz_loadu_ps(LoadMask(nx, 48), xr + 48);
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i bit5 = _mm512_set1_epi32(32);
  for (uint32_t d = 0; d < depth; ++d) {
    for (int g = 0; g < kNG; ++g) {
      const __m512i at = _mm512_add_epi32(j[g], lane);
      // Whole 8-byte nodes, 8 per gather, then split into thresholds and features.
      const __m512i lo = _mm512_i32gather_epi64(_mm512_castsi512_si256(at), nodes[g], 8);
      const __m512i hi = _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(at, 1), nodes[g], 8);
      const __m512 threshold = _mm512_castsi512_ps(_mm512_permutex2var_epi32(lo, even, hi));
      const __m512i feature = _mm512_permutex2var_epi32(lo, odd, hi);
      __m512 x;
      if constexpr (kInRegisters) {
        const __m512 low = _mm512_permutex2var_ps(x0, feature, x1);
        const __m512 high = _mm512_permutex2var_ps(x2, feature, x3);
        x = _mm512_mask_blend_ps(_mm512_test_epi32_mask(feature, bit5), low, high);
      } else {
        x = _mm512_i32gather_ps(feature, xr, 4);
      }
      const __mmask16 distant = _mm512_cmp_ps_mask(x, threshold, _CMP_GE_OQ);
      j[g] = _mm512_add_epi32(_mm512_add_epi32(j[g], j[g]), sixteen);
      j[g] = _mm512_mask_add_epi32(j[g], distant, j[g], sixteen);
    }
  }
  const __m512i first = _mm512_set1_epi32(static_cast<int>(16 * ((1u << depth) - 1)));
  alignas(64) float leaf[16 * kNG];
  for (int g = 0; g < kNG; ++g) {
    const __m512i at = _mm512_add_epi32(_mm512_sub_epi32(j[g], first), lane);
    _mm512_store_ps(leaf + 16 * g, _mm512_i32gather_ps(at, c.leaves.data() + c.group_leaves[g0 + g], 4));
  }
  const uint32_t* slot = c.slot.data() + g0 * 16;
  bool one_slot = c.group_slot[g0] != kMixedSlots;
  for (int g = 1; g < kNG; ++g) one_slot = one_slot && c.group_slot[g0 + g] == c.group_slot[g0];
  if (one_slot) {
    // One slot: sum in a register (same additions, same order; see WalkGroup).
    float sum = acc[c.group_slot[g0]];
    for (uint32_t k = 0; k < count; ++k) sum += leaf[k];
    acc[c.group_slot[g0]] = sum;
    return;
  }
  for (uint32_t k = 0; k < count; ++k) acc[slot[k]] += leaf[k];
}

// Groups go through WalkGroups 8, 4, 2 or 1 at a time (as many as are left with the same
// depth): the gathers of one group wait ~20 cycles, and several groups in flight fill that wait
// (measured on the bench model: 1 group 3.6 us, 2: 2.7 us, 4: 1.9 us, 8: 1.86 us per row).
template <bool kInRegisters>
void EvaluateRow(const CompleteTrees<float>& c, size_t g_begin, size_t num_group, const float* xr,
                 float* acc) {
  const size_t num_tree = c.slot.size();
  size_t g = g_begin;
  while (g < num_group) {
    const uint32_t d = c.group_depth[g];
    size_t run = 1;
    while (run < 8 && g + run < num_group && c.group_depth[g + run] == d) ++run;
    const auto count = [&](size_t n) { return static_cast<uint32_t>(std::min<size_t>(16 * n, num_tree - g * 16)); };
    if (run >= 8) {
      WalkGroups<8, kInRegisters>(c, g, d, count(8), xr, acc);
      g += 8;
    } else if (run >= 4) {
      WalkGroups<4, kInRegisters>(c, g, d, count(4), xr, acc);
      g += 4;
    } else if (run >= 2) {
      WalkGroups<2, kInRegisters>(c, g, d, count(2), xr, acc);
      g += 2;
    } else {
      WalkGroups<1, kInRegisters>(c, g, d, count(1), xr, acc);
      g += 1;
    }
  }
}

}  // namespace

bool CpuHasAvx512() {
  // LARCH_FOREST_SIMD=off forces the portable kernel (diagnostics, and the tests that check the
  // two kernels agree).
  static const bool has = [] {
    const char* simd = std::getenv("LARCH_FOREST_SIMD");
    if (simd != nullptr && std::strcmp(simd, "off") == 0) return false;
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return has;
}

void EvaluateRowCompleteAvx512(const CompleteTrees<float>& c, size_t g_begin, size_t g_end,
                               const float* xr, float* acc) {
  if (c.expanded_size <= 64) {
    EvaluateRow<true>(c, g_begin, g_end, xr, acc);
  } else {
    EvaluateRow<false>(c, g_begin, g_end, xr, acc);
  }
}
#else
// Not an x86 CPU: the portable kernel only.
bool CpuHasAvx512() { return false; }
void EvaluateRowCompleteAvx512(const CompleteTrees<float>&, size_t, size_t, const float*, float*) {}
#endif

}  // namespace larch::forest
