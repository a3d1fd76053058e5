// The process-wide ONNX Runtime: libonnxruntime loaded with dlopen, its C API table and one
// OrtEnv. Loaded once and never unloaded (ORT does not support being unloaded, and sessions may
// outlive any one caller). Everything here is plain C++; only built when LARCH_WITH_ONNX.
#pragma once

#if LARCH_WITH_ONNX

#include <onnxruntime_c_api.h>

#include <string>

#include "common/status.h"

namespace larch::onnx {

struct Runtime {
  const OrtApi* api = nullptr;
  OrtEnv* env = nullptr;
  OrtAllocator* allocator = nullptr;     // ORT's default CPU allocator (names, string outputs)
  OrtMemoryInfo* cpu_memory = nullptr;   // describes caller-owned CPU buffers wrapped as tensors
  std::string library_path;
  std::string version;                   // the runtime's own version string, e.g. "1.30.0"
};

// Loads the runtime from `library_path` the first time; later calls return the same runtime
// and fail if they name a different library (one ORT per process).
StatusOr<const Runtime*> LoadRuntime(const std::string& library_path);

// The loaded runtime, or nullptr before LoadRuntime succeeded.
const Runtime* CurrentRuntime();

// Turns an OrtStatus into a larch Status (releasing it); nullptr means OK.
// `context` prefixes ORT's own message, e.g. "loading model.onnx".
Status FromOrt(OrtStatus* status, const std::string& context);

}  // namespace larch::onnx

#endif  // LARCH_WITH_ONNX
