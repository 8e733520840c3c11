// StopMatcher implementation. The pending buffer never holds more than the longest stop string plus one piece,
// so plain searches over it are cheap.
#include "engine/sample/stop.h"

#include <algorithm>
#include <utility>

namespace ingot::sample {
namespace {

// Bytes at the end of `s` that form the start of a UTF-8 character whose remaining bytes have not arrived yet.
size_t UnfinishedUtf8(std::string_view s) {
  const size_t look = std::min<size_t>(s.size(), 3);
  for (size_t back = 1; back <= look; ++back) {
    const auto byte = static_cast<unsigned char>(s[s.size() - back]);
    if ((byte & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead byte
    size_t length = 1;
    if ((byte & 0xE0) == 0xC0) length = 2;
    else if ((byte & 0xF0) == 0xE0) length = 3;
    else if ((byte & 0xF8) == 0xF0) length = 4;
    return length > back ? back : 0;
  }
  return 0;  // ASCII tail, or stray continuation bytes that no later byte can complete
}

}  // namespace

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

// The longest tail of pending_ that could still grow into a stop string or a complete character. A stop string
// starts with a lead byte, so holding back from a match start never splits a character.
size_t StopMatcher::HoldBack() const {
  size_t hold = UnfinishedUtf8(pending_);
  const std::string_view text(pending_);
  for (const std::string& stop : stops_) {
    for (size_t len = std::min(stop.size() - 1, text.size()); len > hold; --len) {
      if (text.ends_with(std::string_view(stop).substr(0, len))) {
        hold = len;
        break;
      }
    }
  }
  return hold;
}

StopMatcher::Output StopMatcher::Feed(std::string_view piece) {
  Output out;
  if (stopped_) {
    out.stopped = true;
    return out;
  }
  pending_.append(piece);
  size_t first = std::string::npos;
  for (const std::string& stop : stops_) {
    const size_t at = pending_.find(stop);
    if (at < first) {
      first = at;
      matched_ = stop;
    }
  }
  if (first != std::string::npos) {
    out.text = pending_.substr(0, first);
    out.stopped = true;
    stopped_ = true;
    pending_.clear();
    return out;
  }
  const size_t emit = pending_.size() - HoldBack();
  out.text = pending_.substr(0, emit);
  pending_.erase(0, emit);
  return out;
}

std::string StopMatcher::Flush() {
  std::string rest = std::move(pending_);
  pending_.clear();
  return rest;
}

}  // namespace ingot::sample
