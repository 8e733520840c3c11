// Tree-walking evaluator for parsed templates: scopes, statements, operators, attribute access, calls.
// One Interp renders one template once; it is not shared between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja/ast.h"
#include "chat/jinja/limits.h"
#include "chat/jinja/value.h"

namespace ingot::chat::jinja {

// Variables visible at one point of the template. Loops and macro calls push a child scope.
struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* Find(const std::string& name) const;
  void Set(const std::string& name, Value value);
};
using ScopePtr = std::shared_ptr<Scope>;

class Interp {
 public:
  explicit Interp(const RenderLimits& limits) : limits_(limits) {}

  // Renders `body` in a fresh child scope of `globals`.
  std::string Render(const Body& body, const ScopePtr& globals);

  Value Eval(const Expr& e, const ScopePtr& scope);
  Value Call(const Value& callee, CallArgs& args);
  Value GetAttr(const Value& obj, const std::string& name);
  Value GetItem(const Value& obj, const Value& key);

  // Budget checks used by filters, methods and builtins.
  void CountIterations(int64_t n);
  void CheckSize(size_t bytes) const;
  const RenderLimits& limits() const { return limits_; }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow Exec(const Body& body, const ScopePtr& scope);
  Flow ExecStmt(const Stmt& s, const ScopePtr& scope);
  Flow ExecFor(const Stmt& s, const ScopePtr& scope);
  void ExecSet(const Stmt& s, const ScopePtr& scope);
  std::string Capture(const Body& body, const ScopePtr& scope);
  void Write(std::string_view text);
  Value EvalBinary(const Expr& e, const ScopePtr& scope);
  Value EvalCompare(const Expr& e, const ScopePtr& scope);
  Value EvalSlice(const Expr& e, const ScopePtr& scope);
  CallArgs EvalArgs(const Expr& e, const ScopePtr& scope, size_t first);
  Value MakeMacro(const Stmt& s, const ScopePtr& scope);
  Value CallMacro(const Stmt& s, const ScopePtr& closure, CallArgs& args);

  struct DepthGuard {
    DepthGuard(int* depth, int limit, const char* what);
    ~DepthGuard() { --*depth; }
    int* depth;
  };

  RenderLimits limits_;
  std::string* out_ = nullptr;
  int64_t iterations_ = 0;
  int eval_depth_ = 0;
  int call_depth_ = 0;
  Value placeholder_;
};

// Binds call arguments to named parameters like a Python signature; unknown or missing ones fail.
class ArgParser {
 public:
  ArgParser(const std::string& fn, CallArgs& args, std::vector<std::pair<const char*, Value>> params);
  const Value& operator[](size_t i) const { return values_[i]; }
  bool Given(size_t i) const { return given_[i]; }

 private:
  std::vector<Value> values_;
  std::vector<bool> given_;
};

// Operators shared by the evaluator and filters.
Value Add(const Value& a, const Value& b);
bool Contains(const Value& container, const Value& item);
// Fails with the Undefined's message, as jinja2 does on most uses of an undefined value.
void RequireDefined(const Value& v);

// Implemented in filters.cpp / tests.cpp / methods.cpp.
Value ApplyFilter(Interp& in, const std::string& name, CallArgs& args);
bool ApplyTest(Interp& in, const std::string& name, CallArgs& args);
bool IsKnownFilter(const std::string& name);
bool IsKnownTest(const std::string& name);
// Python method `name` of `self` (str, dict, list), or Undefined when there is none.
Value GetMethod(const Value& self, const std::string& name);

}  // namespace ingot::chat::jinja
