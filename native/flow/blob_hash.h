// The name of a flow datastore blob, and a writer that stores a blob while naming it.
//
// Blob name, version 1 (the one definition; lib/flow/datastore/layout.ts documents it for
// other tools). For the n blob bytes split into k = ceil(n / C) chunks of C = 1 MiB (the last
// one shorter; k = 0 when n = 0):
//
//   leaf_i = SHA-256(chunk_i)
//   name   = SHA-256("larch-blob-v1" 0x00 || n as u64 little-endian || leaf_0 || ... || leaf_{k-1})
//
// A plain SHA-256 is one sequential chain (about 1.7 GB/s per core with SHA-NI); the leaves are
// independent, so every core hashes while another writes. The domain prefix and the size make
// the root message of one blob never equal to that of another, and no leaf digest is ever used
// as a name, so no blob's content can produce another blob's name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/sha256.h"
#include "common/status.h"
#include "common/thread_pool.h"

namespace larch::flow {

inline constexpr size_t kBlobChunkSize = size_t{1} << 20;
// 13 characters and the terminating zero byte: 14 bytes of the root message.
inline constexpr char kBlobNameDomain[] = "larch-blob-v1";

struct ByteSpan {
  const uint8_t* data;
  size_t size;
};

// The blob name of the concatenation of `parts`. Large blobs are hashed on `pool`.
common::Sha256Digest BlobName(std::span<const ByteSpan> parts, common::ThreadPool& pool);

// Creates `path` (O_EXCL: it must not exist), writes the concatenation of `parts` into it and
// returns the blob name of those bytes; hashing and writing run in parallel on `pool` (one
// thread writes at a time, in file order; the others hash). On failure the file is removed and
// *error_number holds the errno of the failed call.
StatusOr<common::Sha256Digest> WriteBlobFile(const std::string& path, std::span<const ByteSpan> parts,
                                             common::ThreadPool& pool, int* error_number);

std::string ToHex(const common::Sha256Digest& digest);

}  // namespace larch::flow
