// N-API surface of the flow datastore's native helpers (native/flow, native/common/sha256):
//   blobName(chunks) -> hex                     the blob name (see native/flow/blob_hash.h)
//   writeBlobFile(path, chunks) -> Promise<hex> create `path`, write the bytes, name them
//   sha256(chunks) -> hex                       plain SHA-256 (tests compare it to node:crypto)
//   sha256Implementation() -> "sha-ni" | "portable"
//   sha256ForcePortable(bool) -> previous       tests run both compression paths
// `chunks` is an array of ArrayBufferViews, read in place (never copied); writeBlobFile keeps a
// reference to the array until the write is done, so the bytes stay alive on the worker threads.
#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

#include "addon/module.h"
#include "addon/train_binding_util.h"
#include "common/sha256.h"
#include "common/thread_pool.h"
#include "flow/blob_hash.h"

namespace larch::addon {
namespace {

std::vector<flow::ByteSpan> SpansFromJs(Napi::Env env, const Napi::Value& value) {
  if (!value.IsArray()) ThrowInvalid(env, "chunks must be an array of Uint8Array (or other ArrayBufferView)");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<flow::ByteSpan> spans;
  spans.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    if (v.IsTypedArray()) {
      Napi::TypedArray t = v.As<Napi::TypedArray>();
      const uint8_t* base = static_cast<const uint8_t*>(t.ArrayBuffer().Data());
      spans.push_back({base + t.ByteOffset(), t.ByteLength()});
    } else if (v.IsDataView()) {
      Napi::DataView d = v.As<Napi::DataView>();
      const uint8_t* base = static_cast<const uint8_t*>(d.ArrayBuffer().Data());
      spans.push_back({base + d.ByteOffset(), d.ByteLength()});
    } else {
      ThrowInvalid(env, "chunks[" + std::to_string(i) + "] is not a Uint8Array (or other ArrayBufferView)");
    }
    if (spans.back().data == nullptr && spans.back().size > 0) {
      ThrowInvalid(env, "chunks[" + std::to_string(i) + "] has a detached buffer");
    }
  }
  return spans;
}

Napi::Value BlobNameJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<flow::ByteSpan> spans = SpansFromJs(env, info[0]);
  return Napi::String::New(env, flow::ToHex(flow::BlobName(spans, common::ThreadPool::Default())));
}

Napi::Value Sha256Js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<flow::ByteSpan> spans = SpansFromJs(env, info[0]);
  common::Sha256 h;
  for (const flow::ByteSpan& s : spans) h.Update(s.data, s.size);
  return Napi::String::New(env, flow::ToHex(h.Final()));
}

Napi::Value Sha256ImplementationJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), common::Sha256Implementation());
}

Napi::Value Sha256ForcePortableJs(const Napi::CallbackInfo& info) {
  if (!info[0].IsBoolean()) ThrowInvalid(info.Env(), "sha256ForcePortable expects a boolean");
  return Napi::Boolean::New(info.Env(), common::Sha256ForcePortable(info[0].As<Napi::Boolean>().Value()));
}

class WriteBlobWorker : public Napi::AsyncWorker {
 public:
  WriteBlobWorker(Napi::Env env, std::string path, Napi::Array chunks, std::vector<flow::ByteSpan> spans)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)),
        chunks_(Napi::Persistent(chunks.As<Napi::Object>())), path_(std::move(path)), spans_(std::move(spans)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    auto r = flow::WriteBlobFile(path_, spans_, common::ThreadPool::Default(), &error_number_);
    if (r.ok()) {
      hex_ = flow::ToHex(r.value());
    } else {
      status_ = r.status();
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    chunks_.Reset();
    if (status_.ok()) {
      deferred_.Resolve(Napi::String::New(env, hex_));
      return;
    }
    Napi::Error e = StatusToError(env, status_);
    if (error_number_ != 0) {
      const char* name = strerrorname_np(error_number_);
      e.Set("errno", Napi::Number::New(env, error_number_));
      e.Set("syscallCode", Napi::String::New(env, name ? name : "EUNKNOWN"));
    }
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference chunks_;  // keeps the caller's buffers alive while threads read them
  std::string path_;
  std::vector<flow::ByteSpan> spans_;
  Status status_;
  std::string hex_;
  int error_number_ = 0;
};

Napi::Value WriteBlobFileJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowInvalid(env, "writeBlobFile expects a file path string");
  std::vector<flow::ByteSpan> spans = SpansFromJs(env, info[1]);
  auto* worker = new WriteBlobWorker(env, info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Array>(),
                                     std::move(spans));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

void InitFlowBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("blobName", Napi::Function::New(env, BlobNameJs, "blobName"));
  exports.Set("writeBlobFile", Napi::Function::New(env, WriteBlobFileJs, "writeBlobFile"));
  exports.Set("sha256", Napi::Function::New(env, Sha256Js, "sha256"));
  exports.Set("sha256Implementation", Napi::Function::New(env, Sha256ImplementationJs, "sha256Implementation"));
  exports.Set("sha256ForcePortable", Napi::Function::New(env, Sha256ForcePortableJs, "sha256ForcePortable"));
}

}  // namespace
}  // namespace larch::addon

LARCH_ADDON_MODULE(flow, larch::addon::InitFlowBinding);
