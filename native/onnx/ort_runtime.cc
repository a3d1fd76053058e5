#include "onnx/ort_runtime.h"

#if LARCH_WITH_ONNX

#include <dlfcn.h>

#include <mutex>

namespace larch::onnx {
namespace {

std::mutex runtime_mutex;
Runtime* runtime = nullptr;  // written once under runtime_mutex, then read-only

StatusCode CodeOfOrt(OrtErrorCode code) {
  switch (code) {
    case ORT_INVALID_ARGUMENT:
    case ORT_INVALID_GRAPH:
    case ORT_INVALID_PROTOBUF:
      return StatusCode::kInvalidArgument;
    case ORT_NO_SUCHFILE:
      return StatusCode::kNotFound;
    case ORT_NOT_IMPLEMENTED:
    case ORT_NO_MODEL:
      return StatusCode::kUnsupported;
    default:
      return StatusCode::kInternal;
  }
}

// ORT prefixes some messages with where they were raised: "/src/x.h:46 void ns::F(args...) text".
// Users need the text; drop the location and the C++ signature.
std::string WithoutSourceLocation(std::string message) {
  size_t space = message.find(' ');
  size_t colon = message.rfind(':', space);
  if (space == std::string::npos || colon == std::string::npos || message.find('/') != 0) return message;
  size_t open = message.find('(', space);
  if (open == std::string::npos) return message;
  int depth = 0;
  for (size_t i = open; i < message.size(); ++i) {
    if (message[i] == '(') ++depth;
    if (message[i] == ')' && --depth == 0) {
      size_t start = message.find_first_not_of(' ', i + 1);
      return start == std::string::npos ? message : message.substr(start);
    }
  }
  return message;
}

}  // namespace

Status FromOrt(OrtStatus* status, const std::string& context) {
  if (status == nullptr) return Status::Ok();
  const OrtApi* api = runtime->api;
  std::string message = context + ": " + WithoutSourceLocation(api->GetErrorMessage(status));
  StatusCode code = CodeOfOrt(api->GetErrorCode(status));
  api->ReleaseStatus(status);
  return Status(code, std::move(message));
}

const Runtime* CurrentRuntime() {
  std::lock_guard<std::mutex> lock(runtime_mutex);
  return runtime;
}

StatusOr<const Runtime*> LoadRuntime(const std::string& library_path) {
  std::lock_guard<std::mutex> lock(runtime_mutex);
  if (runtime != nullptr) {
    if (runtime->library_path != library_path) {
      return Status::Invalid("ONNX Runtime is already loaded from " + runtime->library_path +
                             "; one process can use only one (asked for " + library_path + ")");
    }
    return static_cast<const Runtime*>(runtime);
  }
  // RTLD_GLOBAL is not needed: every call goes through the API table.
  void* handle = dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::Unavailable("cannot load ONNX Runtime from " + library_path + ": " + (why ? why : "dlopen failed"));
  }
  using GetApiBaseFn = const OrtApiBase* (*)();
  auto get_api_base = reinterpret_cast<GetApiBaseFn>(dlsym(handle, "OrtGetApiBase"));
  if (get_api_base == nullptr) {
    return Status::Unavailable(library_path + " is not ONNX Runtime: it has no OrtGetApiBase symbol");
  }
  const OrtApiBase* base = get_api_base();
  const char* version = base->GetVersionString();
  const OrtApi* api = base->GetApi(ORT_API_VERSION);
  if (api == nullptr) {
    return Status::Unavailable("ONNX Runtime " + std::string(version ? version : "?") + " at " + library_path +
                               " does not provide C API version " + std::to_string(ORT_API_VERSION) +
                               " (larch was built against it; use ONNX Runtime >= 1." +
                               std::to_string(ORT_API_VERSION) + ")");
  }
  auto* rt = new Runtime();
  rt->api = api;
  rt->library_path = library_path;
  rt->version = version ? version : "";
  runtime = rt;  // FromOrt below needs it
  Status st = FromOrt(api->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "larch", &rt->env), "creating the ONNX Runtime environment");
  if (st.ok()) st = FromOrt(api->GetAllocatorWithDefaultOptions(&rt->allocator), "getting ORT's CPU allocator");
  if (st.ok()) st = FromOrt(api->CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &rt->cpu_memory), "creating CPU memory info");
  if (!st.ok()) {
    runtime = nullptr;
    delete rt;  // the library stays loaded: unloading a half-initialised ORT is not safe
    return st;
  }
  return static_cast<const Runtime*>(rt);
}

}  // namespace larch::onnx

#endif  // LARCH_WITH_ONNX
