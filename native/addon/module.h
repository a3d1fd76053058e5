// Self-registration of addon modules: a binding file ends with
//   LARCH_ADDON_MODULE(forest, InitForestBinding);
// where InitForestBinding(Napi::Env, Napi::Object exports) adds that module's functions.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

namespace larch::addon {

using ModuleInit = void (*)(Napi::Env env, Napi::Object exports);

struct ModuleEntry {
  const char* name;
  ModuleInit init;
};

std::vector<ModuleEntry>& ModuleRegistry();

struct ModuleRegistrar {
  ModuleRegistrar(const char* name, ModuleInit init);
};

}  // namespace larch::addon

#define LARCH_ADDON_MODULE(name, init_fn) \
  static ::larch::addon::ModuleRegistrar larch_addon_module_##name(#name, init_fn)
