// Filter tables shared by filters.cpp (scalars, strings, json) and filters_seq.cpp (sequences).
#pragma once

#include <span>
#include <string>

#include "chat/jinja/interp.h"

namespace ingot::chat::jinja {

using FilterFn = Value (*)(Interp& in, const Value& input, CallArgs& args);
struct FilterEntry {
  const char* name;
  FilterFn fn;
};

std::span<const FilterEntry> ScalarFilters();
std::span<const FilterEntry> SequenceFilters();

// jinja2's make_attrgetter: "a.b.0" looked up item by item (digits as indices).
Value GetAttrPath(Interp& in, const Value& item, const std::string& path);

}  // namespace ingot::chat::jinja
