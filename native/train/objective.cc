// Objectives and metrics (see objective.h). Per-row work runs in fixed blocks whose partial sums
// are added in block order, so metric values do not depend on the thread count.
#include "train/objective.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace larch::train {
namespace {

constexpr int64_t kBlock = 1 << 14;
constexpr double kProbEps = 1e-15;

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Sum of fn(row) over [0, n), in fixed blocks.
template <typename Fn>
double BlockSum(int64_t n, common::ThreadPool& pool, Fn&& fn) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
  pool.ParallelFor(static_cast<size_t>(blocks), [&](size_t b) {
    double s = 0.0;
    const int64_t e = std::min(n, static_cast<int64_t>(b + 1) * kBlock);
    for (int64_t r = static_cast<int64_t>(b) * kBlock; r < e; ++r) s += fn(r);
    partial[b] = s;
  });
  double total = 0.0;
  for (double s : partial) total += s;
  return total;
}

// Softmax of one row's margins into p (size k).
void Softmax(const double* m, int32_t k, double* p) {
  double mx = m[0];
  for (int32_t c = 1; c < k; ++c) mx = std::max(mx, m[c]);
  double sum = 0.0;
  for (int32_t c = 0; c < k; ++c) sum += (p[c] = std::exp(m[c] - mx));
  for (int32_t c = 0; c < k; ++c) p[c] /= sum;
}

// Rank-based AUC (Mann-Whitney U with tied scores sharing their average rank).
double Auc(const double* margin, const float* y, int64_t n) {
  // Sorting (score, label) pairs keeps the comparisons on contiguous memory.
  std::vector<std::pair<double, float>> order(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) order[r] = {margin[r], y[r]};
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum = 0.0, pos = 0.0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    while (j < n && order[j].first == order[i].first) ++j;
    const double avg_rank = 0.5 * static_cast<double>(i + 1 + j);
    for (int64_t k = i; k < j; ++k)
      if (order[k].second > 0.5f) {
        rank_sum += avg_rank;
        pos += 1.0;
      }
    i = j;
  }
  const double neg = static_cast<double>(n) - pos;
  if (pos == 0.0 || neg == 0.0) return 0.5;
  return (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg);
}

}  // namespace

StatusOr<ObjectiveKind> ParseObjective(const std::string& name) {
  if (name == "binary:logistic") return ObjectiveKind::kBinaryLogistic;
  if (name == "multi:softprob") return ObjectiveKind::kMultiSoftprob;
  if (name == "multi:softmax") return ObjectiveKind::kMultiSoftmax;
  if (name == "reg:squarederror") return ObjectiveKind::kSquaredError;
  return Status::Invalid("objective must be one of binary:logistic, multi:softprob, "
                         "multi:softmax, reg:squarederror; got \"" + name + "\"");
}

StatusOr<Metric> ParseMetric(const std::string& name) {
  if (name == "logloss") return Metric::kLogLoss;
  if (name == "auc") return Metric::kAuc;
  if (name == "error") return Metric::kError;
  if (name == "mlogloss") return Metric::kMLogLoss;
  if (name == "merror") return Metric::kMError;
  if (name == "rmse") return Metric::kRmse;
  return Status::Invalid("evalMetric must be one of logloss, auc, error, mlogloss, merror, rmse; "
                         "got \"" + name + "\"");
}

const char* MetricName(Metric m) {
  switch (m) {
    case Metric::kLogLoss: return "logloss";
    case Metric::kAuc: return "auc";
    case Metric::kError: return "error";
    case Metric::kMLogLoss: return "mlogloss";
    case Metric::kMError: return "merror";
    case Metric::kRmse: return "rmse";
  }
  return "?";
}

bool HigherIsBetter(Metric m) { return m == Metric::kAuc; }

Metric DefaultMetric(ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::kBinaryLogistic: return Metric::kLogLoss;
    case ObjectiveKind::kMultiSoftprob:
    case ObjectiveKind::kMultiSoftmax: return Metric::kMLogLoss;
    case ObjectiveKind::kSquaredError: return Metric::kRmse;
  }
  return Metric::kRmse;
}

bool MetricFits(Metric m, ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::kBinaryLogistic:
      return m == Metric::kLogLoss || m == Metric::kAuc || m == Metric::kError;
    case ObjectiveKind::kMultiSoftprob:
    case ObjectiveKind::kMultiSoftmax:
      return m == Metric::kMLogLoss || m == Metric::kMError;
    case ObjectiveKind::kSquaredError:
      return m == Metric::kRmse;
  }
  return false;
}

Status ValidateLabels(ObjectiveKind k, int32_t num_class, const float* y, int64_t n,
                      const char* which) {
  for (int64_t r = 0; r < n; ++r) {
    const float v = y[r];
    bool ok;
    switch (k) {
      case ObjectiveKind::kBinaryLogistic: ok = v == 0.0f || v == 1.0f; break;
      case ObjectiveKind::kMultiSoftprob:
      case ObjectiveKind::kMultiSoftmax:
        ok = v >= 0.0f && v < static_cast<float>(num_class) && v == std::floor(v);
        break;
      default: ok = std::isfinite(v); break;
    }
    if (!ok) {
      std::string expected = k == ObjectiveKind::kBinaryLogistic ? "0 or 1"
                             : k == ObjectiveKind::kSquaredError
                                 ? "a finite number"
                                 : "an integer class in [0, " + std::to_string(num_class) + ")";
      return Status::Invalid(std::string(which) + " label at row " + std::to_string(r) + " is " +
                             std::to_string(v) + "; expected " + expected);
    }
  }
  return Status::Ok();
}

std::vector<double> BaseScores(ObjectiveKind k, int32_t num_class, const float* y, int64_t n) {
  switch (k) {
    case ObjectiveKind::kBinaryLogistic: {
      double pos = 0.0;
      for (int64_t r = 0; r < n; ++r) pos += y[r];
      const double p = std::clamp(pos / static_cast<double>(n), 1e-6, 1.0 - 1e-6);
      return {std::log(p / (1.0 - p))};
    }
    case ObjectiveKind::kMultiSoftprob:
    case ObjectiveKind::kMultiSoftmax: {
      std::vector<double> count(num_class, 0.0);
      for (int64_t r = 0; r < n; ++r) count[static_cast<int32_t>(y[r])] += 1.0;
      std::vector<double> base(num_class);
      double mean = 0.0;
      for (int32_t c = 0; c < num_class; ++c) {
        base[c] = std::log(std::max(count[c] / static_cast<double>(n), 1e-6));
        mean += base[c] / num_class;
      }
      for (double& b : base) b -= mean;
      return base;
    }
    case ObjectiveKind::kSquaredError: {
      double s = 0.0;
      for (int64_t r = 0; r < n; ++r) s += y[r];
      return {s / static_cast<double>(n)};
    }
  }
  return {0.0};
}

void ComputeGradients(ObjectiveKind k, int32_t num_output, const double* margin, const float* y,
                      int64_t n, GradPair* gp, common::ThreadPool& pool) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  pool.ParallelFor(static_cast<size_t>(blocks), [&](size_t b) {
    const int64_t r0 = static_cast<int64_t>(b) * kBlock, r1 = std::min(n, r0 + kBlock);
    switch (k) {
      case ObjectiveKind::kBinaryLogistic:
        for (int64_t r = r0; r < r1; ++r) {
          const double p = Sigmoid(margin[r]);
          gp[r] = {static_cast<float>(p - y[r]), static_cast<float>(std::max(p * (1.0 - p), 1e-16))};
        }
        break;
      case ObjectiveKind::kSquaredError:
        for (int64_t r = r0; r < r1; ++r) gp[r] = {static_cast<float>(margin[r] - y[r]), 1.0f};
        break;
      case ObjectiveKind::kMultiSoftprob:
      case ObjectiveKind::kMultiSoftmax: {
        double p[256];
        for (int64_t r = r0; r < r1; ++r) {
          Softmax(margin + r * num_output, num_output, p);
          const int32_t label = static_cast<int32_t>(y[r]);
          for (int32_t c = 0; c < num_output; ++c) {
            const double g = p[c] - (c == label ? 1.0 : 0.0);
            const double h = std::max(2.0 * p[c] * (1.0 - p[c]), 1e-16);
            gp[static_cast<size_t>(c) * n + r] = {static_cast<float>(g), static_cast<float>(h)};
          }
        }
        break;
      }
    }
  });
}

double EvaluateMetric(Metric m, int32_t num_output, const double* margin, const float* y,
                      int64_t n, common::ThreadPool& pool) {
  if (n == 0) return 0.0;
  const double dn = static_cast<double>(n);
  switch (m) {
    case Metric::kAuc: return Auc(margin, y, n);
    case Metric::kLogLoss:
      return BlockSum(n, pool, [&](int64_t r) {
        const double p = std::clamp(Sigmoid(margin[r]), kProbEps, 1.0 - kProbEps);
        return y[r] > 0.5f ? -std::log(p) : -std::log(1.0 - p);
      }) / dn;
    case Metric::kError:
      return BlockSum(n, pool, [&](int64_t r) {
        return (margin[r] > 0.0) != (y[r] > 0.5f) ? 1.0 : 0.0;
      }) / dn;
    case Metric::kRmse:
      return std::sqrt(BlockSum(n, pool, [&](int64_t r) {
        const double d = margin[r] - y[r];
        return d * d;
      }) / dn);
    case Metric::kMLogLoss:
      return BlockSum(n, pool, [&](int64_t r) {
        double p[256];
        Softmax(margin + r * num_output, num_output, p);
        return -std::log(std::max(p[static_cast<int32_t>(y[r])], kProbEps));
      }) / dn;
    case Metric::kMError:
      return BlockSum(n, pool, [&](int64_t r) {
        const double* row = margin + r * num_output;
        const int32_t arg = static_cast<int32_t>(std::max_element(row, row + num_output) - row);
        return arg == static_cast<int32_t>(y[r]) ? 0.0 : 1.0;
      }) / dn;
  }
  return 0.0;
}

}  // namespace larch::train
