// Global functions of the Jinja engine (as Hugging Face's chat template environment provides them) and the
// Python-style argument binder used by filters, methods and builtins.
#include "chat/jinja/builtins.h"

#include <chrono>

namespace ingot::chat::jinja {

ArgParser::ArgParser(const std::string& fn, CallArgs& args, std::vector<std::pair<const char*, Value>> params) {
  if (args.positional.size() > params.size()) {
    Fail(fn + "() takes at most " + std::to_string(params.size()) + " argument(s) (" +
         std::to_string(args.positional.size()) + " given)");
  }
  values_.resize(params.size());
  given_.assign(params.size(), false);
  for (size_t i = 0; i < args.positional.size(); ++i) {
    values_[i] = args.positional[i];
    given_[i] = true;
  }
  for (auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < params.size() && key != params[i].first) ++i;
    if (i == params.size()) Fail(fn + "() got an unexpected keyword argument '" + key + "'");
    if (given_[i]) Fail(fn + "() got multiple values for argument '" + key + "'");
    values_[i] = value;
    given_[i] = true;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (given_[i]) continue;
    const Value& fallback = params[i].second;
    if (fallback.is_undefined()) Fail(fn + "() missing required argument '" + params[i].first + "'");
    values_[i] = fallback;
  }
}

namespace {

constexpr int64_t kMaxRange = 100000;  // jinja2.sandbox.MAX_RANGE

Value Range(Interp& in, CallArgs& args) {
  if (!args.keyword.empty()) Fail("range() takes no keyword arguments");
  std::vector<int64_t> n;
  for (const Value& v : args.positional) {
    if (!v.is_int() && !v.is_bool()) Fail(Quoted(TypeName(v)) + " object cannot be interpreted as an integer");
    n.push_back(v.ToInt());
  }
  int64_t start = 0, stop = 0, step = 1;
  if (n.size() == 1) {
    stop = n[0];
  } else if (n.size() == 2 || n.size() == 3) {
    start = n[0];
    stop = n[1];
    if (n.size() == 3) step = n[2];
  } else {
    Fail("range expected 1 to 3 arguments, got " + std::to_string(n.size()));
  }
  if (step == 0) Fail("range() arg 3 must not be zero");
  // Count without overflow: work in long double, the bound keeps it small anyway.
  long double count = step > 0 ? (static_cast<long double>(stop) - start + step - 1) / step
                               : (static_cast<long double>(start) - stop - step - 1) / -step;
  if (count > kMaxRange) FailLimit("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  std::vector<Value> items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
    items.emplace_back(i);
    if (__builtin_add_overflow(i, step, &i)) break;
  }
  in.CountIterations(static_cast<int64_t>(items.size()));
  return Value::MakeList(std::move(items));
}

// Collects dict(mapping, **kwargs) / namespace(mapping, **kwargs) entries.
std::vector<std::pair<Value, Value>> MappingArgs(const char* fn, CallArgs& args) {
  std::vector<std::pair<Value, Value>> entries;
  for (const Value& v : args.positional) {
    if (!v.is_dict()) Fail(std::string(fn) + "() positional argument must be a mapping");
    entries.insert(entries.end(), v.dict().entries.begin(), v.dict().entries.end());
  }
  for (auto& [k, v] : args.keyword) entries.emplace_back(Value(k), v);
  return entries;
}

Value MakeNamespace(Interp&, CallArgs& args) {
  auto ns = std::make_shared<Namespace>();
  for (auto& [k, v] : MappingArgs("namespace", args)) {
    if (v.HoldsReference()) Fail("cannot store a namespace or function in a namespace");
    bool replaced = false;
    for (auto& entry : ns->attrs.entries) {
      if (Equals(entry.first, k)) {
        entry.second = v;
        replaced = true;
      }
    }
    if (!replaced) ns->attrs.entries.emplace_back(k, v);
  }
  return Value(NamespacePtr(std::move(ns)));
}

Value MakeDictFn(Interp&, CallArgs& args) { return Value::MakeDict(MappingArgs("dict", args)); }

Value RaiseException(Interp&, CallArgs& args) {
  std::string message = args.positional.empty() ? "" : Str(args.positional[0]);
  throw Error{message, 0, true, false};
}

std::tm LocalNow() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

}  // namespace

void AddBuiltins(Scope& globals, const RenderConfig& config) {
  globals.Set("range", Value::MakeFunction("range", Range));
  globals.Set("namespace", Value::MakeFunction("namespace", MakeNamespace));
  globals.Set("dict", Value::MakeFunction("dict", MakeDictFn));
  globals.Set("raise_exception", Value::MakeFunction("raise_exception", RaiseException));
  std::function<std::tm()> clock = config.clock ? config.clock : LocalNow;
  globals.Set("strftime_now", Value::MakeFunction("strftime_now", [clock](Interp&, CallArgs& args) {
                ArgParser a("strftime_now", args, {{"format", Value()}});
                if (!a[0].is_string()) Fail("strftime_now() argument must be str");
                const std::string& fmt = a[0].str();
                if (fmt.size() > 256) Fail("strftime_now() format too long");
                std::tm tm = clock();
                char buf[4096];
                size_t n = std::strftime(buf, sizeof(buf), fmt.c_str(), &tm);
                return Value(std::string(buf, n));
              }));
}

}  // namespace ingot::chat::jinja
