// FormatBytes / FormatCount: divide down to the largest unit that keeps the value at or above 1.
#include "util/format.h"

#include <cstdio>

namespace ingot {

namespace {
std::string Scaled(double value, double step, const char* const* units, int n_units, const char* sep) {
  int u = 0;
  while (value >= step && u < n_units - 1) {
    value /= step;
    ++u;
  }
  char buf[48];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f%s%s" : "%.2f%s%s", value, sep, units[u]);
  return buf;
}
}  // namespace

std::string FormatBytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  return Scaled(bytes, 1024.0, kUnits, 5, " ");
}

std::string FormatCount(double n) {
  static const char* const kUnits[] = {"", "K", "M", "B", "T"};
  return Scaled(n, 1000.0, kUnits, 5, "");
}

}  // namespace ingot
