// jinja2 filters on sequences and mappings: first/last/join/list/sort/dictsort/unique/min/max/sum/map/select/
// reject/selectattr/rejectattr/items/batch/reverse.
#include <algorithm>

#include "chat/jinja/filters.h"
#include "chat/jinja/strings.h"

namespace ingot::chat::jinja {

Value GetAttrPath(Interp& in, const Value& item, const std::string& path) {
  Value v = item;
  for (const std::string& part : Split(path, std::string("."), -1, false)) {
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    v = digits && part.size() < 18 ? in.GetItem(v, Value(static_cast<int64_t>(std::stoll(part))))
                                   : in.GetItem(v, Value(part));
  }
  return v;
}

namespace {

// Builds the items of a lazy jinja2 filter result; errors are kept for when the iterator is consumed.
// `name` is the jinja2 generator function, which repr() shows.
template <typename Build>
Value Lazy(const char* name, Build build) {
  try {
    return Value::MakeIterator(build(), "generator", name);
  } catch (const Error& e) {
    if (e.limit || e.raised) throw;
    return Value::MakeFailedIterator(e.message, name);
  }
}

Value LowerIfString(const Value& v, bool case_sensitive) {
  return !case_sensitive && v.is_string() ? Value(Lower(v.str())) : v;
}

// Sort key per item: the item itself or the (comma separated) attributes, lower-cased unless case_sensitive.
Value SortKey(Interp& in, const Value& item, const Value& attribute, bool case_sensitive) {
  if (attribute.is_none() || attribute.is_undefined()) return LowerIfString(item, case_sensitive);
  if (attribute.is_int()) return LowerIfString(in.GetItem(item, attribute), case_sensitive);
  std::vector<std::string> parts = Split(Str(attribute), std::string(","), -1, false);
  if (parts.size() == 1) return LowerIfString(GetAttrPath(in, item, parts[0]), case_sensitive);
  std::vector<Value> keys;
  for (const std::string& p : parts) keys.push_back(LowerIfString(GetAttrPath(in, item, p), case_sensitive));
  return Value::MakeList(std::move(keys));
}

Value FilterFirst(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("first", args, {});
  std::vector<Value> items = Iterate(v);
  if (items.empty()) return Value::MakeUndefined("No first item, sequence was empty.");
  return items.front();
}

Value FilterLast(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("last", args, {});
  if (v.is_iterator()) Fail(Quoted(v.iterator().type) + " object is not reversible");
  std::vector<Value> items = Iterate(v);
  if (items.empty()) return Value::MakeUndefined("No last item, sequence was empty.");
  return items.back();
}

Value FilterJoin(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("join", args, {{"d", Value("")}, {"attribute", Value(None{})}});
  std::string sep = Str(a[0]);
  std::string out;
  bool first = true;
  for (const Value& item : Iterate(v)) {
    if (!first) out += sep;
    first = false;
    out += Str(a[1].is_none() ? item : GetAttrPath(in, item, Str(a[1])));
    in.CheckSize(out.size());
  }
  return Value(std::move(out));
}

Value FilterList(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("list", args, {});
  return Value::MakeList(Iterate(v));
}

Value FilterReverse(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("reverse", args, {});
  if (v.is_string()) {
    std::vector<std::string> cps = SplitCodePoints(v.str());
    std::string out;
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += *it;
    return Value(std::move(out));
  }
  std::vector<Value> items = Iterate(v);
  std::reverse(items.begin(), items.end());
  if (v.is_iterator()) return Value::MakeList(std::move(items));
  const char* type = v.is_dict() ? "dict_reversekeyiterator"
                     : v.is_list() && !v.list().is_tuple ? "list_reverseiterator"
                                                         : "reversed";
  return Value::MakeIterator(std::move(items), type);
}

std::vector<Value> SortedBy(Interp& in, std::vector<Value> items, const std::vector<Value>& keys, bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  in.CountIterations(static_cast<int64_t>(items.size()));
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return reverse ? Less(keys[y], keys[x]) : Less(keys[x], keys[y]);
  });
  std::vector<Value> out;
  out.reserve(items.size());
  for (size_t i : order) out.push_back(std::move(items[i]));
  return out;
}

Value FilterSort(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("sort", args, {{"reverse", Value(false)}, {"case_sensitive", Value(false)},
                             {"attribute", Value(None{})}});
  std::vector<Value> items = Iterate(v);
  std::vector<Value> keys;
  for (const Value& item : items) keys.push_back(SortKey(in, item, a[2], Truthy(a[1])));
  return Value::MakeList(SortedBy(in, std::move(items), keys, Truthy(a[0])));
}

Value FilterDictsort(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("dictsort", args, {{"case_sensitive", Value(false)}, {"by", Value("key")},
                                 {"reverse", Value(false)}});
  if (!v.is_dict()) Fail("dictsort: can only sort a mapping");
  std::string by = Str(a[1]);
  if (by != "key" && by != "value") Fail("You can only sort by either 'key' or 'value'");
  std::vector<Value> items;
  std::vector<Value> keys;
  for (const auto& [k, x] : v.dict().entries) {
    items.push_back(Value::MakeList({k, x}, true));
    keys.push_back(LowerIfString(by == "key" ? k : x, Truthy(a[0])));
  }
  return Value::MakeList(SortedBy(in, std::move(items), keys, Truthy(a[2])));
}

Value FilterItems(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("items", args, {});
  return Lazy("do_items", [&] {
    std::vector<Value> items;
    if (v.is_undefined()) return items;
    if (!v.is_dict()) Fail("Can only get item pairs from a mapping.");
    for (const auto& [k, x] : v.dict().entries) items.push_back(Value::MakeList({k, x}, true));
    return items;
  });
}

Value FilterUnique(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("unique", args, {{"case_sensitive", Value(false)}, {"attribute", Value(None{})}});
  return Lazy("sync_do_unique", [&] {
    std::vector<Value> out;
    std::vector<Value> seen;
    for (const Value& item : Iterate(v)) {
      Value key = SortKey(in, item, a[1], Truthy(a[0]));
      in.CountIterations(static_cast<int64_t>(seen.size()) + 1);
      if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return Equals(s, key); })) continue;
      seen.push_back(key);
      out.push_back(item);
    }
    return out;
  });
}

Value MinMax(Interp& in, const Value& v, CallArgs& args, bool is_max) {
  ArgParser a(is_max ? "max" : "min", args, {{"case_sensitive", Value(false)}, {"attribute", Value(None{})}});
  std::vector<Value> items = Iterate(v);
  if (items.empty()) {
    return Value::MakeUndefined(std::string("No ") + (is_max ? "largest" : "smallest") +
                                " item, sequence was empty.");
  }
  size_t best = 0;
  Value best_key = SortKey(in, items[0], a[1], Truthy(a[0]));
  for (size_t i = 1; i < items.size(); ++i) {
    Value key = SortKey(in, items[i], a[1], Truthy(a[0]));
    if (is_max ? Less(best_key, key) : Less(key, best_key)) {
      best = i;
      best_key = key;
    }
  }
  return items[best];
}

Value FilterMin(Interp& in, const Value& v, CallArgs& args) { return MinMax(in, v, args, false); }
Value FilterMax(Interp& in, const Value& v, CallArgs& args) { return MinMax(in, v, args, true); }

Value FilterSum(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("sum", args, {{"attribute", Value(None{})}, {"start", Value(0)}});
  Value total = a[1];
  for (const Value& item : Iterate(v)) {
    Value x = a[0].is_none() ? item : GetAttrPath(in, item, Str(a[0]));
    RequireDefined(x);
    total = Add(total, x);
  }
  return total;
}

Value FilterMap(Interp& in, const Value& v, CallArgs& args) {
  std::vector<Value> out;
  std::optional<std::string> attribute;
  Value fallback;
  for (auto it = args.keyword.begin(); it != args.keyword.end();) {
    if (it->first == "attribute" || it->first == "default") {
      if (it->first == "attribute") attribute = Str(it->second);
      else fallback = it->second;
      it = args.keyword.erase(it);
    } else {
      ++it;
    }
  }
  if (!attribute && args.positional.empty()) Fail("map requires a filter argument");
  return Lazy("sync_do_map", [&] {
    if (!Truthy(v)) return out;  // jinja2 maps nothing over a falsy value
    for (const Value& item : Iterate(v)) {
      if (attribute) {
        Value x = GetAttrPath(in, item, *attribute);
        out.push_back(x.is_undefined() && !fallback.is_undefined() ? fallback : x);
        continue;
      }
      CallArgs call;
      call.positional.push_back(item);
      call.positional.insert(call.positional.end(), args.positional.begin() + 1, args.positional.end());
      call.keyword = args.keyword;
      out.push_back(ApplyFilter(in, Str(args.positional[0]), call));
    }
    return out;
  });
}

// select/reject (attr == false) and selectattr/rejectattr (attr == true).
Value SelectImpl(Interp& in, const Value& v, CallArgs& args, bool by_attr, bool keep_when) {
  size_t next = 0;
  std::string attribute;
  if (by_attr) {
    if (args.positional.empty()) Fail("selectattr requires an attribute name");
    attribute = Str(args.positional[next++]);
  }
  std::optional<std::string> test;
  if (next < args.positional.size()) test = Str(args.positional[next++]);
  return Lazy("select_or_reject", [&] {
  std::vector<Value> out;
  if (!Truthy(v)) return out;  // jinja2 selects nothing from a falsy value
  for (const Value& item : Iterate(v)) {
    Value x = by_attr ? GetAttrPath(in, item, attribute) : item;
    bool passed;
    if (test) {
      CallArgs call;
      call.positional.push_back(x);
      call.positional.insert(call.positional.end(), args.positional.begin() + static_cast<ptrdiff_t>(next),
                             args.positional.end());
      call.keyword = args.keyword;
      passed = ApplyTest(in, *test, call);
    } else {
      passed = Truthy(x);
    }
    if (passed == keep_when) out.push_back(item);
  }
  return out;
  });
}

Value FilterSelect(Interp& in, const Value& v, CallArgs& args) { return SelectImpl(in, v, args, false, true); }
Value FilterReject(Interp& in, const Value& v, CallArgs& args) { return SelectImpl(in, v, args, false, false); }
Value FilterSelectattr(Interp& in, const Value& v, CallArgs& args) { return SelectImpl(in, v, args, true, true); }
Value FilterRejectattr(Interp& in, const Value& v, CallArgs& args) {
  return SelectImpl(in, v, args, true, false);
}

Value FilterBatch(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("batch", args, {{"linecount", Value()}, {"fill_with", Value(None{})}});
  if (!a[0].is_int() || a[0].as_int() <= 0) Fail("batch: linecount must be a positive integer");
  size_t n = static_cast<size_t>(a[0].as_int());
  return Lazy("do_batch", [&] {
    std::vector<Value> rows;
    std::vector<Value> row;
    for (const Value& item : Iterate(v)) {
      row.push_back(item);
      if (row.size() == n) rows.push_back(Value::MakeList(std::exchange(row, {})));
    }
    if (!row.empty()) {
      if (a.Given(1)) {
        in.CountIterations(static_cast<int64_t>(n - row.size()));
        while (row.size() < n) row.push_back(a[1]);
      }
      rows.push_back(Value::MakeList(std::move(row)));
    }
    return rows;
  });
}

constexpr FilterEntry kSequenceFilters[] = {
    {"first", FilterFirst},   {"last", FilterLast},       {"join", FilterJoin},
    {"list", FilterList},     {"reverse", FilterReverse}, {"sort", FilterSort},
    {"dictsort", FilterDictsort}, {"items", FilterItems}, {"unique", FilterUnique},
    {"min", FilterMin},       {"max", FilterMax},         {"sum", FilterSum},
    {"map", FilterMap},       {"select", FilterSelect},   {"reject", FilterReject},
    {"selectattr", FilterSelectattr}, {"rejectattr", FilterRejectattr}, {"batch", FilterBatch},
};

}  // namespace

std::span<const FilterEntry> SequenceFilters() { return kSequenceFilters; }

}  // namespace ingot::chat::jinja
