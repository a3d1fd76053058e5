// What other bindings (batch, train) need from the forest binding: turning a JS model handle
// (what `addon.forestLoad` returns and lib/forest wraps as `Model`) into the shared predictor,
// and making a handle for a predictor built in C++ (the trainer).
#pragma once

#include <napi.h>

#include <memory>

#include "forest/predictor.h"

namespace larch::addon {

// The predictor behind a handle. Throws a JS TypeError (code INVALID_ARGUMENT) if `handle` is
// not a forest model handle. The returned pointer keeps the model alive on any thread.
std::shared_ptr<const forest::Predictor> UnwrapForestModel(Napi::Env env, Napi::Value handle);

// A new JS handle owning a reference to `predictor` (released when the handle is collected).
Napi::Object WrapForestModel(Napi::Env env, std::shared_ptr<const forest::Predictor> predictor);

}  // namespace larch::addon
