// Synthetic fraud-like tables (see synthetic.h). The model (coefficients, interactions, steps,
// category effects) comes from stream 0 of the seed; rows are drawn in fixed blocks, block b
// from stream b + 1, so generation is parallel and still reproducible.
#include "train/synthetic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "train/rng.h"

namespace larch::train {
namespace {

constexpr int64_t kBlock = 1 << 14;
constexpr uint64_t kMissingStream = 1ull << 40;

struct LatentModel {
  std::vector<double> linear;                 // per informative
  std::vector<std::pair<int32_t, int32_t>> pairs;
  std::vector<double> pair_coef;
  std::vector<double> step_at, step_coef;     // per informative (coef 0 = no step)
  std::vector<double> redundant;              // [redundant][informative]
  std::vector<std::vector<double>> cat_effect;  // per categorical column (empty = noise column)
  std::vector<double> cat_cdf;                // shared skewed category frequencies
};

LatentModel MakeModel(const SyntheticOptions& o) {
  Rng rng(o.seed, 0);
  LatentModel m;
  const int32_t k = o.informative;
  for (int32_t i = 0; i < k; ++i) {
    const double sign = rng.Uniform() < 0.5 ? -1.0 : 1.0;
    m.linear.push_back(sign * (0.4 + 0.8 * rng.Uniform()));
    const bool step = i % 2 == 0;
    m.step_at.push_back(step ? 0.3 + 1.2 * rng.Uniform() : 0.0);
    m.step_coef.push_back(step ? 0.6 + 0.8 * rng.Uniform() : 0.0);
  }
  for (int32_t p = 0; p < std::min(4, k / 2); ++p) {
    const int32_t a = static_cast<int32_t>(rng.Below(k));
    int32_t b = static_cast<int32_t>(rng.Below(k - 1));
    if (b >= a) ++b;
    m.pairs.emplace_back(a, b);
    m.pair_coef.push_back((rng.Uniform() < 0.5 ? -1.0 : 1.0) * (0.4 + 0.5 * rng.Uniform()));
  }
  for (int32_t j = 0; j < o.redundant * k; ++j) m.redundant.push_back(2.0 * rng.Uniform() - 1.0);
  m.cat_effect.resize(o.categorical);
  for (int32_t c = 0; c < (o.categorical + 1) / 2; ++c)
    for (int32_t v = 0; v < o.categories; ++v) m.cat_effect[c].push_back(0.8 * rng.Normal());
  double total = 0.0;
  for (int32_t v = 0; v < o.categories; ++v) total += 1.0 / std::pow(v + 1.0, 1.1);
  double acc = 0.0;
  for (int32_t v = 0; v < o.categories; ++v) {
    acc += 1.0 / std::pow(v + 1.0, 1.1) / total;
    m.cat_cdf.push_back(acc);
  }
  if (!m.cat_cdf.empty()) m.cat_cdf.back() = 1.0;
  return m;
}

Status Validate(const SyntheticOptions& o) {
  if (o.rows < 2) return Status::Invalid("rows must be >= 2");
  if (o.rows > (1ll << 31)) return Status::Invalid("rows must be <= 2^31");
  if (o.informative < 1) return Status::Invalid("informative must be >= 1");
  if (o.redundant < 0 || o.noise < 0 || o.categorical < 0)
    return Status::Invalid("redundant, noise and categorical must be >= 0");
  if (o.categorical > 0 && (o.categories < 2 || o.categories > 1 << 20))
    return Status::Invalid("categories must be in [2, 2^20]");
  if (static_cast<int64_t>(o.informative) + o.redundant + o.categorical + o.noise > 100000)
    return Status::Invalid("at most 100000 features");
  if (!(o.positive_rate > 0.0 && o.positive_rate < 1.0))
    return Status::Invalid("positiveRate must be in (0, 1)");
  if (!(o.label_noise >= 0.0)) return Status::Invalid("labelNoise must be >= 0");
  if (!(o.missing_rate >= 0.0 && o.missing_rate < 0.5))
    return Status::Invalid("missingRate must be in [0, 0.5)");
  return Status::Ok();
}

}  // namespace

StatusOr<SyntheticTable> MakeClassification(const SyntheticOptions& o, common::ThreadPool& pool) {
  RETURN_IF_ERROR(Validate(o));
  const LatentModel model = MakeModel(o);
  const int64_t n = o.rows;
  const int32_t k = o.informative;
  const int32_t red0 = k, cat0 = k + o.redundant, noise0 = cat0 + o.categorical;
  const int32_t nf = noise0 + o.noise;

  SyntheticTable t;
  t.num_rows = n;
  for (int32_t i = 0; i < k; ++i) t.names.push_back("inf_" + std::to_string(i));
  for (int32_t i = 0; i < o.redundant; ++i) t.names.push_back("red_" + std::to_string(i));
  for (int32_t i = 0; i < o.categorical; ++i) t.names.push_back("cat_" + std::to_string(i));
  for (int32_t i = 0; i < o.noise; ++i) t.names.push_back("noise_" + std::to_string(i));
  t.x.resize(static_cast<size_t>(n) * nf);
  t.y.assign(static_cast<size_t>(n), 0.0f);
  std::vector<double> score(static_cast<size_t>(n));
  float* x = t.x.data();
  auto at = [&](int32_t f, int64_t r) -> float& { return x[static_cast<size_t>(f) * n + r]; };

  const int64_t blocks = (n + kBlock - 1) / kBlock;
  pool.ParallelFor(static_cast<size_t>(blocks), [&](size_t b) {
    Rng rng(o.seed, b + 1);
    std::vector<double> z(k);
    const int64_t r1 = std::min(n, static_cast<int64_t>(b + 1) * kBlock);
    for (int64_t r = static_cast<int64_t>(b) * kBlock; r < r1; ++r) {
      double s = 0.0;
      for (int32_t i = 0; i < k; ++i) {
        z[i] = rng.Normal();
        s += model.linear[i] * z[i];
        if (model.step_coef[i] != 0.0 && z[i] > model.step_at[i]) s += model.step_coef[i];
        // Every third informative column is observed as a log-normal "amount" (monotone in z).
        at(i, r) = static_cast<float>(i % 3 == 1 ? std::exp(0.75 * z[i]) : z[i]);
      }
      for (size_t p = 0; p < model.pairs.size(); ++p)
        s += model.pair_coef[p] * z[model.pairs[p].first] * z[model.pairs[p].second];
      for (int32_t j = 0; j < o.redundant; ++j) {
        double v = 0.0;
        for (int32_t i = 0; i < k; ++i) v += model.redundant[j * k + i] * at(i, r);
        at(red0 + j, r) = static_cast<float>(v);
      }
      for (int32_t c = 0; c < o.categorical; ++c) {
        const double u = rng.Uniform();
        const int32_t v = static_cast<int32_t>(
            std::lower_bound(model.cat_cdf.begin(), model.cat_cdf.end(), u) - model.cat_cdf.begin());
        at(cat0 + c, r) = static_cast<float>(v);
        if (!model.cat_effect[c].empty()) s += model.cat_effect[c][v];
      }
      for (int32_t j = 0; j < o.noise; ++j) at(noise0 + j, r) = static_cast<float>(rng.Normal());
      score[r] = s + o.label_noise * rng.Normal();
    }
  });

  // Exactly round(n * rate) positives: the highest scores (ties broken by row index).
  const int64_t positives =
      std::clamp<int64_t>(std::llround(static_cast<double>(n) * o.positive_rate), 1, n - 1);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::nth_element(order.begin(), order.begin() + positives, order.end(), [&](int64_t a, int64_t b) {
    return score[a] > score[b] || (score[a] == score[b] && a < b);
  });
  for (int64_t i = 0; i < positives; ++i) t.y[order[i]] = 1.0f;

  if (o.missing_rate > 0.0) {
    pool.ParallelFor(static_cast<size_t>(blocks), [&](size_t b) {
      Rng rng(o.seed, kMissingStream + b);
      const int64_t r1 = std::min(n, static_cast<int64_t>(b + 1) * kBlock);
      for (int64_t r = static_cast<int64_t>(b) * kBlock; r < r1; ++r) {
        const double rate = t.y[r] > 0.5f ? std::min(0.99, 2.0 * o.missing_rate) : o.missing_rate;
        for (int32_t f = 0; f < cat0; ++f)
          if (rng.Uniform() < rate) at(f, r) = std::numeric_limits<float>::quiet_NaN();
      }
    });
  }
  return t;
}

}  // namespace larch::train
