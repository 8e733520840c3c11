// Human-readable byte counts (see bytes.h).
#include "store/bytes.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ingot::store {

Result<uint64_t> ParseByteSize(std::string_view text) {
  const std::string s(text);
  const char* begin = s.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  const bool starts_with_digit = !s.empty() && std::isdigit(static_cast<unsigned char>(s[0]));
  if (end == begin || !std::isfinite(value) || value < 0 || !starts_with_digit) {
    return InvalidArgument("not a byte count: '" + s + "' (examples: 16G, 512MiB, 8000000000)");
  }
  std::string unit;
  for (const char* p = end; *p != '\0'; ++p) {
    if (*p != ' ') unit.push_back(char(std::tolower(static_cast<unsigned char>(*p))));
  }
  double scale = 1;
  const char letters[] = "kmgt";
  if (!unit.empty() && unit != "b") {
    const char* pos = unit.size() <= 3 ? std::strchr(letters, unit[0]) : nullptr;
    const std::string rest = unit.substr(1);
    if (pos == nullptr || (rest != "" && rest != "i" && rest != "ib" && rest != "b")) {
      return InvalidArgument("unknown unit in '" + s + "' (use K, M, G, T, KiB..TiB or KB..TB)");
    }
    const int power = int(pos - letters) + 1;
    scale = std::pow(rest == "b" ? 1000.0 : 1024.0, power);
  }
  const double bytes = value * scale;
  if (bytes >= 18.0e18) return InvalidArgument("byte count too large: '" + s + "'");
  return uint64_t(std::llround(bytes));
}

}  // namespace ingot::store
