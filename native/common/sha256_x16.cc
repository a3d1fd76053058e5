#include "common/sha256_x16.h"

#include <cstring>

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics start from deliberately undefined registers (`__m512i __Y = __Y;`)
// and -Wall then warns at every inlined call site; the values are never read.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#define LARCH_SHA256_X16 1
#else
#define LARCH_SHA256_X16 0
#endif

namespace larch::common {
namespace {

using sha256_internal::kInitialState;
using sha256_internal::kRoundConstants;

#if LARCH_SHA256_X16

#define LARCH_X16_TARGET __attribute__((target("avx512f,avx512bw")))

// Each lane reads its own stream, 64 bytes per block: prefetch this far ahead in every lane
// (as in sha256.cc, the hardware prefetcher alone left the rounds waiting on memory).
constexpr size_t kPrefetchDistance = 1024;

// vpternlogd truth tables, indexed by (x << 2) | (y << 1) | z.
constexpr int kXor3 = 0x96;    // x ^ y ^ z
constexpr int kChoose = 0xCA;  // x ? y : z       (Ch)
constexpr int kMajority = 0xE8;  // at least two  (Maj)

template <int kShift>
LARCH_X16_TARGET inline __m512i Ror(__m512i x) { return _mm512_ror_epi32(x, kShift); }

LARCH_X16_TARGET inline __m512i BigSigma0(__m512i a) {
  return _mm512_ternarylogic_epi32(Ror<2>(a), Ror<13>(a), Ror<22>(a), kXor3);
}
LARCH_X16_TARGET inline __m512i BigSigma1(__m512i e) {
  return _mm512_ternarylogic_epi32(Ror<6>(e), Ror<11>(e), Ror<25>(e), kXor3);
}
LARCH_X16_TARGET inline __m512i SmallSigma0(__m512i w) {
  return _mm512_ternarylogic_epi32(Ror<7>(w), Ror<18>(w), _mm512_srli_epi32(w, 3), kXor3);
}
LARCH_X16_TARGET inline __m512i SmallSigma1(__m512i w) {
  return _mm512_ternarylogic_epi32(Ror<17>(w), Ror<19>(w), _mm512_srli_epi32(w, 10), kXor3);
}

// Compresses `nblocks` consecutive blocks of each of the 16 messages; state[j] holds word j of
// the 16 hash states, lane i belonging to message i.
LARCH_X16_TARGET void CompressX16(__m512i state[8], const uint8_t* const messages[kSha256Lanes], size_t nblocks) {
  // Reverses the bytes of every 32-bit word (the message words are big-endian).
  const __m512i byteswap = _mm512_set_epi64(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL, 0x0c0d0e0f08090a0bLL,
                                            0x0405060700010203LL, 0x0c0d0e0f08090a0bLL, 0x0405060700010203LL,
                                            0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  // The 16 read positions as absolute 64-bit addresses, lanes 0-7 and 8-15; gathers use them
  // with a null base, so the messages may lie anywhere.
  __m512i addr_lo = _mm512_loadu_si512(reinterpret_cast<const void*>(messages));
  __m512i addr_hi = _mm512_loadu_si512(reinterpret_cast<const void*>(messages + 8));
  const __m512i word_step = _mm512_set1_epi64(4);
  for (size_t block = 0; block < nblocks; ++block) {
    for (int l = 0; l < kSha256Lanes; ++l) {
      _mm_prefetch(reinterpret_cast<const char*>(messages[l] + block * kSha256BlockSize + kPrefetchDistance), _MM_HINT_T0);
    }
    __m512i w[16];  // the message schedule, a ring of 16 words per lane
#pragma GCC unroll 16
    for (int t = 0; t < 16; ++t) {
      const __m256i lo = _mm512_i64gather_epi32(addr_lo, nullptr, 1);
      const __m256i hi = _mm512_i64gather_epi32(addr_hi, nullptr, 1);
      w[t] = _mm512_shuffle_epi8(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), byteswap);
      addr_lo = _mm512_add_epi64(addr_lo, word_step);
      addr_hi = _mm512_add_epi64(addr_hi, word_step);
    }
    __m512i a = state[0], b = state[1], c = state[2], d = state[3];
    __m512i e = state[4], f = state[5], g = state[6], h = state[7];
#pragma GCC unroll 64
    for (int t = 0; t < 64; ++t) {
      if (t >= 16) {
        w[t & 15] = _mm512_add_epi32(_mm512_add_epi32(SmallSigma1(w[(t - 2) & 15]), w[(t - 7) & 15]),
                                     _mm512_add_epi32(SmallSigma0(w[(t - 15) & 15]), w[t & 15]));
      }
      const __m512i kw = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(kRoundConstants[t])), w[t & 15]);
      const __m512i t1 = _mm512_add_epi32(_mm512_add_epi32(h, BigSigma1(e)),
                                          _mm512_add_epi32(_mm512_ternarylogic_epi32(e, f, g, kChoose), kw));
      const __m512i t2 = _mm512_add_epi32(BigSigma0(a), _mm512_ternarylogic_epi32(a, b, c, kMajority));
      h = g; g = f; f = e; e = _mm512_add_epi32(d, t1);
      d = c; c = b; b = a; a = _mm512_add_epi32(t1, t2);
    }
    state[0] = _mm512_add_epi32(state[0], a); state[1] = _mm512_add_epi32(state[1], b);
    state[2] = _mm512_add_epi32(state[2], c); state[3] = _mm512_add_epi32(state[3], d);
    state[4] = _mm512_add_epi32(state[4], e); state[5] = _mm512_add_epi32(state[5], f);
    state[6] = _mm512_add_epi32(state[6], g); state[7] = _mm512_add_epi32(state[7], h);
  }
}

LARCH_X16_TARGET void Of16(const uint8_t* const messages[kSha256Lanes], size_t size, Sha256Digest out[kSha256Lanes]) {
  __m512i state[8];
  for (int j = 0; j < 8; ++j) state[j] = _mm512_set1_epi32(static_cast<int>(kInitialState[j]));
  const size_t nblocks = size / kSha256BlockSize;
  CompressX16(state, messages, nblocks);
  // Back to one state per message; the short tails are padded on the scalar path.
  alignas(64) uint32_t words[8][kSha256Lanes];
  for (int j = 0; j < 8; ++j) _mm512_store_si512(reinterpret_cast<void*>(words[j]), state[j]);
  const size_t done = nblocks * kSha256BlockSize;
  for (int l = 0; l < kSha256Lanes; ++l) {
    uint32_t lane_state[8];
    for (int j = 0; j < 8; ++j) lane_state[j] = words[j][l];
    out[l] = sha256_internal::Finish(lane_state, messages[l] + done, size - done, size);
  }
}

bool CpuHasX16() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

#else

bool CpuHasX16() { return false; }
void Of16(const uint8_t* const*, size_t, Sha256Digest*) {}

#endif

const bool kHasX16 = CpuHasX16();

}  // namespace

bool Sha256HasX16() { return kHasX16 && !sha256_internal::PortableForced(); }

void Sha256Of16(const uint8_t* const messages[kSha256Lanes], size_t size, Sha256Digest out[kSha256Lanes]) {
  Of16(messages, size, out);
}

}  // namespace larch::common
