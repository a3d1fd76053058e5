// The addon's entry point. Each native module registers its own initialiser from its binding file
// (native/addon/*_binding.cc) with LARCH_ADDON_MODULE(name, InitFn); Init runs them in name order.
// This keeps module.cc unchanged when a module is added.
// N-API modules are context-aware, so worker threads may load this addon too; state shared
// between them (model registry, batchers) is process-wide on the native side.
#include "addon/module.h"

#include <algorithm>

namespace larch::addon {

std::vector<ModuleEntry>& ModuleRegistry() {
  static std::vector<ModuleEntry> modules;  // function-local: safe across static-init order
  return modules;
}

ModuleRegistrar::ModuleRegistrar(const char* name, ModuleInit init) {
  ModuleRegistry().push_back({name, init});
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  auto modules = ModuleRegistry();
  std::sort(modules.begin(), modules.end(),
            [](const ModuleEntry& a, const ModuleEntry& b) { return std::string(a.name) < b.name; });
  Napi::Array names = Napi::Array::New(env, modules.size());
  for (size_t i = 0; i < modules.size(); ++i) {
    modules[i].init(env, exports);
    names.Set(static_cast<uint32_t>(i), Napi::String::New(env, modules[i].name));
  }
  exports.Set("modules", names);
  return exports;
}

}  // namespace larch::addon

static Napi::Object InitLarchAddon(Napi::Env env, Napi::Object exports) {
  return larch::addon::Init(env, exports);
}

NODE_API_MODULE(larch, InitLarchAddon)
