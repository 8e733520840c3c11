// Stop strings on streamed text: emits what is safe, holds back any tail that may begin a stop string (or an
// unfinished UTF-8 character), and cuts at the first complete stop string. One per request; not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ingot::sample {

class StopMatcher {
 public:
  struct Output {
    std::string text;      // safe to send now (complete UTF-8 characters, no possible stop-string prefix)
    bool stopped = false;  // a stop string completed: `text` ends right before it; nothing more will be emitted
  };

  // Empty stop strings are ignored. With no stop strings only unfinished UTF-8 characters are held back.
  explicit StopMatcher(std::vector<std::string> stops);

  // Appends one decoded piece. After a stop every call returns {"", true}.
  Output Feed(std::string_view piece);

  // End of generation (EOS, length, cancel): the held-back text, or "" after a stop.
  std::string Flush();

  bool stopped() const { return stopped_; }
  // The stop string that ended the text (llama-server's `stopping_word`); empty until then.
  const std::string& matched() const { return matched_; }

 private:
  size_t HoldBack() const;

  std::vector<std::string> stops_;
  std::string pending_;  // text received but not emitted yet
  bool stopped_ = false;
  std::string matched_;
};

}  // namespace ingot::sample
