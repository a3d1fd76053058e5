// The addon's entry point: a flat list of the modules it exports. Each Init* lives beside the
// code it binds (native/addon/*_binding.cc) and adds its functions to `exports`.
// N-API modules are context-aware, so worker threads may load this addon too; state shared
// between them (model registry, batchers) is process-wide on the native side.
#include <napi.h>

namespace larch::addon {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace larch::addon

static Napi::Object InitLarchAddon(Napi::Env env, Napi::Object exports) {
  return larch::addon::Init(env, exports);
}

NODE_API_MODULE(larch, InitLarchAddon)
