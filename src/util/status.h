// Status and Result<T>: how every layer reports input, file and resource errors without exceptions
// crossing layer boundaries. The server maps Code to an HTTP status at the edge (see server/errors.h).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ingot {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // bad user input (request field, CLI flag, template)
  kNotFound,          // missing file, unknown model
  kUnsupported,       // valid input we do not handle yet (architecture, tensor type)
  kCorrupt,           // malformed file contents (GGUF validation)
  kResourceExhausted, // out of KV blocks, queue full, prompt longer than the context
  kCancelled,         // client went away, timeout
  kUnavailable,       // still loading, upstream down
  kIo,                // read/write failure
  kInternal,          // our own bug
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corrupt: model.gguf: tensor 'x': offset past end of file"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Unsupported(std::string m) { return {Code::kUnsupported, std::move(m)}; }
inline Status Corrupt(std::string m) { return {Code::kCorrupt, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
inline Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status IoError(std::string m) { return {Code::kIo, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

// Either a value or a non-ok Status. Accessing value() of an error is a programmer error (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result constructed from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ingot

// Early-return helpers. INGOT_ASSIGN_OR_RETURN(auto x, Expr()) declares x from a Result.
#define INGOT_RETURN_IF_ERROR(expr)               \
  do {                                            \
    ::ingot::Status _st = (expr);                 \
    if (!_st.ok()) return _st;                    \
  } while (0)

#define INGOT_CONCAT_INNER(a, b) a##b
#define INGOT_CONCAT(a, b) INGOT_CONCAT_INNER(a, b)
#define INGOT_ASSIGN_OR_RETURN(lhs, expr) INGOT_ASSIGN_OR_RETURN_IMPL(INGOT_CONCAT(_res_, __LINE__), lhs, expr)
#define INGOT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
