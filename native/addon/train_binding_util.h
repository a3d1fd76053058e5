// Small helpers shared by the trainer's binding files: typed option reads that throw
// INVALID_ARGUMENT naming the option, Status -> JS error, and vectors handed to JS without a copy.
#pragma once

#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/status.h"

namespace larch::addon {

[[noreturn]] inline void ThrowInvalid(Napi::Env env, const std::string& message) {
  Napi::Error e = Napi::TypeError::New(env, message);
  e.Set("code", Napi::String::New(env, "INVALID_ARGUMENT"));
  throw e;
}

inline Napi::Error StatusToError(Napi::Env env, const Status& s) {
  Napi::Error e = s.code() == StatusCode::kInvalidArgument ? Napi::TypeError::New(env, s.message())
                                                           : Napi::Error::New(env, s.message());
  e.Set("code", Napi::String::New(env, s.CodeName()));
  return e;
}

inline double GetDouble(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) ThrowInvalid(o.Env(), std::string("option ") + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline int64_t GetInt64(const Napi::Object& o, const char* key, int64_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (v.IsBigInt()) {
    bool lossless = true;
    const uint64_t u = v.As<Napi::BigInt>().Uint64Value(&lossless);
    return static_cast<int64_t>(u);
  }
  if (!v.IsNumber()) ThrowInvalid(o.Env(), std::string("option ") + key + " must be an integer");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(std::floor(d) == d) || std::fabs(d) > 9007199254740991.0)
    ThrowInvalid(o.Env(), std::string("option ") + key + " must be an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

inline int32_t GetInt32(const Napi::Object& o, const char* key, int32_t fallback) {
  const int64_t v = GetInt64(o, key, fallback);
  if (v < INT32_MIN || v > INT32_MAX) ThrowInvalid(o.Env(), std::string("option ") + key + " is out of range");
  return static_cast<int32_t>(v);
}

inline bool GetBool(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsBoolean()) ThrowInvalid(o.Env(), std::string("option ") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline std::string GetString(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsString()) ThrowInvalid(o.Env(), std::string("option ") + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// Hands the vector's buffer to a Float32Array (freed when the array is collected).
inline Napi::Float32Array MoveToFloat32Array(Napi::Env env, std::vector<float>&& v) {
  if (v.empty()) return Napi::Float32Array::New(env, 0);
  auto* holder = new std::vector<float>(std::move(v));
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
      env, holder->data(), holder->size() * sizeof(float),
      [](Napi::Env, void*, std::vector<float>* h) { delete h; }, holder);
  return Napi::Float32Array::New(env, holder->size(), ab, 0);
}

}  // namespace larch::addon
