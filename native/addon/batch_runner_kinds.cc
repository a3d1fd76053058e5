#include "addon/batch_runner_kinds.h"

#include <map>

namespace larch::addon {

namespace {
std::map<std::string, RunnerKindMaker>& Kinds() {
  static std::map<std::string, RunnerKindMaker> kinds;  // function-local: static-init order safe
  return kinds;
}
}  // namespace

RunnerKindRegistrar::RunnerKindRegistrar(const char* kind, RunnerKindMaker maker) { Kinds()[kind] = maker; }

RunnerKindMaker FindRunnerKind(const std::string& kind) {
  auto it = Kinds().find(kind);
  return it == Kinds().end() ? nullptr : it->second;
}

std::vector<std::string> RunnerKinds() {
  std::vector<std::string> out;
  for (auto& [k, _] : Kinds()) out.push_back(k);
  return out;
}

}  // namespace larch::addon
