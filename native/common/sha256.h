// SHA-256 (FIPS 180-4), with the x86 SHA extensions when the CPU has them.
//
// Two compression paths, picked once at startup from cpuid: the SHA-NI one (sha256rnds2 /
// sha256msg1 / sha256msg2) and a portable one in plain C++. Both produce identical digests; the
// tests check them against node:crypto. Sha256CompressPair hashes two independent messages in
// one loop: the SHA-NI round instructions have a latency of several cycles, so interleaving two
// dependency chains keeps the unit busy (1.2x the throughput of one stream on Xeon; more
// streams gain nothing there).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace larch::common {

using Sha256Digest = std::array<uint8_t, 32>;

inline constexpr size_t kSha256BlockSize = 64;

// The compression paths this process uses: "sha-ni" and/or "avx512x16" (sha256_x16.h, for 16
// messages at once), comma-separated, or "portable".
const char* Sha256Implementation();

// Forces the portable path, turning off SHA-NI and AVX-512 alike (tests compare both); returns
// the previous setting.
bool Sha256ForcePortable(bool force);

// Runs the compression function over `nblocks` consecutive 64-byte blocks.
void Sha256Compress(uint32_t state[8], const uint8_t* blocks, size_t nblocks);

// Compresses `nblocks` blocks of `a` into state_a and of `b` into state_b, interleaved.
void Sha256CompressPair(uint32_t state_a[8], const uint8_t* a, uint32_t state_b[8], const uint8_t* b,
                        size_t nblocks);

// Incremental hashing: any number of Update calls, then Final (once).
class Sha256 {
 public:
  Sha256();
  void Update(const uint8_t* data, size_t size);
  Sha256Digest Final();

 private:
  uint32_t state_[8];
  uint8_t buffer_[kSha256BlockSize];
  size_t buffered_ = 0;
  uint64_t total_ = 0;
};

Sha256Digest Sha256Of(const uint8_t* data, size_t size);

// Pieces shared with the 16-lane AVX-512 path (sha256_x16.cc).
namespace sha256_internal {
extern const uint32_t kRoundConstants[64];
extern const uint32_t kInitialState[8];
// True while Sha256ForcePortable(true) is in effect: every accelerated path steps aside.
bool PortableForced();
// Pads the final `tail_size` (< 64) bytes of a `total`-byte message into `state` (which holds
// the compression of everything before them) and returns the digest.
Sha256Digest Finish(uint32_t state[8], const uint8_t* tail, size_t tail_size, uint64_t total);
}  // namespace sha256_internal

// The digests of two messages of the same length, hashed interleaved (see above).
void Sha256OfPair(const uint8_t* a, const uint8_t* b, size_t size, Sha256Digest& out_a, Sha256Digest& out_b);

}  // namespace larch::common
