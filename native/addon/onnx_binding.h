// What other bindings (batch) need from the ONNX binding: the session behind a JS handle
// (what `addon.onnxCreateSession` resolves to, wrapped by lib/onnx/session.ts).
#pragma once

#if LARCH_WITH_ONNX

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "onnx/onnx_session.h"

namespace larch::addon {

// A JS Error carrying `code` = status.CodeName().
Napi::Error OnnxErrorOf(Napi::Env env, const Status& status);
// Throws a JS TypeError with code INVALID_ARGUMENT.
[[noreturn]] void ThrowOnnxInvalid(Napi::Env env, const std::string& message);

// The session behind a handle; throws a JS TypeError (code INVALID_ARGUMENT) if `handle` is not
// an ONNX session handle or was released. The pointer keeps the session alive on any thread.
std::shared_ptr<const onnx::Session> UnwrapOnnxSession(Napi::Env env, Napi::Value handle);

// Reads a JS tensor list ({name, datatype, shape, data}[]) into InputTensors that point into the
// JS memory (valid while those objects are referenced). `shapes` and `strings` own the shape and
// BYTES views, sized and filled here. Throws a JS error (code INVALID_ARGUMENT) on a bad tensor.
void ReadOnnxInputs(Napi::Env env, const onnx::Session& session, Napi::Array tensors,
                    std::vector<onnx::InputTensor>* inputs, std::vector<std::vector<int64_t>>* shapes,
                    std::vector<std::vector<std::string_view>>* strings);

// Turns one ORT output into a JS tensor object, taking ownership of `value` (numeric outputs
// are exposed without a copy: the ArrayBuffer's finalizer releases the OrtValue).
Napi::Object OnnxOutputToJs(Napi::Env env, const std::string& name, onnx::OwnedValue value);

}  // namespace larch::addon

#endif  // LARCH_WITH_ONNX
