// One random-forest tree (see rf_tree.h).
#include "train/rf_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace larch::train {
namespace {

// Nodes with at most this many distinct rows are split from sorted codes, not histograms.
constexpr uint32_t kSmallNode = 128;

}  // namespace

RfTreeGrower::RfTreeGrower(const RfInputs& in, const RfTreeParams& params)
    : in_(in), p_(params), stride_(static_cast<size_t>(in.cuts->TotalCodes()) * params.num_stats) {
  rows_.resize(static_cast<size_t>(in.m->num_rows));
  scratch_.resize(rows_.size());
  feature_order_.resize(in.m->num_features);
  for (int32_t f = 0; f < in.m->num_features; ++f) feature_order_[f] = f;
  acc_.resize(4 * static_cast<size_t>(params.num_stats));
}

int32_t RfTreeGrower::AllocSlot() {
  if (!free_slots_.empty()) {
    const int32_t s = free_slots_.back();
    free_slots_.pop_back();
    return s;
  }
  ++num_slots_;
  hist_pool_.resize(static_cast<size_t>(num_slots_) * stride_);
  return num_slots_ - 1;
}

double RfTreeGrower::Impurity(const double* c) const {
  const int32_t s = p_.num_stats;
  switch (p_.criterion) {
    case Criterion::kGini: {
      double w = 0.0, sq = 0.0;
      for (int32_t k = 0; k < s; ++k) {
        w += c[k];
        sq += c[k] * c[k];
      }
      return w > 0.0 ? w - sq / w : 0.0;
    }
    case Criterion::kEntropy: {
      double w = 0.0, e = 0.0;
      for (int32_t k = 0; k < s; ++k) {
        w += c[k];
        if (c[k] > 0.0) e += c[k] * std::log(c[k]);
      }
      return w > 0.0 ? w * std::log(w) - e : 0.0;
    }
    case Criterion::kSquaredError:
      // Weighted SSE minus the node's sum of w*y^2, which cancels in every gain.
      return c[1] > 0.0 ? -c[0] * c[0] / c[1] : 0.0;
  }
  return 0.0;
}

void RfTreeGrower::NodeTotals(int32_t node, GrownTree& t, std::vector<double>& stats) {
  const int32_t s = p_.num_stats;
  const GrownNode& n = t.nodes[node];
  stats.resize(static_cast<size_t>(node + 1) * (s + 1));
  double* c = stats.data() + static_cast<size_t>(node) * (s + 1);
  std::fill(c, c + s + 1, 0.0);
  const std::vector<uint16_t>& w = *weight_;
  if (p_.criterion == Criterion::kSquaredError) {
    for (uint32_t k = n.row_begin; k < n.row_end; ++k) {
      const uint32_t r = rows_[k];
      const double wy = w[r] * static_cast<double>(in_.y[r]);
      c[0] += wy;
      c[1] += w[r];
      c[2] += wy * in_.y[r];
    }
  } else {
    for (uint32_t k = n.row_begin; k < n.row_end; ++k) c[in_.cls[rows_[k]]] += w[rows_[k]];
  }
}

void RfTreeGrower::BuildHist(uint32_t begin, uint32_t end, double* hist) {
  std::fill(hist, hist + stride_, 0.0);
  const int32_t s = p_.num_stats;
  const std::vector<uint16_t>& w = *weight_;
  const BinCuts& cuts = *in_.cuts;
  for (int32_t f = 0; f < in_.m->num_features; ++f) {
    const uint8_t* col = in_.m->Column(f);
    double* h = hist + static_cast<size_t>(cuts.hist_offset[f]) * s;
    if (p_.criterion == Criterion::kSquaredError) {
      for (uint32_t k = begin; k < end; ++k) {
        const uint32_t r = rows_[k];
        double* b = h + 2 * col[r];
        b[0] += w[r] * static_cast<double>(in_.y[r]);
        b[1] += w[r];
      }
    } else {
      for (uint32_t k = begin; k < end; ++k) {
        const uint32_t r = rows_[k];
        h[static_cast<size_t>(col[r]) * s + in_.cls[r]] += w[r];
      }
    }
  }
}

// Scans value bins in code order. `codes` lists each entry's code (nullptr: entry i is code i).
void RfTreeGrower::ScanBins(const double* bins, const uint8_t* codes, int32_t count,
                            const double* missing, const double* total, int32_t feature,
                            Best& best) {
  const int32_t s = p_.num_stats;
  const bool regression = p_.criterion == Criterion::kSquaredError;
  auto weight = [&](const double* c) {
    if (regression) return c[1];
    double w = 0.0;
    for (int32_t k = 0; k < s; ++k) w += c[k];
    return w;
  };
  double* left = acc_.data();
  double* l2 = left + s;
  double* r1 = l2 + s;
  double* r2 = r1 + s;
  std::fill(left, left + s, 0.0);
  const double wm = weight(missing);
  const double wt = weight(total);
  const int32_t num_cuts = in_.cuts->NumCuts(feature);
  const double msl = p_.min_samples_leaf;
  for (int32_t i = 0; i < count; ++i) {
    const int32_t code = codes ? codes[i] : i;
    const double* b = bins + static_cast<size_t>(i) * s;
    const double wb = weight(b);
    if (wb == 0.0) continue;  // same partition as the previous bin
    for (int32_t k = 0; k < s; ++k) left[k] += b[k];
    const double wl = weight(left);
    if (code >= num_cuts || wl == wt - wm) {
      // Every value is left: only "missing alone on the right" remains (bin = num_cuts, the IR
      // node `x <= +inf`, which only NaN fails).
      if (wm > 0.0 && wl >= msl && wm >= msl) {
        for (int32_t k = 0; k < s; ++k) r1[k] = total[k] - left[k];
        const double score = Impurity(left) + Impurity(r1);
        if (score < best.score) {
          best.score = score;
          best.feature = feature;
          best.bin = num_cuts;
          best.default_left = false;
        }
      }
      break;
    }
    // Missing values right.
    {
      const double wr = wt - wl;
      if (wl >= msl && wr >= msl && wl > 0.0 && wr > 0.0) {
        for (int32_t k = 0; k < s; ++k) r1[k] = total[k] - left[k];
        const double score = Impurity(left) + Impurity(r1);
        if (score < best.score) {
          best.score = score;
          best.feature = feature;
          best.bin = code;
          best.default_left = wm > 0.0 ? false : wl >= wr;
        }
      }
    }
    if (wm > 0.0) {  // missing values left
      const double wl2 = wl + wm, wr = wt - wl2;
      if (wl2 >= msl && wr >= msl && wr > 0.0) {
        for (int32_t k = 0; k < s; ++k) {
          l2[k] = left[k] + missing[k];
          r2[k] = total[k] - l2[k];
        }
        const double score = Impurity(l2) + Impurity(r2);
        if (score < best.score) {
          best.score = score;
          best.feature = feature;
          best.bin = code;
          best.default_left = true;
        }
      }
    }
  }
}

void RfTreeGrower::EvaluateHist(const double* hist, int32_t f, const double* total, Best& best) {
  const int32_t s = p_.num_stats;
  const BinCuts& cuts = *in_.cuts;
  const double* h = hist + static_cast<size_t>(cuts.hist_offset[f]) * s;
  ScanBins(h, nullptr, cuts.NumCuts(f) + 1, h + static_cast<size_t>(cuts.MissingCode(f)) * s,
           total, f, best);
}

void RfTreeGrower::EvaluateSmall(uint32_t begin, uint32_t end, int32_t f, const double* total,
                                 Best& best) {
  const int32_t s = p_.num_stats;
  const uint8_t* col = in_.m->Column(f);
  const uint8_t missing_code = static_cast<uint8_t>(in_.cuts->MissingCode(f));
  const std::vector<uint16_t>& w = *weight_;
  items_.clear();
  for (uint32_t k = begin; k < end; ++k) items_.push_back({col[rows_[k]], rows_[k]});
  std::sort(items_.begin(), items_.end(),
            [](const Item& a, const Item& b) { return a.code < b.code || (a.code == b.code && a.row < b.row); });
  small_bins_.clear();
  small_codes_.clear();
  std::vector<double>& bins = small_bins_;
  double missing[256 + 2];
  std::fill(missing, missing + s, 0.0);
  for (const Item& it : items_) {
    double* b;
    if (it.code == missing_code) {
      b = missing;
    } else {
      if (small_codes_.empty() || small_codes_.back() != it.code) {
        small_codes_.push_back(it.code);
        bins.resize(bins.size() + s, 0.0);
      }
      b = bins.data() + bins.size() - s;
    }
    if (p_.criterion == Criterion::kSquaredError) {
      b[0] += w[it.row] * static_cast<double>(in_.y[it.row]);
      b[1] += w[it.row];
    } else {
      b[in_.cls[it.row]] += w[it.row];
    }
  }
  ScanBins(bins.data(), small_codes_.data(), static_cast<int32_t>(small_codes_.size()), missing,
           total, f, best);
}

uint32_t RfTreeGrower::PartitionRows(uint32_t begin, uint32_t end, const Best& b) {
  const uint8_t* col = in_.m->Column(b.feature);
  const uint8_t missing = static_cast<uint8_t>(in_.cuts->MissingCode(b.feature));
  const uint8_t bin = static_cast<uint8_t>(b.bin);
  uint32_t nl = 0, nr = 0;
  for (uint32_t k = begin; k < end; ++k) {
    const uint32_t r = rows_[k];
    const uint8_t code = col[r];
    const bool left = code == missing ? b.default_left : code <= bin;
    if (left) rows_[begin + nl++] = r;
    else scratch_[nr++] = r;
  }
  std::copy(scratch_.begin(), scratch_.begin() + nr, rows_.begin() + begin + nl);
  return nl;
}

void RfTreeGrower::Grow(const std::vector<uint16_t>& weight, Rng& rng, GrownTree& out,
                        std::vector<double>& leaf_stats) {
  weight_ = &weight;
  // The feature order is part of the tree's random state: start every tree from the same one.
  for (int32_t f = 0; f < in_.m->num_features; ++f) feature_order_[f] = f;
  const int32_t s = p_.num_stats;
  const int32_t ns = s + 1;
  const bool regression = p_.criterion == Criterion::kSquaredError;
  uint32_t n = 0;
  for (size_t r = 0; r < weight.size(); ++r)
    if (weight[r] > 0) rows_[n++] = static_cast<uint32_t>(r);
  out.nodes.assign(1, GrownNode{});
  out.nodes[0].row_end = n;
  free_slots_.clear();
  for (int32_t i = num_slots_ - 1; i >= 0; --i) free_slots_.push_back(i);
  NodeTotals(0, out, node_stats_);

  auto node_weight = [&](int32_t node) {
    const double* c = node_stats_.data() + static_cast<size_t>(node) * ns;
    if (regression) return c[1];
    double w = 0.0;
    for (int32_t k = 0; k < s; ++k) w += c[k];
    return w;
  };
  auto will_split = [&](int32_t node) {
    const GrownNode& g = out.nodes[node];
    if (p_.max_depth > 0 && g.depth >= p_.max_depth) return false;
    const double w = node_weight(node);
    if (w < p_.min_samples_split || w < 2.0 * p_.min_samples_leaf || g.NumRows() < 2) return false;
    const double* c = node_stats_.data() + static_cast<size_t>(node) * ns;
    if (regression) return c[2] - c[0] * c[0] / c[1] > 1e-12 * std::max(1.0, c[2]);
    int32_t classes = 0;
    for (int32_t k = 0; k < s; ++k) classes += c[k] > 0.0;
    return classes > 1;
  };

  stack_.clear();
  if (will_split(0)) {
    int32_t slot = -1;
    if (n > kSmallNode) {
      slot = AllocSlot();
      BuildHist(0, n, hist_pool_.data() + slot * stride_);
    }
    stack_.push_back({0, slot});
  }
  const int32_t nf = in_.m->num_features;
  while (!stack_.empty()) {
    const Pending cur = stack_.back();
    stack_.pop_back();
    const int32_t node = cur.node;
    const uint32_t begin = out.nodes[node].row_begin, end = out.nodes[node].row_end;
    const double* total = node_stats_.data() + static_cast<size_t>(node) * ns;
    // Copy: node_stats_ grows (and may move) when children are added below.
    double total_copy[256 + 3];
    std::copy(total, total + ns, total_copy);

    Best best;
    best.score = std::numeric_limits<double>::infinity();
    // Features in a fresh random order; stop after max_features once a valid split exists
    // (scikit-learn keeps looking past max_features until it finds one).
    for (int32_t j = 0; j < nf; ++j) {
      std::swap(feature_order_[j], feature_order_[j + rng.Below(nf - j)]);
      const int32_t f = feature_order_[j];
      if (cur.slot >= 0) EvaluateHist(hist_pool_.data() + cur.slot * stride_, f, total_copy, best);
      else EvaluateSmall(begin, end, f, total_copy, best);
      if (j + 1 >= p_.max_features && best.feature >= 0) break;
    }
    if (best.feature < 0) {
      if (cur.slot >= 0) free_slots_.push_back(cur.slot);
      continue;
    }
    const uint32_t nl = PartitionRows(begin, end, best);
    const int32_t l = static_cast<int32_t>(out.nodes.size());
    out.nodes.emplace_back();
    out.nodes.emplace_back();
    GrownNode& g = out.nodes[node];
    g.left = l;
    g.right = l + 1;
    g.feature = best.feature;
    g.bin = best.bin;
    g.default_left = best.default_left;
    g.gain = Impurity(total_copy) - best.score;
    out.nodes[l].depth = out.nodes[l + 1].depth = g.depth + 1;
    out.nodes[l].row_begin = begin;
    out.nodes[l].row_end = begin + nl;
    out.nodes[l + 1].row_begin = begin + nl;
    out.nodes[l + 1].row_end = end;
    NodeTotals(l, out, node_stats_);
    NodeTotals(l + 1, out, node_stats_);

    const bool left_small = nl <= end - begin - nl;
    const int32_t sm = left_small ? l : l + 1, lg = left_small ? l + 1 : l;
    const bool need_s = will_split(sm) && out.nodes[sm].NumRows() > kSmallNode;
    const bool need_l = will_split(lg) && out.nodes[lg].NumRows() > kSmallNode;
    int32_t slot_s = -1, slot_l = -1;
    if (cur.slot >= 0 && need_l) {
      slot_l = cur.slot;
      slot_s = AllocSlot();
      double* hs = hist_pool_.data() + slot_s * stride_;
      BuildHist(out.nodes[sm].row_begin, out.nodes[sm].row_end, hs);
      double* hl = hist_pool_.data() + slot_l * stride_;
      for (size_t i = 0; i < stride_; ++i) hl[i] -= hs[i];
      if (!need_s) {
        free_slots_.push_back(slot_s);
        slot_s = -1;
      }
    } else if (cur.slot >= 0 && need_s) {
      slot_s = cur.slot;
      BuildHist(out.nodes[sm].row_begin, out.nodes[sm].row_end, hist_pool_.data() + slot_s * stride_);
    } else if (cur.slot >= 0) {
      free_slots_.push_back(cur.slot);
    }
    if (will_split(lg)) stack_.push_back({lg, slot_l});
    if (will_split(sm)) stack_.push_back({sm, slot_s});
  }

  leaf_stats.assign(out.nodes.size() * static_cast<size_t>(s), 0.0);
  for (size_t i = 0; i < out.nodes.size(); ++i) {
    GrownNode& g = out.nodes[i];
    const double* c = node_stats_.data() + i * ns;
    g.sum_hess = regression ? c[1] : 0.0;
    if (!regression)
      for (int32_t k = 0; k < s; ++k) g.sum_hess += c[k];
    std::copy(c, c + s, leaf_stats.begin() + static_cast<std::ptrdiff_t>(i * s));
    if (regression && g.IsLeaf()) g.value = c[1] > 0.0 ? c[0] / c[1] : 0.0;
  }
}

}  // namespace larch::train
