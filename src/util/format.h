// Numbers for people: byte sizes in binary units and counts with K/M/B suffixes.
#pragma once

#include <string>

namespace ingot {

std::string FormatBytes(double bytes);  // "512 B", "1.50 GiB"
std::string FormatCount(double n);      // "950", "1.24K", "134.11M", "1.24B"

}  // namespace ingot
