#include "common/sha256.h"

#include "common/sha256_x16.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define LARCH_SHA256_X86 1
#else
#define LARCH_SHA256_X86 0
#endif

namespace larch::common {
namespace sha256_internal {

// FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
// first 64 primes.
alignas(64) const uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// Section 5.3.3: the initial hash value.
const uint32_t kInitialState[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

}  // namespace sha256_internal
namespace {

using sha256_internal::kInitialState;
using sha256_internal::kRoundConstants;

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

inline uint32_t LoadBigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

inline void StoreBigEndian32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// Section 6.2.2, one block at a time, with the 64-word schedule kept in a 16-word ring.
void CompressPortable(uint32_t state[8], const uint8_t* blocks, size_t nblocks) {
  for (; nblocks > 0; --nblocks, blocks += kSha256BlockSize) {
    uint32_t w[16];
    for (int t = 0; t < 16; ++t) w[t] = LoadBigEndian32(blocks + 4 * t);
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; ++t) {
      if (t >= 16) {
        const uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
        const uint32_t s0 = Rotr(w15, 7) ^ Rotr(w15, 18) ^ (w15 >> 3);
        const uint32_t s1 = Rotr(w2, 17) ^ Rotr(w2, 19) ^ (w2 >> 10);
        w[t & 15] += s0 + w[(t - 7) & 15] + s1;
      }
      const uint32_t big_s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
      const uint32_t ch = (e & f) ^ (~e & g);
      const uint32_t t1 = h + big_s1 + ch + kRoundConstants[t] + w[t & 15];
      const uint32_t big_s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
      const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const uint32_t t2 = big_s0 + maj;
      h = g; g = f; f = e; e = d + t1;
      d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
  }
}

#if LARCH_SHA256_X86

#define LARCH_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

// Software prefetch this far ahead of the block being hashed. The round chain is long enough
// that the out-of-order window does not reach the next cache lines by itself, and hashing data
// that is not in cache ran about 1.5x slower than hot data without it (measured on Xeon).
constexpr size_t kPrefetchDistance = 1024;

// The SHA-NI round instruction works on the state split as {A,B,E,F} and {C,D,G,H} (lane 3 is
// A and C respectively). These convert from and to the word order of `state`.
LARCH_SHA_TARGET inline void LoadShaState(const uint32_t state[8], __m128i& abef, __m128i& cdgh) {
  const __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));      // lanes a b c d
  const __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));  // lanes e f g h
  const __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);                                  // b a d c
  const __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);                                  // h g f e
  abef = _mm_alignr_epi8(badc, hgfe, 8);     // f e b a
  cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);  // h g d c
}

LARCH_SHA_TARGET inline void StoreShaState(uint32_t state[8], __m128i abef, __m128i cdgh) {
  const __m128i abef_rev = _mm_shuffle_epi32(abef, 0x1B);  // a b e f
  const __m128i cdgh_rev = _mm_shuffle_epi32(cdgh, 0xB1);  // g h c d
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_blend_epi16(abef_rev, cdgh_rev, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), _mm_alignr_epi8(cdgh_rev, abef_rev, 8));
}

// Compresses one block into each of kLanes independent states. The lanes share nothing, so the
// compiler interleaves their instructions and the round unit overlaps their latencies.
template <int kLanes>
LARCH_SHA_TARGET inline void ShaNiBlocks(__m128i (&abef)[kLanes], __m128i (&cdgh)[kLanes],
                                         const uint8_t* const (&blocks)[kLanes]) {
  const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i w[kLanes][4];  // message schedule, four words per register, ring of four registers
  __m128i abef0[kLanes], cdgh0[kLanes];
#pragma GCC unroll 4
  for (int l = 0; l < kLanes; ++l) {
    abef0[l] = abef[l];
    cdgh0[l] = cdgh[l];
  }
#pragma GCC unroll 16
  for (int g = 0; g < 16; ++g) {  // 16 groups of 4 rounds
    const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(kRoundConstants + 4 * g));
#pragma GCC unroll 4
    for (int l = 0; l < kLanes; ++l) {
      __m128i& wg = w[l][g & 3];
      if (g < 4) {
        wg = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[l] + 16 * g)), byteswap);
      } else {
        // W[t..t+3] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16]; msg1 adds sigma0 to
        // W[t-16], alignr supplies W[t-7..t-4], msg2 adds sigma1 (of its own outputs for t+2, t+3).
        const __m128i prev = w[l][(g - 1) & 3];
        __m128i x = _mm_sha256msg1_epu32(wg, w[l][(g - 3) & 3]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(prev, w[l][(g - 2) & 3], 4));
        wg = _mm_sha256msg2_epu32(x, prev);
      }
      const __m128i wk = _mm_add_epi32(wg, k);
      cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], wk);                          // rounds 4g, 4g+1
      abef[l] = _mm_sha256rnds2_epu32(abef[l], cdgh[l], _mm_shuffle_epi32(wk, 0x0E));  // rounds 4g+2, 4g+3
    }
  }
#pragma GCC unroll 4
  for (int l = 0; l < kLanes; ++l) {
    abef[l] = _mm_add_epi32(abef[l], abef0[l]);
    cdgh[l] = _mm_add_epi32(cdgh[l], cdgh0[l]);
  }
}

LARCH_SHA_TARGET void CompressShaNi(uint32_t state[8], const uint8_t* blocks, size_t nblocks) {
  __m128i abef[1], cdgh[1];
  LoadShaState(state, abef[0], cdgh[0]);
  for (; nblocks > 0; --nblocks, blocks += kSha256BlockSize) {
    _mm_prefetch(reinterpret_cast<const char*>(blocks + kPrefetchDistance), _MM_HINT_T0);
    const uint8_t* const lanes[1] = {blocks};
    ShaNiBlocks<1>(abef, cdgh, lanes);
  }
  StoreShaState(state, abef[0], cdgh[0]);
}

LARCH_SHA_TARGET void CompressPairShaNi(uint32_t state_a[8], const uint8_t* a, uint32_t state_b[8],
                                        const uint8_t* b, size_t nblocks) {
  __m128i abef[2], cdgh[2];
  LoadShaState(state_a, abef[0], cdgh[0]);
  LoadShaState(state_b, abef[1], cdgh[1]);
  for (size_t i = 0; i < nblocks; ++i) {
    const uint8_t* const lanes[2] = {a + i * kSha256BlockSize, b + i * kSha256BlockSize};
    _mm_prefetch(reinterpret_cast<const char*>(lanes[0] + kPrefetchDistance), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(lanes[1] + kPrefetchDistance), _MM_HINT_T0);
    ShaNiBlocks<2>(abef, cdgh, lanes);
  }
  StoreShaState(state_a, abef[0], cdgh[0]);
  StoreShaState(state_b, abef[1], cdgh[1]);
}

// Read from cpuid directly: clang before 16 does not know __builtin_cpu_supports("sha") (the
// libFuzzer build, test/fuzz/run.sh, uses Debian's clang 14).
bool CpuHasShaNi() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = (c & (1u << 9)) != 0, sse41 = (c & (1u << 19)) != 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool sha = (b & (1u << 29)) != 0;  // CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29]
  return sha && sse41 && ssse3;
}

#else

bool CpuHasShaNi() { return false; }
void CompressShaNi(uint32_t*, const uint8_t*, size_t) {}
void CompressPairShaNi(uint32_t*, const uint8_t*, uint32_t*, const uint8_t*, size_t) {}

#endif

const bool kHasShaNi = CpuHasShaNi();
std::atomic<bool> g_force_portable{false};

inline bool UseShaNi() { return kHasShaNi && !g_force_portable.load(std::memory_order_relaxed); }

// Pads and compresses the last partial block(s) of a message (section 5.1.1): `tail` holds the
// final size % 64 bytes, `total` is the whole message length in bytes.
Sha256Digest FinishTail(uint32_t state[8], const uint8_t* tail, size_t tail_size, uint64_t total) {
  uint8_t last[2 * kSha256BlockSize] = {};
  std::memcpy(last, tail, tail_size);
  last[tail_size] = 0x80;
  const size_t blocks = tail_size + 1 + 8 <= kSha256BlockSize ? 1 : 2;
  const uint64_t bits = total * 8;
  for (int i = 0; i < 8; ++i) last[blocks * kSha256BlockSize - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  Sha256Compress(state, last, blocks);
  Sha256Digest out;
  for (int i = 0; i < 8; ++i) StoreBigEndian32(out.data() + 4 * i, state[i]);
  return out;
}

}  // namespace

namespace sha256_internal {
bool PortableForced() { return g_force_portable.load(std::memory_order_relaxed); }
Sha256Digest Finish(uint32_t state[8], const uint8_t* tail, size_t tail_size, uint64_t total) {
  return FinishTail(state, tail, tail_size, total);
}
}  // namespace sha256_internal

const char* Sha256Implementation() {
  if (Sha256HasX16()) return UseShaNi() ? "sha-ni, avx512x16" : "avx512x16";
  return UseShaNi() ? "sha-ni" : "portable";
}

bool Sha256ForcePortable(bool force) { return g_force_portable.exchange(force); }

void Sha256Compress(uint32_t state[8], const uint8_t* blocks, size_t nblocks) {
  if (UseShaNi()) {
    CompressShaNi(state, blocks, nblocks);
  } else {
    CompressPortable(state, blocks, nblocks);
  }
}

void Sha256CompressPair(uint32_t state_a[8], const uint8_t* a, uint32_t state_b[8], const uint8_t* b,
                        size_t nblocks) {
  if (UseShaNi()) {
    CompressPairShaNi(state_a, a, state_b, b, nblocks);
  } else {
    CompressPortable(state_a, a, nblocks);
    CompressPortable(state_b, b, nblocks);
  }
}

Sha256::Sha256() { std::memcpy(state_, kInitialState, sizeof state_); }

void Sha256::Update(const uint8_t* data, size_t size) {
  if (size == 0) return;  // data may be null (an empty or detached buffer)
  total_ += size;
  if (buffered_ > 0) {
    const size_t take = std::min(size, kSha256BlockSize - buffered_);
    std::memcpy(buffer_ + buffered_, data, take);
    buffered_ += take;
    data += take;
    size -= take;
    if (buffered_ < kSha256BlockSize) return;
    Sha256Compress(state_, buffer_, 1);
    buffered_ = 0;
  }
  const size_t full = size / kSha256BlockSize;
  if (full > 0) Sha256Compress(state_, data, full);
  data += full * kSha256BlockSize;
  size -= full * kSha256BlockSize;
  std::memcpy(buffer_, data, size);
  buffered_ = size;
}

Sha256Digest Sha256::Final() { return FinishTail(state_, buffer_, buffered_, total_); }

Sha256Digest Sha256Of(const uint8_t* data, size_t size) {
  Sha256 h;
  h.Update(data, size);
  return h.Final();
}

void Sha256OfPair(const uint8_t* a, const uint8_t* b, size_t size, Sha256Digest& out_a, Sha256Digest& out_b) {
  uint32_t state_a[8], state_b[8];
  std::memcpy(state_a, kInitialState, sizeof state_a);
  std::memcpy(state_b, kInitialState, sizeof state_b);
  const size_t full = size / kSha256BlockSize;
  Sha256CompressPair(state_a, a, state_b, b, full);
  const size_t done = full * kSha256BlockSize;
  out_a = FinishTail(state_a, a + done, size - done, size);
  out_b = FinishTail(state_b, b + done, size - done, size);
}

}  // namespace larch::common
