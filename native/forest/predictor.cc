// Predictor: compiles the IR once, then evaluates batches of rows in blocks on a thread pool.
//
// Per block of at most kBlockRows rows: convert the rows to the model's type if needed, zero the
// accumulators, run every tree (EvaluateBlock), then finish each row in GTIL's order
// (average, add base scores, postprocess / pick classes) straight into the caller's output.
// Scratch (converted rows, accumulators) is thread_local and only ever grows, so steady-state
// prediction allocates nothing.
#include "forest/predictor.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "forest/compile.h"
#include "forest/evaluate_cpu.h"
#include "forest/postprocess.h"

namespace larch::forest {
namespace {

constexpr size_t kBlockRows = 64;
// Tree evaluations (rows x trees) a batch needs per thread before other threads join in.
constexpr size_t kMinTreeRowsPerTask = 16384;

template <typename T>
using BlockFn = void (*)(const CompiledTrees<T>&, const T*, size_t, size_t, T*, size_t, T*);

// The instantiation for this forest, picked once per batch.
template <typename T>
BlockFn<T> ChooseKernel(const CompiledTrees<T>& c) {
  const bool general = c.has_special || c.has_leaf_vectors;
  if (general) {
    return c.has_categorical ? &EvaluateBlock<T, true, true> : &EvaluateBlock<T, false, true>;
  }
  return c.has_categorical ? &EvaluateBlock<T, true, false> : &EvaluateBlock<T, false, false>;
}

template <typename T>
struct Scratch {
  std::vector<T> rows;
  std::vector<T> acc;
  std::vector<T> expanded;  // the block's rows, NaN expanded for the complete layout
};

template <typename T>
Scratch<T>& ThreadScratch() {
  static thread_local Scratch<T> scratch;
  return scratch;
}

// Finishes one row: acc holds num_slots raw sums; writes OutputsPerRow(kind) values to out.
template <typename T>
void FinishRow(const OutputPlan& p, OutputKind kind, T* acc, T* out) {
  const int32_t m = p.max_num_class;
  const int32_t slots = p.NumSlots();
  const bool average = !p.average_divisor.empty() && !(kind == OutputKind::kMargin && p.margin_before_averaging);
  if (average) {
    for (int32_t s = 0; s < slots; ++s) {
      if (p.average_divisor[s] > 0) acc[s] /= static_cast<T>(p.average_divisor[s]);
    }
  }
  for (int32_t s = 0; s < slots; ++s) acc[s] = static_cast<T>(acc[s] + p.base_scores[s]);
  if (kind == OutputKind::kMargin) {
    std::memcpy(out, acc, sizeof(T) * slots);
    return;
  }
  const bool as_class = kind == OutputKind::kClass || (kind == OutputKind::kValue && p.default_output_is_class);
  if (as_class) {
    for (int32_t t = 0; t < p.num_target; ++t) {
      T* scores = acc + t * m;
      const int32_t nc = p.num_class[t];
      if (nc > 1) {
        out[t] = static_cast<T>(ArgMax(scores, nc));
      } else {
        PostProcess(p, scores, 1);
        out[t] = BinaryClass(p, scores[0]);
      }
    }
    return;
  }
  for (int32_t t = 0; t < p.num_target; ++t) PostProcess(p, acc + t * m, p.num_class[t]);
  std::memcpy(out, acc, sizeof(T) * slots);
}

template <typename T, typename In>
void RunBatch(const CompiledTrees<T>& c, const OutputPlan& p, const In* rows, size_t n_rows,
              OutputKind kind, T* out, size_t out_per_row, common::ThreadPool* pool) {
  const size_t nf = static_cast<size_t>(p.num_feature);
  const size_t slots = static_cast<size_t>(p.NumSlots());
  const size_t threads = pool ? pool->NumThreads() : 1;
  // Other pool threads only for batches big enough to pay for waking them (tens of microseconds
  // on a VM, more than a small batch costs): the server's batches of a few rows stay on the
  // calling thread, which a 2-row batch once paid 10x its compute for.
  const size_t trees = std::max<size_t>(1, c.root.size());
  const bool parallel = threads > 1 && n_rows * trees >= 2 * kMinTreeRowsPerTask;
  // Parallel: enough blocks to keep every thread busy; never larger than kBlockRows.
  const size_t block = parallel ? std::clamp<size_t>((n_rows + threads - 1) / threads, 1, kBlockRows)
                                : std::min(n_rows, kBlockRows);
  const size_t num_blocks = (n_rows + block - 1) / block;
  const BlockFn<T> kernel = ChooseKernel(c);
  auto run_block = [&](size_t b) {
    const size_t r0 = b * block;
    const size_t nr = std::min(block, n_rows - r0);
    Scratch<T>& s = ThreadScratch<T>();
    const T* x;
    if constexpr (std::is_same_v<T, In>) {
      x = rows + r0 * nf;
    } else {
      if (s.rows.size() < nr * nf) s.rows.resize(kBlockRows * nf);
      const In* src = rows + r0 * nf;
      for (size_t i = 0; i < nr * nf; ++i) s.rows[i] = static_cast<T>(src[i]);
      x = s.rows.data();
    }
    if (s.acc.size() < nr * slots) s.acc.resize(kBlockRows * slots);
    std::fill_n(s.acc.data(), nr * slots, T(0));
    if (s.expanded.size() < nr * 2 * nf) s.expanded.resize(kBlockRows * 2 * nf);
    kernel(c, x, nr, nf, s.acc.data(), slots, s.expanded.data());
    for (size_t r = 0; r < nr; ++r) {
      FinishRow(p, kind, s.acc.data() + r * slots, out + (r0 + r) * out_per_row);
    }
  };
  if (parallel && num_blocks > 1) {
    pool->ParallelFor(num_blocks, run_block);
  } else {
    for (size_t b = 0; b < num_blocks; ++b) run_block(b);
  }
}

}  // namespace

StatusOr<OutputKind> ParseOutputKind(std::string_view name) {
  if (name == "value") return OutputKind::kValue;
  if (name == "margin") return OutputKind::kMargin;
  if (name == "class") return OutputKind::kClass;
  return Status::Invalid("output must be 'value', 'margin' or 'class', got '" + std::string(name) + "'");
}

StatusOr<std::shared_ptr<const Predictor>> Predictor::Create(Forest forest) {
  ASSIGN_OR_RETURN(std::unique_ptr<const CompiledForest> compiled, CompiledForest::Compile(forest));
  std::shared_ptr<Predictor> p(new Predictor());
  p->forest_ = std::move(forest);
  p->compiled_ = std::move(compiled);
  return std::shared_ptr<const Predictor>(std::move(p));
}

Predictor::~Predictor() = default;

size_t Predictor::OutputsPerRow(OutputKind kind) const {
  const OutputPlan& p = compiled_->plan;
  if (kind == OutputKind::kClass || (kind == OutputKind::kValue && p.default_output_is_class)) {
    return static_cast<size_t>(p.num_target);
  }
  return static_cast<size_t>(p.NumSlots());
}

bool Predictor::UsesCompleteLayout() const {
  return compiled_->float64 ? compiled_->f64.complete.usable : compiled_->f32.complete.usable;
}

bool Predictor::UsesSimdSingleRow() const {
  return !compiled_->float64 && compiled_->f32.complete.usable && CpuHasAvx512();
}

std::string_view Predictor::TaskName() const {
  switch (forest_.task_type) {
    case TaskType::kBinaryClf: return "binary";
    case TaskType::kRegressor: return "regression";
    case TaskType::kMultiClf: return "multiclass";
    case TaskType::kLearningToRank: return "ranking";
    case TaskType::kIsolationForest: return "isolation_forest";
  }
  return "regression";
}

template <typename In>
Status Predictor::PredictImpl(const In* rows, size_t n_rows, OutputKind kind, void* out,
                              common::ThreadPool* pool) const {
  const OutputPlan& p = compiled_->plan;
  if (kind == OutputKind::kClass && !p.classifier && !p.default_output_is_class) {
    return Status::Invalid("output 'class' needs a classifier; this model's task is " +
                           std::string(TaskName()));
  }
  if (n_rows == 0) return Status::Ok();
  if (rows == nullptr || out == nullptr) return Status::Invalid("null input or output buffer");
  const size_t per_row = OutputsPerRow(kind);
  if (compiled_->float64) {
    RunBatch(compiled_->f64, p, rows, n_rows, kind, static_cast<double*>(out), per_row, pool);
  } else {
    RunBatch(compiled_->f32, p, rows, n_rows, kind, static_cast<float*>(out), per_row, pool);
  }
  return Status::Ok();
}

Status Predictor::Predict(const float* rows, size_t n_rows, OutputKind kind, void* out,
                          common::ThreadPool* pool) const {
  return PredictImpl(rows, n_rows, kind, out, pool);
}

Status Predictor::Predict(const double* rows, size_t n_rows, OutputKind kind, void* out,
                          common::ThreadPool* pool) const {
  return PredictImpl(rows, n_rows, kind, out, pool);
}

}  // namespace larch::forest
