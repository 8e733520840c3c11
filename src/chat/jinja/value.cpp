// Python semantics for Jinja values: construction with depth bounds, truthiness, equality, ordering, type names
// and iteration. Text forms (str, repr, json) are in repr.cpp.
#include "chat/jinja/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/jinja/utf8.h"

namespace ingot::chat::jinja {

void Fail(std::string message) { throw Error{std::move(message), 0, false, false}; }
void FailLimit(std::string message) { throw Error{std::move(message), 0, false, true}; }

namespace {

int ChildDepth(const Value& v) { return v.Depth(); }

bool NumericEquals(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) return a.ToDouble() == b.ToDouble();
  return a.ToInt() == b.ToInt();
}

}  // namespace

Value Value::MakeList(std::vector<Value> items, bool is_tuple) {
  auto list = std::make_shared<List>();
  int depth = 0;
  for (const Value& item : items) {
    depth = std::max(depth, ChildDepth(item));
    list->has_ref = list->has_ref || item.HoldsReference();
  }
  if (depth + 1 > kMaxDepth) FailLimit("value nesting too deep");
  list->items = std::move(items);
  list->is_tuple = is_tuple;
  list->depth = depth + 1;
  return Value(ListPtr(std::move(list)));
}

Value Value::MakeDict(std::vector<std::pair<Value, Value>> entries, bool keys_unique) {
  auto dict = std::make_shared<Dict>();
  int depth = 0;
  for (auto& entry : entries) {
    depth = std::max(depth, ChildDepth(entry.second));
    dict->has_ref = dict->has_ref || entry.second.HoldsReference();
    auto existing = dict->entries.end();
    if (!keys_unique) {
      existing = std::find_if(dict->entries.begin(), dict->entries.end(),
                              [&](const auto& e) { return Equals(e.first, entry.first); });
    }
    if (existing != dict->entries.end()) {
      existing->second = std::move(entry.second);
    } else {
      dict->entries.push_back(std::move(entry));
    }
  }
  if (depth + 1 > kMaxDepth) FailLimit("value nesting too deep");
  dict->depth = depth + 1;
  return Value(DictPtr(std::move(dict)));
}

Value Value::MakeIterator(std::vector<Value> items, std::string type, std::string name) {
  auto it = std::make_shared<Iterator>();
  int depth = 0;
  for (const Value& item : items) {
    depth = std::max(depth, ChildDepth(item));
    it->has_ref = it->has_ref || item.HoldsReference();
  }
  if (depth + 1 > kMaxDepth) FailLimit("value nesting too deep");
  it->items = std::move(items);
  it->type = std::move(type);
  it->name = std::move(name);
  it->depth = depth + 1;
  return Value(IteratorPtr(std::move(it)));
}

Value Value::MakeFailedIterator(std::string error, std::string name) {
  auto it = std::make_shared<Iterator>();
  it->type = "generator";
  it->name = std::move(name);
  it->error = std::move(error);
  return Value(IteratorPtr(std::move(it)));
}

Value Value::MakeFunction(std::string name, std::function<Value(Interp&, CallArgs&)> fn) {
  return Value(FunctionPtr(std::make_shared<Function>(Function{std::move(name), std::move(fn)})));
}

int64_t Value::ToInt() const {
  if (is_bool()) return as_bool() ? 1 : 0;
  return as_int();
}

double Value::ToDouble() const {
  if (is_float()) return as_float();
  return static_cast<double>(ToInt());
}

int Value::Depth() const {
  if (is_list()) return list().depth;
  if (is_dict()) return dict().depth;
  if (is_iterator()) return iterator().depth;
  return 0;
}

bool Value::HoldsReference() const {
  if (is_namespace() || is_function() || is_loop()) return true;
  if (is_list()) return list().has_ref;
  if (is_dict()) return dict().has_ref;
  if (is_iterator()) return iterator().has_ref;
  return false;
}

const Value* Dict::Find(const Value& key) const {
  for (const auto& [k, v] : entries) {
    if (Equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* Dict::FindKey(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_string() && k.str() == key) return &v;
  }
  return nullptr;
}

bool Truthy(const Value& v) {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, None>) {
          return false;
        } else if constexpr (std::is_same_v<T, bool>) {
          return x;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return x != 0;
        } else if constexpr (std::is_same_v<T, double>) {
          return x != 0.0;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return !x.empty();
        } else if constexpr (std::is_same_v<T, ListPtr>) {
          return !x->items.empty();
        } else if constexpr (std::is_same_v<T, DictPtr>) {
          return !x->entries.empty();
        } else {
          return true;
        }
      },
      v.storage());
}

bool Equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return NumericEquals(a, b);
  if (a.storage().index() != b.storage().index()) return false;
  if (a.is_undefined() || a.is_none()) return true;
  if (a.is_string()) return a.str() == b.str();
  if (a.is_list()) {
    const List& x = a.list();
    const List& y = b.list();
    if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
    for (size_t i = 0; i < x.items.size(); ++i) {
      if (!Equals(x.items[i], y.items[i])) return false;
    }
    return true;
  }
  if (a.is_dict()) {
    const Dict& x = a.dict();
    const Dict& y = b.dict();
    if (x.entries.size() != y.entries.size()) return false;
    for (const auto& [k, v] : x.entries) {
      const Value* other = y.Find(k);
      if (other == nullptr || !Equals(v, *other)) return false;
    }
    return true;
  }
  if (a.is_namespace()) return &a.ns() == &b.ns();
  if (a.is_loop()) return &a.loop() == &b.loop();
  if (a.is_function()) return &a.function() == &b.function();
  if (a.is_iterator()) return &a.iterator() == &b.iterator();
  return false;
}

bool Less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.ToDouble() < b.ToDouble();
    return a.ToInt() < b.ToInt();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if (a.is_list() && b.is_list() && a.list().is_tuple == b.list().is_tuple) {
    const auto& x = a.list().items;
    const auto& y = b.list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!Equals(x[i], y[i])) return Less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  Fail("'<' not supported between instances of '" + TypeName(a) + "' and '" + TypeName(b) + "'");
}

std::string TypeName(const Value& v) {
  if (v.is_undefined()) return "Undefined";
  if (v.is_none()) return "NoneType";
  if (v.is_bool()) return "bool";
  if (v.is_int()) return "int";
  if (v.is_float()) return "float";
  if (v.is_string()) return "str";
  if (v.is_list()) return v.list().is_tuple ? "tuple" : "list";
  if (v.is_dict()) return "dict";
  if (v.is_namespace()) return "Namespace";
  if (v.is_loop()) return "LoopContext";
  if (v.is_iterator()) return v.iterator().type;
  return "function";
}

std::string ObjectTypeRepr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_namespace()) return "jinja2.utils.Namespace object";
  if (v.is_loop()) return "jinja2.runtime.LoopContext object";
  return TypeName(v) + " object";
}

std::vector<Value> Iterate(const Value& v) {
  if (v.is_list()) return v.list().items;
  if (v.is_iterator()) {
    if (!v.iterator().error.empty()) Fail(v.iterator().error);
    return v.iterator().items;
  }
  if (v.is_undefined()) return {};
  std::vector<Value> out;
  if (v.is_dict()) {
    for (const auto& entry : v.dict().entries) out.push_back(entry.first);
    return out;
  }
  if (v.is_string()) {
    for (auto& cp : SplitCodePoints(v.str())) out.emplace_back(std::move(cp));
    return out;
  }
  Fail("'" + TypeName(v) + "' object is not iterable");
}

std::vector<std::string> SplitCodePoints(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    out.emplace_back(s.substr(i, len));
    i += len;
  }
  return out;
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace ingot::chat::jinja
