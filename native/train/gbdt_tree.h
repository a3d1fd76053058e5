// Grows one gradient-boosted tree from binned data and per-row gradients.
//
// Work per tree: histograms are built only for the smaller child of each split; the larger
// child's histogram is its parent's minus the smaller one's, computed in the parent's slot.
// Every parallel step is a list of independent tasks ((node, feature group), (node, block of
// rows)) whose results are combined in a fixed order, so the tree does not depend on how the
// pool schedules them: the same inputs give the same tree on any number of threads.
//
// The grower owns all scratch memory (row lists, histogram slots, task lists) and keeps it
// between trees; after the first tree, growing allocates only when a tree needs more slots.
#pragma once

#include <cstdint>
#include <vector>

#include "common/thread_pool.h"
#include "train/gbdt_split.h"
#include "train/grown_tree.h"
#include "train/histogram.h"
#include "train/quantize.h"

namespace larch::train {

enum class GrowPolicy { kDepthWise, kLossGuide };

struct TreeParams {
  SplitParams split;
  GrowPolicy policy = GrowPolicy::kDepthWise;
  int32_t max_depth = 6;   // 0: unlimited (loss-guided growth only)
  int32_t max_leaves = 0;  // 0: unlimited
  double learning_rate = 0.3;
  bool round_to_float = true;  // leaf values are stored as float32
};

class GbdtTreeGrower {
 public:
  GbdtTreeGrower(const BinnedMatrix& m, const BinCuts& cuts, const TreeParams& params,
                 common::ThreadPool& pool);

  // Grows a tree over `rows` (ascending; empty span = every row) with gradients gp[row],
  // splitting only on `features`. Leaf ranges index RowList().
  void Grow(const GradPair* gp, const std::vector<uint32_t>* rows,
            const std::vector<int32_t>& features, GrownTree& out);

  const uint32_t* RowList() const { return rows_.data(); }

 private:
  struct PartitionTask {
    int32_t node;
    uint32_t begin, end;    // block of the node's range in rows_
    uint32_t left_count;
    uint32_t left_out, right_out;
  };

  int32_t AllocSlot();
  void FreeSlot(int32_t slot);
  GradSum* Hist(int32_t slot) { return hist_pool_.data() + static_cast<size_t>(slot) * stride_; }

  void FindSplits(const std::vector<int32_t>& nodes, GrownTree& t);
  // Splits `nodes` (each with a valid best_ split), builds their children's histograms and,
  // for children that may split again, their best splits.
  void Expand(const std::vector<int32_t>& nodes, GrownTree& t, std::vector<int32_t>& children);
  void Partition(const std::vector<int32_t>& nodes, GrownTree& t);
  void BuildHistograms(const std::vector<int32_t>& nodes, const GrownTree& t);
  bool CanSplit(const GrownNode& n) const;

  const BinnedMatrix& m_;
  const BinCuts& cuts_;
  TreeParams params_;
  common::ThreadPool& pool_;
  size_t stride_;  // GradSum per histogram

  const GradPair* gp_ = nullptr;
  const std::vector<int32_t>* features_ = nullptr;
  bool dense_root_ = false;

  std::vector<uint32_t> rows_, scratch_left_, scratch_right_;
  std::vector<GradSum> hist_pool_;
  std::vector<int32_t> free_slots_;
  int32_t num_slots_ = 0;
  std::vector<int32_t> slot_of_;            // per node, -1 when none
  std::vector<SplitCandidate> best_;        // per node
  std::vector<SplitCandidate> candidates_;  // per (node, feature) during FindSplits
  std::vector<PartitionTask> part_tasks_;
  struct HistTask {
    int32_t node;
    int32_t first_feature;  // index into features_
    uint32_t chunk, chunks;  // reduce tasks: chunk = first index into chunk_slots_
    int32_t slot;           // histogram written (build) or summed into (reduce)
  };
  std::vector<HistTask> hist_tasks_, reduce_tasks_;
  std::vector<int32_t> chunk_slots_;
  std::vector<std::pair<int32_t, int32_t>> sub_pairs_;   // (large child, small child)
  std::vector<int32_t> scratch_nodes_, scratch_nodes2_;
  std::vector<GradSum> scratch_sums_;
};

}  // namespace larch::train
