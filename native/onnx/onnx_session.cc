#include "onnx/onnx_session.h"

#if LARCH_WITH_ONNX

#include <cstring>

#include "onnx/tensor_types.h"

namespace larch::onnx {
namespace {

// Releases an ORT object of any kind when it goes out of scope.
template <typename T>
struct Releaser {
  void (*release)(T*);
  T* ptr = nullptr;
  ~Releaser() {
    if (ptr != nullptr) release(ptr);
  }
};

// Scratch for Run, reused by each thread so a request allocates nothing of its own here.
struct RunScratch {
  std::vector<OrtValue*> input_values;
  std::vector<const char*> input_names;
  std::vector<const char*> output_names;
  std::vector<OrtValue*> output_values;
};
thread_local RunScratch scratch;

}  // namespace

void OrtValueDeleter::operator()(OrtValue* v) const {
  if (v != nullptr) CurrentRuntime()->api->ReleaseValue(v);
}

std::string ShapeString(std::span<const int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Session::Session(const Runtime* runtime, OrtSession* session, std::string label)
    : runtime_(runtime), session_(session), label_(std::move(label)) {}

Session::~Session() {
  if (session_ != nullptr) runtime_->api->ReleaseSession(session_);
}

StatusOr<std::unique_ptr<Session>> Session::Create(const Runtime* runtime, const ModelSource& source,
                                                   const SessionOptions& options) {
  const OrtApi* api = runtime->api;
  const std::string& label = source.label.empty() ? source.path : source.label;
  Releaser<OrtSessionOptions> opts{api->ReleaseSessionOptions};
  RETURN_IF_ERROR(FromOrt(api->CreateSessionOptions(&opts.ptr), "creating session options"));
  if (options.intra_op_threads < 0 || options.inter_op_threads < 0) {
    return Status::Invalid("thread counts must be >= 0 (0 = ONNX Runtime's default)");
  }
  RETURN_IF_ERROR(FromOrt(api->SetIntraOpNumThreads(opts.ptr, options.intra_op_threads), "intra_op_thread_count"));
  RETURN_IF_ERROR(FromOrt(api->SetInterOpNumThreads(opts.ptr, options.inter_op_threads), "inter_op_thread_count"));
  GraphOptimizationLevel level;
  switch (options.graph_optimization_level) {
    case 0: level = ORT_DISABLE_ALL; break;
    case 1: level = ORT_ENABLE_BASIC; break;
    case 2: level = ORT_ENABLE_EXTENDED; break;
    case 99: level = ORT_ENABLE_ALL; break;
    default:
      return Status::Invalid("graph optimization level " + std::to_string(options.graph_optimization_level) +
                             " is not one of 0 (none), 1 (basic), 2 (extended), 99 (all)");
  }
  RETURN_IF_ERROR(FromOrt(api->SetSessionGraphOptimizationLevel(opts.ptr, level), "graph optimization level"));
  RETURN_IF_ERROR(FromOrt(api->SetSessionExecutionMode(opts.ptr, options.parallel_execution ? ORT_PARALLEL : ORT_SEQUENTIAL),
                          "execution mode"));
  RETURN_IF_ERROR(FromOrt(api->AddSessionConfigEntry(opts.ptr, "session.intra_op.allow_spinning",
                                                     options.intra_op_spinning ? "1" : "0"),
                          "intra-op spinning"));
  if (!options.memory_arena) RETURN_IF_ERROR(FromOrt(api->DisableCpuMemArena(opts.ptr), "disabling the memory arena"));

  OrtSession* session = nullptr;
  std::string context = "ONNX Runtime could not load " + label;
  Status loaded = source.bytes.empty()
                      ? FromOrt(api->CreateSession(runtime->env, source.path.c_str(), opts.ptr, &session), context)
                      : FromOrt(api->CreateSessionFromArray(runtime->env, source.bytes.data(), source.bytes.size(),
                                                            opts.ptr, &session),
                                context);
  // ORT reports most broken models (unknown opset, bad graph) as a generic failure: at load
  // time that is the model's fault, not larch's.
  if (loaded.code() == StatusCode::kInternal) loaded = Status::Invalid(loaded.message());
  RETURN_IF_ERROR(loaded);
  std::unique_ptr<Session> result(new Session(runtime, session, label));
  RETURN_IF_ERROR(result->ReadSpecs());
  return result;
}

Status Session::ReadSpecs() {
  const OrtApi* api = runtime_->api;
  for (int pass = 0; pass < 2; ++pass) {
    const bool is_input = pass == 0;
    const char* what = is_input ? "input" : "output";
    size_t count = 0;
    RETURN_IF_ERROR(FromOrt(is_input ? api->SessionGetInputCount(session_, &count)
                                     : api->SessionGetOutputCount(session_, &count),
                            label_));
    std::vector<TensorSpec>& specs = is_input ? inputs_ : outputs_;
    for (size_t i = 0; i < count; ++i) {
      TensorSpec spec;
      char* name = nullptr;
      RETURN_IF_ERROR(FromOrt(is_input ? api->SessionGetInputName(session_, i, runtime_->allocator, &name)
                                       : api->SessionGetOutputName(session_, i, runtime_->allocator, &name),
                              label_));
      spec.name = name;
      if (OrtStatus* freed = api->AllocatorFree(runtime_->allocator, name)) api->ReleaseStatus(freed);
      Releaser<OrtTypeInfo> info{api->ReleaseTypeInfo};
      RETURN_IF_ERROR(FromOrt(is_input ? api->SessionGetInputTypeInfo(session_, i, &info.ptr)
                                       : api->SessionGetOutputTypeInfo(session_, i, &info.ptr),
                              label_));
      ONNXType kind = ONNX_TYPE_UNKNOWN;
      RETURN_IF_ERROR(FromOrt(api->GetOnnxTypeFromTypeInfo(info.ptr, &kind), label_));
      if (kind != ONNX_TYPE_TENSOR) {
        return Status::Unsupported(label_ + ": " + what + " '" + spec.name +
                                   "' is not a tensor (a sequence or map, e.g. skl2onnx's ZipMap); larch serves "
                                   "tensor inputs and outputs only (convert with options={'zipmap': False})");
      }
      const OrtTensorTypeAndShapeInfo* tensor = nullptr;  // owned by `info`
      RETURN_IF_ERROR(FromOrt(api->CastTypeInfoToTensorInfo(info.ptr, &tensor), label_));
      RETURN_IF_ERROR(FromOrt(api->GetTensorElementType(tensor, &spec.type), label_));
      if (KServeNameOf(spec.type) == nullptr) {
        return Status::Unsupported(label_ + ": " + what + " '" + spec.name + "' has element type " +
                                   OnnxNameOf(spec.type) + ", which KServe v2 has no datatype for");
      }
      size_t rank = 0;
      RETURN_IF_ERROR(FromOrt(api->GetDimensionsCount(tensor, &rank), label_));
      spec.dims.resize(rank);
      RETURN_IF_ERROR(FromOrt(api->GetDimensions(tensor, spec.dims.data(), rank), label_));
      for (int64_t& d : spec.dims) {
        if (d < 0) d = -1;
      }
      specs.push_back(std::move(spec));
    }
  }
  for (const TensorSpec& s : inputs_) input_names_.push_back(s.name.c_str());
  for (const TensorSpec& s : outputs_) output_names_.push_back(s.name.c_str());
  return Status::Ok();
}

int Session::InputIndex(std::string_view name) const {
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Session::OutputIndex(std::string_view name) const {
  for (size_t i = 0; i < outputs_.size(); ++i) {
    if (outputs_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status Session::Validate(std::span<const InputTensor> inputs) const {
  if (inputs.size() != inputs_.size()) {
    std::string names;
    for (const TensorSpec& s : inputs_) names += (names.empty() ? "'" : ", '") + s.name + "'";
    return Status::Invalid(label_ + " expects " + std::to_string(inputs_.size()) + " input(s) (" + names + "), got " +
                           std::to_string(inputs.size()));
  }
  uint64_t seen = 0;  // bitset of input indices for models with <= 64 inputs
  for (const InputTensor& in : inputs) {
    if (in.index >= inputs_.size()) return Status::Invalid(label_ + ": input index out of range");
    const TensorSpec& spec = inputs_[in.index];
    const std::string what = label_ + ": input '" + spec.name + "'";
    if (in.index < 64) {
      if (seen & (uint64_t{1} << in.index)) return Status::Invalid(what + " is given more than once");
      seen |= uint64_t{1} << in.index;
    }
    if (in.type != spec.type) {
      return Status::Invalid(what + " has datatype " + KServeNameOf(spec.type) + " (ONNX " + OnnxNameOf(spec.type) +
                             "), got " + (KServeNameOf(in.type) ? KServeNameOf(in.type) : "an unknown datatype"));
    }
    // Rank 0 in the model can also mean "shape unknown": ORT then checks the request itself.
    if (!spec.dims.empty()) {
      bool fits = in.shape.size() == spec.dims.size();
      for (size_t d = 0; fits && d < spec.dims.size(); ++d) fits = spec.dims[d] < 0 || spec.dims[d] == in.shape[d];
      if (!fits) {
        return Status::Invalid(what + " has shape " + ShapeString(in.shape) + ", the model expects " +
                               ShapeString(spec.dims) + " (-1: any size)");
      }
    }
    uint64_t count = 1;
    for (int64_t d : in.shape) {
      if (d < 0) return Status::Invalid(what + " has a negative dimension in " + ShapeString(in.shape));
      if (d != 0 && count > (uint64_t{1} << 48) / static_cast<uint64_t>(d)) return Status::Invalid(what + " is too large");
      count *= static_cast<uint64_t>(d);
    }
    if (in.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
      if (in.strings.size() != count) {
        return Status::Invalid(what + ": shape " + ShapeString(in.shape) + " holds " + std::to_string(count) +
                               " element(s), got " + std::to_string(in.strings.size()));
      }
      continue;
    }
    const size_t expected = count * ElementSize(in.type);
    if (in.byte_length != expected) {
      return Status::Invalid(what + ": shape " + ShapeString(in.shape) + " of " + KServeNameOf(in.type) + " needs " +
                             std::to_string(expected) + " bytes, got " + std::to_string(in.byte_length));
    }
    if (in.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL) {
      const auto* bytes = static_cast<const uint8_t*>(in.data);
      for (size_t i = 0; i < in.byte_length; ++i) {
        if (bytes[i] > 1) return Status::Invalid(what + ": BOOL values must be 0 or 1, element " + std::to_string(i) + " is " + std::to_string(bytes[i]));
      }
    }
  }
  return Status::Ok();
}

Status Session::MakeInputValue(const InputTensor& in, OrtValue** out) const {
  const OrtApi* api = runtime_->api;
  const std::string context = label_ + ": input '" + inputs_[in.index].name + "'";
  if (in.type != ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
    // ORT only reads inputs; the const_cast is the C API's signature, not a write.
    static uint8_t empty_tensor_storage[8];
    void* data = in.byte_length ? const_cast<void*>(in.data) : empty_tensor_storage;
    return FromOrt(api->CreateTensorWithDataAsOrtValue(runtime_->cpu_memory, data, in.byte_length, in.shape.data(),
                                                       in.shape.size(), in.type, out),
                   context);
  }
  // Strings cannot be wrapped: ORT stores std::string elements, so each is copied in (bytes,
  // not C strings, so embedded NULs survive).
  RETURN_IF_ERROR(FromOrt(api->CreateTensorAsOrtValue(runtime_->allocator, in.shape.data(), in.shape.size(), in.type, out),
                          context));
  for (size_t i = 0; i < in.strings.size(); ++i) {
    char* buffer = nullptr;
    RETURN_IF_ERROR(FromOrt(api->GetResizedStringTensorElementBuffer(*out, i, in.strings[i].size(), &buffer), context));
    if (!in.strings[i].empty()) std::memcpy(buffer, in.strings[i].data(), in.strings[i].size());
  }
  return Status::Ok();
}

Status Session::RunPrepared(std::span<const InputTensor> inputs) const {
  RETURN_IF_ERROR(Validate(inputs));
  const OrtApi* api = runtime_->api;
  RunScratch& s = scratch;
  s.input_values.assign(inputs.size(), nullptr);
  s.input_names.assign(inputs.size(), nullptr);
  // Input values are released however Run ends.
  struct ReleaseInputs {
    const OrtApi* api;
    std::vector<OrtValue*>& values;
    ~ReleaseInputs() {
      for (OrtValue*& v : values) {
        if (v != nullptr) api->ReleaseValue(v);
        v = nullptr;
      }
    }
  } release_inputs{api, s.input_values};
  for (size_t i = 0; i < inputs.size(); ++i) {
    s.input_names[i] = input_names_[inputs[i].index];
    RETURN_IF_ERROR(MakeInputValue(inputs[i], &s.input_values[i]));
  }
  return FromOrt(api->Run(session_, nullptr, s.input_names.data(), s.input_values.data(), inputs.size(),
                          s.output_names.data(), s.output_names.size(), s.output_values.data()),
                 "ONNX Runtime failed to run " + label_);
}

Status Session::Run(std::span<const InputTensor> inputs, std::span<const size_t> wanted,
                    std::vector<OwnedValue>* results) const {
  RunScratch& s = scratch;
  s.output_names.clear();
  if (wanted.empty()) {
    s.output_names.assign(output_names_.begin(), output_names_.end());
  } else {
    for (size_t w : wanted) {
      if (w >= output_names_.size()) return Status::Invalid(label_ + ": output index out of range");
      s.output_names.push_back(output_names_[w]);
    }
  }
  s.output_values.assign(s.output_names.size(), nullptr);
  Status st = RunPrepared(inputs);
  results->clear();
  for (OrtValue*& v : s.output_values) {
    if (v != nullptr) results->emplace_back(v);  // owned from here, released even on failure
    v = nullptr;
  }
  return st;
}

Status Session::RunInto(std::span<const InputTensor> inputs, std::span<const OutputBinding> outputs) const {
  const OrtApi* api = runtime_->api;
  RunScratch& s = scratch;
  s.output_names.clear();
  s.output_values.assign(outputs.size(), nullptr);
  struct ReleaseOutputs {
    const OrtApi* api;
    std::vector<OrtValue*>& values;
    ~ReleaseOutputs() {  // the values only wrap caller memory
      for (OrtValue*& v : values) {
        if (v != nullptr) api->ReleaseValue(v);
        v = nullptr;
      }
    }
  } release_outputs{api, s.output_values};
  for (size_t i = 0; i < outputs.size(); ++i) {
    const OutputBinding& o = outputs[i];
    if (o.index >= outputs_.size()) return Status::Invalid(label_ + ": output index out of range");
    const TensorSpec& spec = outputs_[o.index];
    if (spec.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
      return Status::Unsupported(label_ + ": output '" + spec.name + "' is a string tensor; it cannot be written into caller memory");
    }
    s.output_names.push_back(output_names_[o.index]);
    static uint8_t empty_tensor_storage[8];
    RETURN_IF_ERROR(FromOrt(api->CreateTensorWithDataAsOrtValue(runtime_->cpu_memory, o.byte_length ? o.data : empty_tensor_storage,
                                                               o.byte_length, o.shape.data(), o.shape.size(), spec.type,
                                                               &s.output_values[i]),
                            label_ + ": output '" + spec.name + "'"));
  }
  return RunPrepared(inputs);
}

StatusOr<OutputView> ViewOutput(const Runtime* runtime, const OrtValue* value) {
  const OrtApi* api = runtime->api;
  OutputView view;
  Releaser<OrtTensorTypeAndShapeInfo> info{api->ReleaseTensorTypeAndShapeInfo};
  RETURN_IF_ERROR(FromOrt(api->GetTensorTypeAndShape(value, &info.ptr), "reading an output"));
  RETURN_IF_ERROR(FromOrt(api->GetTensorElementType(info.ptr, &view.type), "reading an output"));
  size_t rank = 0;
  RETURN_IF_ERROR(FromOrt(api->GetDimensionsCount(info.ptr, &rank), "reading an output"));
  view.shape.resize(rank);
  RETURN_IF_ERROR(FromOrt(api->GetDimensions(info.ptr, view.shape.data(), rank), "reading an output"));
  RETURN_IF_ERROR(FromOrt(api->GetTensorShapeElementCount(info.ptr, &view.element_count), "reading an output"));
  if (view.type != ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
    view.byte_length = view.element_count * ElementSize(view.type);
    if (view.element_count > 0) {
      RETURN_IF_ERROR(FromOrt(api->GetTensorMutableData(const_cast<OrtValue*>(value), &view.data), "reading an output"));
    }
  }
  return view;
}

Status ReadStringOutput(const Runtime* runtime, const OrtValue* value, size_t count, std::string* bytes,
                        std::vector<size_t>* offsets) {
  const OrtApi* api = runtime->api;
  size_t total = 0;
  RETURN_IF_ERROR(FromOrt(api->GetStringTensorDataLength(value, &total), "reading a string output"));
  bytes->resize(total);
  offsets->resize(count + 1);
  if (count > 0) {
    RETURN_IF_ERROR(FromOrt(api->GetStringTensorContent(value, bytes->data(), total, offsets->data(), count),
                            "reading a string output"));
  }
  (*offsets)[count] = total;
  return Status::Ok();
}

}  // namespace larch::onnx

#endif  // LARCH_WITH_ONNX
