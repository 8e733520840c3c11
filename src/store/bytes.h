// Byte counts typed by people: "16G" / "512MiB" / "8e9" (FormatBytes in util/format.h goes the other way).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/format.h"
#include "util/status.h"

namespace ingot::store {

// A byte count with an optional unit: plain bytes ("8000000000"), K/M/G/T (binary, as in "16G"), KiB/MiB/GiB/
// TiB, or KB/MB/GB/TB (decimal). Case-insensitive; fractions allowed ("1.5G").
Result<uint64_t> ParseByteSize(std::string_view text);

}  // namespace ingot::store
