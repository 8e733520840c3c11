// Byte counts for people: "1.50 GiB" out, "16G" / "512MiB" / "8e9" in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace ingot::store {

// "1.50 GiB", "512 B" (binary units).
std::string FormatBytes(double bytes);
// A byte count with an optional unit: plain bytes ("8000000000"), K/M/G/T (binary, as in "16G"), KiB/MiB/GiB/
// TiB, or KB/MB/GB/TB (decimal). Case-insensitive; fractions allowed ("1.5G").
Result<uint64_t> ParseByteSize(std::string_view text);

}  // namespace ingot::store
