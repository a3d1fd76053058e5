// SHA-256 of 16 independent messages at once, one per 32-bit lane of AVX-512 registers.
//
// SHA-NI hashes about 2.4 GB/s per core even with two interleaved streams (the round unit is
// saturated); the vector units can run the same rounds for 16 messages in parallel with
// rotates and three-input logic (vprord, vpternlogd), which is faster per core when there are
// 16 equal-length messages to hash, as there are in a large blob's leaves.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/sha256.h"

namespace larch::common {

inline constexpr int kSha256Lanes = 16;

// Whether Sha256Of16 runs (the CPU has AVX-512 F and BW and Sha256ForcePortable is off).
bool Sha256HasX16();

// The digests of 16 messages of `size` bytes each, messages[i] -> out[i]. Precondition:
// Sha256HasX16().
void Sha256Of16(const uint8_t* const messages[kSha256Lanes], size_t size, Sha256Digest out[kSha256Lanes]);

}  // namespace larch::common
