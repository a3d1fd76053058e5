// Boosting objectives (their gradients, hessians and starting scores) and evaluation metrics.
// Margins are row-major [row][output] doubles; gradients are output-major ([output][row]) so
// that each output's tree reads one contiguous gradient array.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"
#include "train/histogram.h"

namespace larch::train {

enum class ObjectiveKind { kBinaryLogistic, kMultiSoftprob, kMultiSoftmax, kSquaredError };
enum class Metric { kLogLoss, kAuc, kError, kMLogLoss, kMError, kRmse };

StatusOr<ObjectiveKind> ParseObjective(const std::string& name);
StatusOr<Metric> ParseMetric(const std::string& name);
const char* MetricName(Metric m);
bool HigherIsBetter(Metric m);
// The metric early stopping uses when none is named.
Metric DefaultMetric(ObjectiveKind k);
// Whether `m` is meaningful for objective `k` (auc on a regression is not).
bool MetricFits(Metric m, ObjectiveKind k);

// Labels must be 0/1 for logistic, 0..num_class-1 integers for softmax, finite for regression.
Status ValidateLabels(ObjectiveKind k, int32_t num_class, const float* y, int64_t n,
                      const char* which);

// Starting margin per output: logit of the positive rate, log class frequencies (centred),
// or the label mean.
std::vector<double> BaseScores(ObjectiveKind k, int32_t num_class, const float* y, int64_t n);

void ComputeGradients(ObjectiveKind k, int32_t num_output, const double* margin, const float* y,
                      int64_t n, GradPair* gp, common::ThreadPool& pool);

double EvaluateMetric(Metric m, int32_t num_output, const double* margin, const float* y,
                      int64_t n, common::ThreadPool& pool);

}  // namespace larch::train
