// Grows one random-forest tree on one thread, depth first.
//
// Per-bin statistics are S doubles: class weights (S = number of classes) for classification,
// (sum w*y, sum w) for regression. A node with a histogram passes it down by the subtraction
// trick (the smaller child is built from rows, the larger is parent minus smaller, in the
// parent's slot). Depth-first order keeps at most one pending histogram per level. Nodes with
// few rows skip histograms altogether: their candidate features are scanned from the sorted
// codes of their rows, which costs less than touching every bin.
#pragma once

#include <cstdint>
#include <vector>

#include "train/grown_tree.h"
#include "train/quantize.h"
#include "train/random_forest.h"
#include "train/rng.h"

namespace larch::train {

struct RfTreeParams {
  Criterion criterion = Criterion::kGini;
  int32_t num_stats = 2;    // S
  int32_t max_depth = 0;
  double min_samples_split = 2;
  double min_samples_leaf = 1;
  int32_t max_features = 1;
};

// Shared read-only inputs of every tree.
struct RfInputs {
  const BinnedMatrix* m;
  const BinCuts* cuts;
  const uint8_t* cls;  // classification: class per row
  const float* y;      // regression: label per row
};

class RfTreeGrower {
 public:
  RfTreeGrower(const RfInputs& in, const RfTreeParams& params);

  // Grows a tree over the rows with weight > 0 (bootstrap counts). Leaves get their
  // statistics in `leaf_stats` (S per node, node-indexed). Returns false if cancelled.
  void Grow(const std::vector<uint16_t>& weight, Rng& rng, GrownTree& out,
            std::vector<double>& leaf_stats);

 private:
  struct Pending {
    int32_t node;
    int32_t slot;  // -1: no histogram (small node)
  };
  struct Best {
    double score;
    int32_t feature = -1, bin = -1;
    bool default_left = false;
  };
  struct Item {  // one row of a small node, for the sorted scan
    uint8_t code;
    uint32_t row;
  };

  double Impurity(const double* c) const;  // weighted impurity sum of one child
  void NodeTotals(int32_t node, GrownTree& t, std::vector<double>& stats);
  void BuildHist(uint32_t begin, uint32_t end, double* hist);
  void ScanBins(const double* bins, const uint8_t* codes_present, int32_t count,
                const double* missing, const double* total, int32_t feature, Best& best);
  void EvaluateHist(const double* hist, int32_t f, const double* total, Best& best);
  void EvaluateSmall(uint32_t begin, uint32_t end, int32_t f, const double* total, Best& best);
  uint32_t PartitionRows(uint32_t begin, uint32_t end, const Best& b);
  int32_t AllocSlot();

  RfInputs in_;
  RfTreeParams p_;
  size_t stride_;  // doubles per histogram
  const std::vector<uint16_t>* weight_ = nullptr;

  std::vector<uint32_t> rows_, scratch_;
  std::vector<double> hist_pool_;
  std::vector<int32_t> free_slots_;
  int32_t num_slots_ = 0;
  std::vector<Pending> stack_;
  std::vector<double> node_stats_;   // S per node (+1 for regression: sum w*y^2)
  std::vector<int32_t> feature_order_;
  std::vector<Item> items_;
  std::vector<double> small_bins_;
  std::vector<uint8_t> small_codes_;
  std::vector<double> acc_;
};

}  // namespace larch::train
