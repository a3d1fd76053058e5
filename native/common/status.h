// Status: the result of a fallible native operation, a code plus a message.
// No exception crosses a thread boundary in larch; code that may fail returns a Status and
// N-API entry points turn a non-OK status into a JS error exactly once.
#pragma once

#include <string>
#include <utility>

namespace larch {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,   // the caller's input is wrong (bad file, wrong shape, bad option)
  kNotFound = 2,
  kUnsupported = 3,       // well-formed but uses a construct larch does not implement
  kInternal = 4,
  kUnavailable = 5,
  kCancelled = 6,
  kResourceExhausted = 7,  // a bounded queue is full (dynamic batching max_queue_size)
  kDeadlineExceeded = 8,   // a request's queue timeout expired before it ran
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const char* CodeName() const {
    switch (code_) {
      case StatusCode::kOk: return "OK";
      case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
      case StatusCode::kNotFound: return "NOT_FOUND";
      case StatusCode::kUnsupported: return "UNSUPPORTED";
      case StatusCode::kInternal: return "INTERNAL";
      case StatusCode::kUnavailable: return "UNAVAILABLE";
      case StatusCode::kCancelled: return "CANCELLED";
      case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
      case StatusCode::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    }
    return "UNKNOWN";
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)), has_value_(true) {}  // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {}            // NOLINT: implicit by design
  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }
  T& value() & { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }

 private:
  Status status_;
  T value_{};
  bool has_value_ = false;
};

}  // namespace larch

#define LARCH_CONCAT_INNER(a, b) a##b
#define LARCH_CONCAT(a, b) LARCH_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::larch::Status larch_status_ = (expr);          \
    if (!larch_status_.ok()) return larch_status_;   \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(LARCH_CONCAT(larch_or_, __LINE__), lhs, expr)
