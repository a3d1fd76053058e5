// Runner kinds for batched models. A backend's binding file registers how to turn the JS
// `runner` options of addon.batchCreate({..., runner: {kind: 'forest', ...}}) into a
// RunnerFactory, e.g.
//   LARCH_BATCH_RUNNER_KIND(onnx, MakeOnnxRunnerFactory);
// with StatusOr<batch::RunnerFactory> MakeOnnxRunnerFactory(Napi::Env, Napi::Object runner,
//                                                           const BatchModelDescription&).
// The maker runs on the JS thread (it may read JS values: model handles, options); the
// factory it returns is called once per instance, also on the JS thread, before any thread
// starts. Runners themselves never touch Napi.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "batch/policy.h"
#include "batch/tensor.h"

namespace larch::addon {

struct BatchModelDescription {
  std::string name;
  std::vector<batch::TensorSpec> inputs;
  std::vector<batch::TensorSpec> outputs;
  batch::BatchConfig config;
};

using RunnerKindMaker = StatusOr<batch::RunnerFactory> (*)(Napi::Env env, Napi::Object runner,
                                                           const BatchModelDescription& model);

struct RunnerKindRegistrar {
  RunnerKindRegistrar(const char* kind, RunnerKindMaker maker);
};

// nullptr if no binding registered that kind.
RunnerKindMaker FindRunnerKind(const std::string& kind);
std::vector<std::string> RunnerKinds();

}  // namespace larch::addon

#define LARCH_BATCH_RUNNER_KIND(kind, maker) \
  static ::larch::addon::RunnerKindRegistrar larch_batch_runner_kind_##kind(#kind, maker)
