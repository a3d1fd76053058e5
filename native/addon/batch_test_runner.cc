// A runner kind for the batcher's own tests ("test_echo"): every output is a copy of the input
// at the same index (same dtype and dims required), so a test can check that each request gets
// exactly its own rows back. Two hooks make batch formation deterministic without timing:
//   addon.batchTestGate(true) holds every test_echo Run at its start until batchTestGate(false);
//   addon.batchTestRunsEntered() counts the Runs that have started.
// runner.failValue (FP32 input 0): a batch containing that value fails with INVALID_ARGUMENT.
// runner.passValue (FP32 input 0): a batch whose first value it is passes the gate even when
// closed (a test can hold one run at the gate and watch another run beside it).
#include <napi.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "addon/batch_runner_kinds.h"
#include "addon/module.h"

namespace larch::addon {

namespace {

struct TestGate {
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;
  std::atomic<uint64_t> entered{0};
};
TestGate& Gate() {
  static TestGate* g = new TestGate();  // never destroyed: runner threads may outlive statics
  return *g;
}

class EchoRunner final : public batch::BatchRunner {
 public:
  EchoRunner(std::vector<batch::TensorSpec> outputs, bool has_fail, float fail_value, bool has_pass, float pass_value)
      : outputs_(std::move(outputs)), has_fail_(has_fail), fail_value_(fail_value), has_pass_(has_pass), pass_value_(pass_value) {}

  Status Run(const batch::BatchInput& in, batch::BatchOutput& out) override {
    TestGate& g = Gate();
    g.entered.fetch_add(1);
    const bool passes = has_pass_ && in.tensors[0].dtype == batch::DType::kFp32 && in.tensors[0].shape.NumElements() > 0 &&
                        reinterpret_cast<const float*>(in.tensors[0].data)[0] == pass_value_;
    if (!passes) {
      std::unique_lock<std::mutex> lock(g.mu);
      g.cv.wait(lock, [&] { return !g.closed; });
    }
    if (has_fail_ && in.tensors[0].dtype == batch::DType::kFp32) {
      const float* x = reinterpret_cast<const float*>(in.tensors[0].data);
      for (int64_t i = 0, n = in.tensors[0].shape.NumElements(); i < n; ++i)
        if (x[i] == fail_value_) return Status::Invalid("test_echo: the batch contains the fail value");
    }
    for (size_t k = 0; k < outputs_.size(); ++k) {
      const batch::TensorView& t = in.tensors[k];
      ASSIGN_OR_RETURN(std::byte* dst, out.Allocate(k, t.shape));
      const size_t bytes = static_cast<size_t>(t.shape.NumElements()) * batch::DTypeSize(t.dtype);
      if (bytes) std::memcpy(dst, t.data, bytes);
    }
    return Status::Ok();
  }

 private:
  std::vector<batch::TensorSpec> outputs_;
  bool has_fail_;
  float fail_value_;
  bool has_pass_;
  float pass_value_;
};

StatusOr<batch::RunnerFactory> MakeEchoFactory(Napi::Env, Napi::Object runner, const BatchModelDescription& d) {
  if (d.outputs.size() > d.inputs.size())
    return Status::Invalid("test_echo: model \"" + d.name + "\" has more outputs than inputs");
  for (size_t k = 0; k < d.outputs.size(); ++k)
    if (d.outputs[k].dtype != d.inputs[k].dtype || d.outputs[k].dims != d.inputs[k].dims)
      return Status::Invalid("test_echo: output " + std::to_string(k) + " must have its input's dtype and dims");
  Napi::Value fv = runner.Get("failValue");
  const bool has_fail = fv.IsNumber();
  const float fail = has_fail ? fv.As<Napi::Number>().FloatValue() : 0.0f;
  Napi::Value pv = runner.Get("passValue");
  const bool has_pass = pv.IsNumber();
  const float pass = has_pass ? pv.As<Napi::Number>().FloatValue() : 0.0f;
  auto outputs = d.outputs;
  return batch::RunnerFactory([outputs, has_fail, fail, has_pass, pass](int) -> StatusOr<std::unique_ptr<batch::BatchRunner>> {
    return std::unique_ptr<batch::BatchRunner>(new EchoRunner(outputs, has_fail, fail, has_pass, pass));
  });
}

Napi::Value SetGate(const Napi::CallbackInfo& info) {
  TestGate& g = Gate();
  {
    std::lock_guard<std::mutex> lock(g.mu);
    g.closed = info[0].ToBoolean();
  }
  g.cv.notify_all();
  return info.Env().Undefined();
}

Napi::Value RunsEntered(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Gate().entered.load()));
}

void InitBatchTestBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("batchTestGate", Napi::Function::New(env, SetGate, "batchTestGate"));
  exports.Set("batchTestRunsEntered", Napi::Function::New(env, RunsEntered, "batchTestRunsEntered"));
}

}  // namespace

}  // namespace larch::addon

LARCH_BATCH_RUNNER_KIND(test_echo, larch::addon::MakeEchoFactory);
LARCH_ADDON_MODULE(batch_test, larch::addon::InitBatchTestBinding);
