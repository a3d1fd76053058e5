// Depth-wise and loss-guided growth of one boosted tree (see gbdt_tree.h).
#include "train/gbdt_tree.h"

#include <algorithm>
#include <cstring>
#include <queue>

namespace larch::train {
namespace {

constexpr uint32_t kPartitionBlock = 1 << 14;
constexpr int32_t kFeatureGroup = 4;
// Nodes with at least 2 * kChunkRows rows build their histogram in up to kMaxChunks row chunks.
constexpr uint32_t kChunkRows = 1 << 15;
constexpr uint32_t kMaxChunks = 8;
constexpr double kMinGain = 1e-6;  // below this a split is numerical noise (XGBoost's kRtEps)

}  // namespace

GbdtTreeGrower::GbdtTreeGrower(const BinnedMatrix& m, const BinCuts& cuts,
                               const TreeParams& params, common::ThreadPool& pool)
    : m_(m), cuts_(cuts), params_(params), pool_(pool), stride_(cuts.TotalCodes()) {
  rows_.resize(static_cast<size_t>(m.num_rows));
  scratch_left_.resize(rows_.size());
  scratch_right_.resize(rows_.size());
}

int32_t GbdtTreeGrower::AllocSlot() {
  if (!free_slots_.empty()) {
    const int32_t s = free_slots_.back();
    free_slots_.pop_back();
    return s;
  }
  ++num_slots_;
  if (hist_pool_.size() < static_cast<size_t>(num_slots_) * stride_)
    hist_pool_.resize(static_cast<size_t>(num_slots_) * stride_);
  return num_slots_ - 1;
}

void GbdtTreeGrower::FreeSlot(int32_t slot) {
  if (slot >= 0) free_slots_.push_back(slot);
}

bool GbdtTreeGrower::CanSplit(const GrownNode& n) const {
  if (params_.max_depth > 0 && n.depth >= params_.max_depth) return false;
  return n.NumRows() >= 2;
}

void GbdtTreeGrower::BuildHistograms(const std::vector<int32_t>& nodes, const GrownTree& t) {
  // Large nodes are cut into row chunks so that even a root with few features keeps every
  // thread busy: each chunk fills its own histogram, then the chunks are added in chunk order.
  // The chunk count depends only on the node's size, never on the thread count.
  const int32_t nf = static_cast<int32_t>(features_->size());
  hist_tasks_.clear();
  chunk_slots_.clear();
  for (int32_t node : nodes) {
    const uint32_t rows = t.nodes[node].NumRows();
    const uint32_t chunks = std::clamp<uint32_t>(rows / kChunkRows, 1, kMaxChunks);
    const int32_t first_slot = static_cast<int32_t>(chunk_slots_.size());
    if (chunks > 1)
      for (uint32_t c = 0; c < chunks; ++c) chunk_slots_.push_back(AllocSlot());
    for (uint32_t c = 0; c < chunks; ++c)
      for (int32_t j = 0; j < nf; j += kFeatureGroup)
        hist_tasks_.push_back({node, j, c, chunks, chunks > 1 ? chunk_slots_[first_slot + c] : slot_of_[node]});
  }
  pool_.ParallelFor(hist_tasks_.size(), [&](size_t i) {
    const HistTask& task = hist_tasks_[i];
    const GrownNode& n = t.nodes[task.node];
    const int32_t count = std::min(kFeatureGroup, nf - task.first_feature);
    const uint32_t len = n.NumRows();
    const uint32_t b = static_cast<uint32_t>(static_cast<uint64_t>(len) * task.chunk / task.chunks);
    const uint32_t e = static_cast<uint32_t>(static_cast<uint64_t>(len) * (task.chunk + 1) / task.chunks);
    GradSum* hist = Hist(task.slot);
    if (task.node == 0 && dense_root_)
      BuildHistogramDense(m_, cuts_, b, e - b, gp_, features_->data() + task.first_feature, count, hist);
    else
      BuildHistogram(m_, cuts_, rows_.data() + n.row_begin + b, e - b, gp_,
                     features_->data() + task.first_feature, count, hist);
  });
  if (chunk_slots_.empty()) return;
  // Reduce: (node, feature) tasks add the node's chunk histograms in chunk order.
  reduce_tasks_.clear();
  size_t next_slot = 0;
  for (int32_t node : nodes) {
    const uint32_t chunks = std::clamp<uint32_t>(t.nodes[node].NumRows() / kChunkRows, 1, kMaxChunks);
    if (chunks == 1) continue;
    for (int32_t j = 0; j < nf; ++j)
      reduce_tasks_.push_back({node, j, static_cast<uint32_t>(next_slot), chunks, slot_of_[node]});
    next_slot += chunks;
  }
  pool_.ParallelFor(reduce_tasks_.size(), [&](size_t i) {
    const HistTask& task = reduce_tasks_[i];
    const int32_t f = (*features_)[task.first_feature];
    const uint32_t off = cuts_.hist_offset[f], end = cuts_.hist_offset[f + 1];
    GradSum* dst = Hist(task.slot);
    std::copy(Hist(chunk_slots_[task.chunk]) + off, Hist(chunk_slots_[task.chunk]) + end, dst + off);
    for (uint32_t c = 1; c < task.chunks; ++c) {
      const GradSum* src = Hist(chunk_slots_[task.chunk + c]);
      for (uint32_t k = off; k < end; ++k) dst[k] += src[k];
    }
  });
  for (int32_t s : chunk_slots_) FreeSlot(s);
}

void GbdtTreeGrower::FindSplits(const std::vector<int32_t>& nodes, GrownTree& t) {
  const size_t nf = features_->size();
  candidates_.assign(nodes.size() * nf, SplitCandidate{});
  pool_.ParallelFor(candidates_.size(), [&](size_t i) {
    const int32_t node = nodes[i / nf];
    const int32_t f = (*features_)[i % nf];
    const GrownNode& n = t.nodes[node];
    const GradSum total{n.sum_grad, n.sum_hess};
    EvaluateFeature(Hist(slot_of_[node]) + cuts_.hist_offset[f], cuts_.NumCuts(f), f, total,
                    params_.split, candidates_[i]);
  });
  for (size_t k = 0; k < nodes.size(); ++k) {
    SplitCandidate best;
    for (size_t j = 0; j < nf; ++j)
      if (candidates_[k * nf + j].BetterThan(best)) best = candidates_[k * nf + j];
    if (!(best.gain > params_.split.min_split_gain && best.gain > kMinGain)) best = SplitCandidate{};
    best_[nodes[k]] = best;
  }
}

void GbdtTreeGrower::Partition(const std::vector<int32_t>& nodes, GrownTree& t) {
  part_tasks_.clear();
  for (int32_t node : nodes) {
    const GrownNode& n = t.nodes[node];
    for (uint32_t b = n.row_begin; b < n.row_end; b += kPartitionBlock)
      part_tasks_.push_back({node, b, std::min(n.row_end, b + kPartitionBlock), 0, 0, 0});
  }
  // Pass 1: each block splits its rows into the scratch lists at its own offset (stable).
  pool_.ParallelFor(part_tasks_.size(), [&](size_t i) {
    PartitionTask& task = part_tasks_[i];
    const SplitCandidate& s = best_[task.node];
    const uint8_t* col = m_.Column(s.feature);
    const uint8_t missing = static_cast<uint8_t>(cuts_.MissingCode(s.feature));
    const uint8_t bin = static_cast<uint8_t>(s.bin);
    const bool dl = s.default_left;
    uint32_t nl = 0, nr = 0;
    uint32_t* out_left = scratch_left_.data() + task.begin;
    uint32_t* out_right = scratch_right_.data() + task.begin;
    // Branch-free: the row is written to both lists and only one cursor advances (left/right
    // is close to a coin flip per row, which a branch would mispredict half the time).
    for (uint32_t k = task.begin; k < task.end; ++k) {
      const uint32_t r = rows_[k];
      const uint8_t code = col[r];
      const uint32_t left = code == missing ? dl : code <= bin;
      out_left[nl] = r;
      out_right[nr] = r;
      nl += left;
      nr += 1 - left;
    }
    task.left_count = nl;
  });
  // Offsets: a node's left rows first, then its right rows, each in block order.
  size_t i = 0;
  while (i < part_tasks_.size()) {
    const int32_t node = part_tasks_[i].node;
    size_t j = i;
    uint32_t total_left = 0;
    for (; j < part_tasks_.size() && part_tasks_[j].node == node; ++j)
      total_left += part_tasks_[j].left_count;
    GrownNode& n = t.nodes[node];
    uint32_t lo = n.row_begin, ro = n.row_begin + total_left;
    for (size_t k = i; k < j; ++k) {
      part_tasks_[k].left_out = lo;
      part_tasks_[k].right_out = ro;
      lo += part_tasks_[k].left_count;
      ro += (part_tasks_[k].end - part_tasks_[k].begin) - part_tasks_[k].left_count;
    }
    GrownNode& l = t.nodes[n.left];
    GrownNode& r = t.nodes[n.right];
    l.row_begin = n.row_begin;
    l.row_end = n.row_begin + total_left;
    r.row_begin = l.row_end;
    r.row_end = n.row_end;
    i = j;
  }
  // Pass 2: copy back into place.
  pool_.ParallelFor(part_tasks_.size(), [&](size_t i) {
    const PartitionTask& task = part_tasks_[i];
    const uint32_t nl = task.left_count, nr = (task.end - task.begin) - nl;
    std::memcpy(rows_.data() + task.left_out, scratch_left_.data() + task.begin, nl * sizeof(uint32_t));
    std::memcpy(rows_.data() + task.right_out, scratch_right_.data() + task.begin, nr * sizeof(uint32_t));
  });
}

void GbdtTreeGrower::Expand(const std::vector<int32_t>& nodes, GrownTree& t,
                            std::vector<int32_t>& children) {
  children.clear();
  for (int32_t node : nodes) {
    const SplitCandidate& s = best_[node];
    const int32_t l = static_cast<int32_t>(t.nodes.size());
    t.nodes.emplace_back();
    t.nodes.emplace_back();
    GrownNode& n = t.nodes[node];
    n.left = l;
    n.right = l + 1;
    n.feature = s.feature;
    n.bin = s.bin;
    n.default_left = s.default_left;
    n.gain = s.gain;
    for (int32_t c = 0; c < 2; ++c) {
      GrownNode& child = t.nodes[l + c];
      const GradSum& sum = c == 0 ? s.left : s.right;
      child.depth = n.depth + 1;
      child.sum_grad = sum.g;
      child.sum_hess = sum.h;
    }
    children.push_back(l);
    children.push_back(l + 1);
  }
  slot_of_.resize(t.nodes.size(), -1);
  best_.resize(t.nodes.size());
  Partition(nodes, t);

  // The smaller child is built from rows; the larger inherits the parent's slot and becomes
  // parent minus smaller. Children that cannot split need no histogram at all.
  std::vector<int32_t>& build = scratch_nodes_;
  build.clear();
  sub_pairs_.clear();
  for (int32_t node : nodes) {
    const GrownNode& n = t.nodes[node];
    const bool left_small = t.nodes[n.left].NumRows() <= t.nodes[n.right].NumRows();
    const int32_t small = left_small ? n.left : n.right;
    const int32_t large = left_small ? n.right : n.left;
    const bool small_splits = CanSplit(t.nodes[small]);
    const bool large_splits = CanSplit(t.nodes[large]);
    if (large_splits) {
      slot_of_[large] = slot_of_[node];
      slot_of_[small] = AllocSlot();
      build.push_back(small);
      sub_pairs_.emplace_back(large, small);
    } else if (small_splits) {
      slot_of_[small] = slot_of_[node];
      build.push_back(small);
    } else {
      FreeSlot(slot_of_[node]);
    }
    slot_of_[node] = -1;
  }
  BuildHistograms(build, t);
  const int32_t nf = static_cast<int32_t>(features_->size());
  pool_.ParallelFor(sub_pairs_.size() * nf, [&](size_t i) {
    const auto [large, small] = sub_pairs_[i / nf];
    const int32_t f = (*features_)[i % nf];
    GradSum* dst = Hist(slot_of_[large]) + cuts_.hist_offset[f];
    const GradSum* src = Hist(slot_of_[small]) + cuts_.hist_offset[f];
    for (int32_t c = 0, e = cuts_.NumCodes(f); c < e; ++c) dst[c] -= src[c];
  });
  // Small children that cannot split only lent their slot for the subtraction.
  for (const auto& [large, small] : sub_pairs_) {
    if (!CanSplit(t.nodes[small])) {
      FreeSlot(slot_of_[small]);
      slot_of_[small] = -1;
    }
  }
  std::vector<int32_t>& splittable = scratch_nodes2_;
  splittable.clear();
  for (int32_t c : children)
    if (slot_of_[c] >= 0) splittable.push_back(c);
  FindSplits(splittable, t);
  // Nodes without a valid split will never expand: give their slots back now.
  for (int32_t c : splittable)
    if (!best_[c].Valid()) {
      FreeSlot(slot_of_[c]);
      slot_of_[c] = -1;
    }
}

void GbdtTreeGrower::Grow(const GradPair* gp, const std::vector<uint32_t>* rows,
                          const std::vector<int32_t>& features, GrownTree& out) {
  gp_ = gp;
  features_ = &features;
  out.nodes.clear();
  free_slots_.clear();
  for (int32_t s = num_slots_ - 1; s >= 0; --s) free_slots_.push_back(s);

  uint32_t n;
  if (rows) {
    n = static_cast<uint32_t>(rows->size());
    std::copy(rows->begin(), rows->end(), rows_.begin());
    dense_root_ = false;
  } else {
    n = static_cast<uint32_t>(m_.num_rows);
    for (uint32_t r = 0; r < n; ++r) rows_[r] = r;
    dense_root_ = true;
  }

  // Root sums in fixed blocks, added in block order: the same total on any thread count.
  const size_t blocks = (n + kPartitionBlock - 1) / kPartitionBlock;
  std::vector<GradSum>& partial = scratch_sums_;
  partial.assign(blocks, GradSum{});
  pool_.ParallelFor(blocks, [&](size_t b) {
    GradSum s;
    const uint32_t e = std::min<uint32_t>(n, static_cast<uint32_t>((b + 1) * kPartitionBlock));
    for (uint32_t k = static_cast<uint32_t>(b * kPartitionBlock); k < e; ++k) {
      const GradPair p = gp[rows_[k]];
      s.g += p.g;
      s.h += p.h;
    }
    partial[b] = s;
  });
  GrownNode root;
  root.row_begin = 0;
  root.row_end = n;
  for (const GradSum& s : partial) {
    root.sum_grad += s.g;
    root.sum_hess += s.h;
  }
  out.nodes.push_back(root);
  slot_of_.assign(1, -1);
  best_.assign(1, SplitCandidate{});

  std::vector<int32_t> frontier, children, chosen;
  if (CanSplit(out.nodes[0]) && !features.empty()) {
    slot_of_[0] = AllocSlot();
    frontier.push_back(0);
    BuildHistograms(frontier, out);
    FindSplits(frontier, out);
    if (!best_[0].Valid()) FreeSlot(slot_of_[0]);
  }
  int32_t leaves = 1;
  const int32_t max_leaves = params_.max_leaves;

  if (params_.policy == GrowPolicy::kDepthWise) {
    while (!frontier.empty()) {
      chosen.clear();
      for (int32_t node : frontier) {
        if (!best_[node].Valid()) continue;
        if (max_leaves > 0 && leaves >= max_leaves) {
          FreeSlot(slot_of_[node]);
          slot_of_[node] = -1;
          continue;
        }
        chosen.push_back(node);
        ++leaves;
      }
      if (chosen.empty()) break;
      Expand(chosen, out, children);
      frontier.swap(children);
    }
  } else {
    // Loss-guided: always split the leaf with the largest gain (ties: the older node).
    auto worse = [&](int32_t a, int32_t b) {
      return best_[a].gain < best_[b].gain || (best_[a].gain == best_[b].gain && a > b);
    };
    std::priority_queue<int32_t, std::vector<int32_t>, decltype(worse)> queue(worse);
    if (best_[0].Valid()) queue.push(0);
    while (!queue.empty() && (max_leaves <= 0 || leaves < max_leaves)) {
      chosen.assign(1, queue.top());
      queue.pop();
      ++leaves;
      Expand(chosen, out, children);
      for (int32_t c : children)
        if (best_[c].Valid()) queue.push(c);
    }
    while (!queue.empty()) {
      FreeSlot(slot_of_[queue.top()]);
      queue.pop();
    }
  }

  for (GrownNode& node : out.nodes) {
    if (!node.IsLeaf()) continue;
    double v = params_.learning_rate * LeafWeight({node.sum_grad, node.sum_hess}, params_.split);
    if (params_.round_to_float) v = static_cast<double>(static_cast<float>(v));
    node.value = v;
  }
}

}  // namespace larch::train
