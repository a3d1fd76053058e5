#include "flow/blob_hash.h"

#include "common/sha256_x16.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace larch::flow {
namespace {

using common::Sha256;
using common::Sha256Digest;

// The blob as k chunks over the caller's parts (no copy): chunk i covers bytes
// [i*C, min((i+1)*C, n)) of the concatenation, which may span several parts.
class ChunkedBlob {
 public:
  explicit ChunkedBlob(std::span<const ByteSpan> parts) : parts_(parts) {
    starts_.reserve(parts.size());
    for (const ByteSpan& p : parts) {
      starts_.push_back(size_);
      size_ += p.size;
    }
    num_chunks_ = (size_ + kBlobChunkSize - 1) / kBlobChunkSize;
  }

  size_t size() const { return size_; }
  size_t num_chunks() const { return num_chunks_; }
  size_t ChunkSize(size_t i) const { return std::min(kBlobChunkSize, size_ - i * kBlobChunkSize); }

  // Calls fn(data, size, offset) for each contiguous piece of chunk i, in order.
  template <typename Fn>
  bool ForEachPiece(size_t i, Fn&& fn) const {
    const size_t begin = i * kBlobChunkSize;
    const size_t end = begin + ChunkSize(i);
    // The last part starting at or before `begin`; empty parts are skipped below.
    size_t p = std::upper_bound(starts_.begin(), starts_.end(), begin) - starts_.begin() - 1;
    for (size_t at = begin; at < end; ++p) {
      const size_t part_end = starts_[p] + parts_[p].size;
      if (part_end <= at) continue;
      const size_t take = std::min(end, part_end) - at;
      if (!fn(parts_[p].data + (at - starts_[p]), take, at)) return false;
      at += take;
    }
    return true;
  }

  // The chunk's bytes when they lie in one part, else nullptr.
  const uint8_t* Contiguous(size_t i) const {
    const uint8_t* only = nullptr;
    int pieces = 0;
    ForEachPiece(i, [&](const uint8_t* d, size_t, size_t) { only = d; return ++pieces == 1; });
    return pieces == 1 ? only : nullptr;
  }

  // The chunk's bytes when it is a whole chunk (kBlobChunkSize bytes) in one part, else nullptr.
  const uint8_t* WholeContiguous(size_t i) const {
    return ChunkSize(i) == kBlobChunkSize ? Contiguous(i) : nullptr;
  }

  Sha256Digest HashChunk(size_t i) const {
    Sha256 h;
    ForEachPiece(i, [&](const uint8_t* d, size_t n, size_t) { h.Update(d, n); return true; });
    return h.Final();
  }

  // Hashing is split into units: first groups of 16 chunks for the AVX-512 path (when the CPU
  // has it), then pairs of chunks (SHA-NI interleaves two streams) for the rest, so a blob
  // smaller than a group still spreads over the threads.
  size_t NumGroups(bool x16) const { return x16 ? num_chunks_ / common::kSha256Lanes : 0; }
  size_t NumUnits(bool x16) const {
    const size_t rest = num_chunks_ - NumGroups(x16) * common::kSha256Lanes;
    return NumGroups(x16) + (rest + 1) / 2;
  }

  void HashUnit(size_t u, bool x16, Sha256Digest* leaves) const {
    const size_t groups = NumGroups(x16);
    if (u >= groups) {
      const size_t a = groups * common::kSha256Lanes + 2 * (u - groups);
      HashPair(a, std::min(num_chunks_, a + 2), leaves);
      return;
    }
    // A chunk that spans parts (the envelope header and the payload's start, typically) or is
    // short (the blob's last) cannot be a lane: its lane hashes a stand-in (another chunk of the
    // group) and the chunk itself is then hashed on its own, so one odd chunk does not push 15
    // others off the wide path.
    const size_t first = u * common::kSha256Lanes;
    const uint8_t* lanes[common::kSha256Lanes];
    const uint8_t* stand_in = nullptr;
    for (size_t l = 0; l < common::kSha256Lanes; ++l) {
      lanes[l] = WholeContiguous(first + l);
      if (lanes[l] && !stand_in) stand_in = lanes[l];
    }
    if (!stand_in) {  // every chunk is split: nothing to gain from the wide path
      for (size_t a = first; a < first + common::kSha256Lanes; a += 2) HashPair(a, first + common::kSha256Lanes, leaves);
      return;
    }
    for (const uint8_t*& lane : lanes) {
      if (!lane) lane = stand_in;
    }
    common::Sha256Of16(lanes, kBlobChunkSize, leaves + first);
    for (size_t l = 0; l < common::kSha256Lanes; ++l) {
      if (!WholeContiguous(first + l)) leaves[first + l] = HashChunk(first + l);
    }
  }

  // Leaves a and a+1 (or a alone when a+1 == end), interleaved when both are whole chunks lying
  // in one part each (every chunk but the first and last, usually).
  void HashPair(size_t a, size_t end, Sha256Digest* leaves) const {
    const size_t b = a + 1;
    if (b < end && ChunkSize(b) == kBlobChunkSize) {
      const uint8_t* da = Contiguous(a);
      const uint8_t* db = Contiguous(b);
      if (da && db) {
        common::Sha256OfPair(da, db, kBlobChunkSize, leaves[a], leaves[b]);
        return;
      }
    }
    leaves[a] = HashChunk(a);
    if (b < end) leaves[b] = HashChunk(b);
  }

 private:
  std::span<const ByteSpan> parts_;
  std::vector<size_t> starts_;
  size_t size_ = 0;
  size_t num_chunks_ = 0;
};

Sha256Digest RootOf(size_t size, const std::vector<Sha256Digest>& leaves) {
  uint8_t header[sizeof kBlobNameDomain + 8];
  std::memcpy(header, kBlobNameDomain, sizeof kBlobNameDomain);  // includes the zero byte
  for (int i = 0; i < 8; ++i) header[sizeof kBlobNameDomain + i] = static_cast<uint8_t>(uint64_t{size} >> (8 * i));
  Sha256 h;
  h.Update(header, sizeof header);
  for (const Sha256Digest& leaf : leaves) h.Update(leaf.data(), leaf.size());
  return h.Final();
}

// One blob being hashed and (when fd >= 0) written, shared by the pool's threads.
//
// Writes to one file are serialised by the kernel (the inode lock), so at most one thread
// writes at a time, chunk by chunk in file order, under write_mu_; whoever does not hold it
// hashes the next unit of leaves (16 or 2 chunks, see HashUnit). A thread keeps the write lock role while nobody else wants
// it, so on two cores one thread writes and the other hashes until one kind of work runs out,
// then both do what is left.
class BlobJob {
 public:
  BlobJob(const ChunkedBlob& blob, int fd)
      : blob_(blob), fd_(fd), x16_(common::Sha256HasX16()), leaves_(blob.num_chunks()) {}

  void Work() {
    const size_t num_units = blob_.NumUnits(x16_);
    for (;;) {
      if (failed_.load(std::memory_order_relaxed)) return;
      if (fd_ >= 0) {
        std::unique_lock<std::mutex> lock(write_mu_, std::try_to_lock);
        if (lock.owns_lock() && next_write_ < blob_.num_chunks()) {
          WriteChunk(next_write_++);
          continue;
        }
      }
      const size_t unit = next_unit_.fetch_add(1, std::memory_order_relaxed);
      if (unit < num_units) {
        blob_.HashUnit(unit, x16_, leaves_.data());
        continue;
      }
      if (fd_ < 0) return;
      std::lock_guard<std::mutex> lock(write_mu_);  // only writes are left: take turns
      if (next_write_ >= blob_.num_chunks()) return;
      WriteChunk(next_write_++);
    }
  }

  bool failed() const { return failed_.load(); }
  int error_number() const { return error_number_; }
  const std::vector<Sha256Digest>& leaves() const { return leaves_; }

 private:
  // Precondition: write_mu_ is held.
  void WriteChunk(size_t i) {
    blob_.ForEachPiece(i, [&](const uint8_t* data, size_t size, size_t offset) {
      while (size > 0) {
        const ssize_t n = pwrite(fd_, data, size, static_cast<off_t>(offset));
        if (n < 0) {
          if (errno == EINTR) continue;
          error_number_ = errno;
          failed_.store(true);
          return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
        offset += static_cast<size_t>(n);
      }
      return true;
    });
  }

  const ChunkedBlob& blob_;
  const int fd_;
  const bool x16_;                    // hash groups of 16 leaves with AVX-512 (decided once per job)
  std::vector<Sha256Digest> leaves_;  // leaf i is written by exactly one thread
  std::atomic<size_t> next_unit_{0};
  std::mutex write_mu_;
  size_t next_write_ = 0;   // guarded by write_mu_
  int error_number_ = 0;    // guarded by write_mu_; read after the job
  std::atomic<bool> failed_{false};
};

void RunJob(BlobJob& job, size_t num_chunks, bool writing, common::ThreadPool& pool) {
  // Hashing one or two chunks is one piece of work: with nothing to write at the same time
  // there is no point waking the pool.
  const bool one_unit = writing ? num_chunks == 0 : num_chunks <= 2;
  if (one_unit || pool.NumThreads() == 1) {
    job.Work();
  } else {
    pool.ParallelFor(pool.NumThreads(), [&](size_t) { job.Work(); });
  }
}

}  // namespace

Sha256Digest BlobName(std::span<const ByteSpan> parts, common::ThreadPool& pool) {
  ChunkedBlob blob(parts);
  BlobJob job(blob, -1);
  RunJob(job, blob.num_chunks(), /*writing=*/false, pool);
  return RootOf(blob.size(), job.leaves());
}

StatusOr<Sha256Digest> WriteBlobFile(const std::string& path, std::span<const ByteSpan> parts,
                                     common::ThreadPool& pool, int* error_number) {
  *error_number = 0;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    *error_number = errno;
    return Status::Internal("cannot create " + path + ": " + std::strerror(errno));
  }
  ChunkedBlob blob(parts);
  BlobJob job(blob, fd);
  RunJob(job, blob.num_chunks(), /*writing=*/true, pool);
  int err = job.failed() ? job.error_number() : 0;
  const char* what = "write";
  if (close(fd) != 0 && err == 0) {
    err = errno;
    what = "close";
  }
  if (err != 0) {
    unlink(path.c_str());
    *error_number = err;
    return Status::Internal(std::string("cannot ") + what + " " + path + ": " + std::strerror(err));
  }
  return RootOf(blob.size(), job.leaves());
}

std::string ToHex(const Sha256Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * digest.size(), '0');
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kDigits[digest[i] >> 4];
    out[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return out;
}

}  // namespace larch::flow
