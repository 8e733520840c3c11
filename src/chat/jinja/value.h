// Runtime values of the Jinja engine with Python semantics (truthiness, equality, ordering, str/repr, json.dumps).
// Lists and dicts are immutable once built and shared by pointer; only namespaces mutate (via {% set ns.x %}).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace ingot::chat::jinja {

class Value;
class Interp;

// Raised inside the engine for template errors; Template::Render turns it into a Status.
struct Error {
  std::string message;
  int line = 0;         // 0: not yet known, filled in by the innermost node that sees it
  bool raised = false;  // from raise_exception(): the message is the template's own
  bool limit = false;   // a RenderLimits bound was hit (never deferred, see Iterator)
};
[[noreturn]] void Fail(std::string message);
[[noreturn]] void FailLimit(std::string message);

// Python's Jinja2 Undefined: falsy, prints as "", iterates as empty; most other uses fail with `message`.
struct Undefined {
  std::string message;  // e.g. "'x' is undefined"
};
struct None {};

struct List {
  std::vector<Value> items;
  bool is_tuple = false;
  int depth = 1;
  bool has_ref = false;  // holds a namespace or function somewhere (see HoldsReference)
};

// A lazy Python iterator as returned by jinja2's map/select/reject/items/unique/batch/reverse filters: always
// truthy, no len(), not subscriptable, printed as "<generator object ...>". Its items are computed eagerly;
// an error found while computing them is kept and raised only when the iterator is consumed, as in Python.
struct Iterator {
  std::vector<Value> items;
  std::string type;   // "generator", "list_reverseiterator", ...
  std::string name;   // generator function, shown by repr: "<generator object do_items at 0x...>"
  std::string error;  // non-empty: consuming the iterator fails with this message
  int depth = 1;
  bool has_ref = false;
};

// Insertion-ordered mapping with Python key equality (1 == 1.0 == True).
struct Dict {
  std::vector<std::pair<Value, Value>> entries;
  int depth = 1;
  bool has_ref = false;
  const Value* Find(const Value& key) const;
  const Value* FindKey(std::string_view key) const;
};

// jinja2's namespace(): the one mutable object, assigned with {% set ns.attr = value %}.
struct Namespace {
  Dict attrs;
};

// The `loop` variable of a for loop: one object per loop statement, advanced in place like jinja2's
// LoopContext; its attributes (index, first, previtem, ...) are computed on access.
struct LoopState {
  std::shared_ptr<const std::vector<Value>> items;
  int64_t index0 = 0;
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// Builtin functions, bound methods and macros.
struct Function {
  std::string name;
  std::function<Value(Interp&, CallArgs&)> call;
};

using ListPtr = std::shared_ptr<const List>;
using IteratorPtr = std::shared_ptr<const Iterator>;
using DictPtr = std::shared_ptr<const Dict>;
using NamespacePtr = std::shared_ptr<Namespace>;
using FunctionPtr = std::shared_ptr<const Function>;
using LoopPtr = std::shared_ptr<LoopState>;

class Value {
 public:
  using Storage = std::variant<Undefined, None, bool, int64_t, double, std::string, ListPtr, DictPtr, NamespacePtr,
                               FunctionPtr, IteratorPtr, LoopPtr>;

  Value() : v_(Undefined{}) {}
  Value(None n) : v_(n) {}                       // NOLINT
  Value(bool b) : v_(b) {}                       // NOLINT
  Value(int i) : v_(int64_t{i}) {}               // NOLINT
  Value(int64_t i) : v_(i) {}                    // NOLINT
  Value(double d) : v_(d) {}                     // NOLINT
  Value(std::string s) : v_(std::move(s)) {}     // NOLINT
  Value(const char* s) : v_(std::string(s)) {}   // NOLINT
  Value(Undefined u) : v_(std::move(u)) {}       // NOLINT
  Value(NamespacePtr n) : v_(std::move(n)) {}    // NOLINT
  Value(FunctionPtr f) : v_(std::move(f)) {}     // NOLINT
  Value(ListPtr l) : v_(std::move(l)) {}         // NOLINT
  Value(DictPtr d) : v_(std::move(d)) {}         // NOLINT
  Value(IteratorPtr i) : v_(std::move(i)) {}     // NOLINT
  Value(LoopPtr l) : v_(std::move(l)) {}         // NOLINT

  static Value MakeUndefined(std::string message) { return Value(Undefined{std::move(message)}); }
  // Build a list/tuple/dict; fails when nesting exceeds kMaxDepth (keeps every recursive walk bounded).
  static Value MakeList(std::vector<Value> items, bool is_tuple = false);
  // Later duplicates of a key replace earlier ones (as in Python) unless the caller knows keys are unique.
  static Value MakeDict(std::vector<std::pair<Value, Value>> entries, bool keys_unique = false);
  static Value MakeIterator(std::vector<Value> items, std::string type, std::string name = "");
  static Value MakeFailedIterator(std::string error, std::string name);
  static Value MakeFunction(std::string name, std::function<Value(Interp&, CallArgs&)> fn);

  bool is_undefined() const { return std::holds_alternative<Undefined>(v_); }
  bool is_none() const { return std::holds_alternative<None>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_float() const { return std::holds_alternative<double>(v_); }
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_list() const { return std::holds_alternative<ListPtr>(v_); }
  bool is_dict() const { return std::holds_alternative<DictPtr>(v_); }
  bool is_namespace() const { return std::holds_alternative<NamespacePtr>(v_); }
  bool is_function() const { return std::holds_alternative<FunctionPtr>(v_); }
  bool is_iterator() const { return std::holds_alternative<IteratorPtr>(v_); }
  bool is_loop() const { return std::holds_alternative<LoopPtr>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  const std::string& str() const { return std::get<std::string>(v_); }
  const List& list() const { return *std::get<ListPtr>(v_); }
  const Dict& dict() const { return *std::get<DictPtr>(v_); }
  Namespace& ns() const { return *std::get<NamespacePtr>(v_); }
  const Function& function() const { return *std::get<FunctionPtr>(v_); }
  const Iterator& iterator() const { return *std::get<IteratorPtr>(v_); }
  const LoopState& loop() const { return *std::get<LoopPtr>(v_); }
  const Undefined& undefined() const { return std::get<Undefined>(v_); }
  const Storage& storage() const { return v_; }

  // Python int(v) for bool/int; float(v) for any number.
  int64_t ToInt() const;
  double ToDouble() const;
  int Depth() const;
  // True for namespaces, functions and loops and containers holding them. Namespaces refuse such values so that no
  // reference cycle (a leak, and endless repr) can form.
  bool HoldsReference() const;

 private:
  Storage v_;
};

inline constexpr int kMaxDepth = 512;

// Python semantics.
bool Truthy(const Value& v);
bool Equals(const Value& a, const Value& b);
// a < b; fails like Python for unorderable types.
bool Less(const Value& a, const Value& b);
// Python type name: 'str', 'int', 'list', 'dict', 'NoneType', ...
std::string TypeName(const Value& v);
// "dict object", "None", ...: how jinja2 names an object in undefined messages.
std::string ObjectTypeRepr(const Value& v);
// "'s'": a name quoted for error messages.
std::string Quoted(std::string_view s);
std::string Str(const Value& v);   // str(v); Undefined prints as ""
std::string Repr(const Value& v);  // repr(v)
std::string FormatFloat(double d);  // Python's repr(float)

struct JsonOptions {
  std::optional<std::string> indent;  // newline + indent per level when set
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool ensure_ascii = false;  // escape non-ASCII as \uXXXX
  bool sort_keys = false;
};
// json.dumps(v, ensure_ascii=False, sort_keys=False).
std::string ToJson(const Value& v, const JsonOptions& options);

Value FromJson(const nlohmann::ordered_json& j);

// Iterate like Python's iter(): lists, tuples, dict keys, string characters, iterators; Undefined is empty.
std::vector<Value> Iterate(const Value& v);

// UTF-8 helpers: strings are indexed by code point as in Python.
std::vector<std::string> SplitCodePoints(std::string_view s);
size_t CodePointCount(std::string_view s);

}  // namespace ingot::chat::jinja
