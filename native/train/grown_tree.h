// A tree as the trainer grows it: splits on bin codes, before conversion to the forest IR.
// Node 0 is the root; children are appended in pairs. Each node remembers its range in the
// grower's row partition, so a finished tree tells which training rows reached each leaf.
#pragma once

#include <cstdint>
#include <vector>

#include "train/quantize.h"

namespace larch::train {

struct GrownNode {
  int32_t left = -1, right = -1;  // -1: leaf
  int32_t feature = -1;
  int32_t bin = -1;               // left when code <= bin, or when missing and default_left
  bool default_left = false;
  int32_t depth = 0;
  uint32_t row_begin = 0, row_end = 0;  // range in the grower's row list
  double sum_grad = 0.0, sum_hess = 0.0;
  double gain = 0.0;
  double value = 0.0;                   // leaf output (already scaled by the learning rate)
  bool IsLeaf() const { return left < 0; }
  uint32_t NumRows() const { return row_end - row_begin; }
};

struct GrownTree {
  std::vector<GrownNode> nodes;

  // The leaf a row reaches, reading codes from a binned matrix (training or validation).
  int32_t LeafOf(const BinnedMatrix& m, const BinCuts& cuts, int64_t row) const {
    int32_t n = 0;
    while (!nodes[n].IsLeaf()) {
      const GrownNode& node = nodes[n];
      const uint8_t code = m.Column(node.feature)[row];
      const bool left = code == cuts.MissingCode(node.feature) ? node.default_left
                                                               : code <= node.bin;
      n = left ? node.left : node.right;
    }
    return n;
  }
};

}  // namespace larch::train
