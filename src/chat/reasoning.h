// Splits a model's generated text into reasoning ("thinking") and the answer, incrementally, so that a
// streaming server can send delta.reasoning_content and delta.content as tokens arrive.
#pragma once

#include <string>
#include <string_view>

namespace ingot::chat {

// How the server treats thinking: kNone leaves it in the content; kAuto uses the markers the chat template
// uses (<think> or Gemma 4's thought channel); kDeepseek always looks for <think>...</think>.
enum class ReasoningFormat { kNone, kAuto, kDeepseek };

// "none" | "auto" | "deepseek"; false when the name is unknown.
bool ParseReasoningFormat(std::string_view name, ReasoningFormat* out);

// The markers around a reasoning block. Empty `open` means the model does not reason (nothing is split).
struct ReasoningSyntax {
  std::string open;             // "<think>" or "<|channel>thought"
  std::string close;            // "</think>" or "<channel|>"
  bool starts_inside = false;   // the prompt already opened the block (DeepSeek-R1 ends its prompt with <think>)
};

// Chooses the markers for a template and a rendered prompt. `starts_inside` is set when the prompt's last
// opening marker is not followed by a closing one.
ReasoningSyntax DetectReasoningSyntax(ReasoningFormat format, std::string_view chat_template,
                                      std::string_view prompt);

// Streaming splitter. Text that might be the start of a marker split across tokens is held back until the
// next Push or Finish. Whitespace directly after a marker is dropped. Not thread-safe.
class ReasoningParser {
 public:
  struct Delta {
    std::string reasoning;
    std::string content;
    bool empty() const { return reasoning.empty() && content.empty(); }
  };

  explicit ReasoningParser(ReasoningSyntax syntax);

  Delta Push(std::string_view text);
  Delta Finish();  // releases anything held back

 private:
  void Drain(bool final, Delta* out);

  ReasoningSyntax syntax_;
  bool inside_;
  bool seen_any_ = false;      // an opening marker is only honoured at the start of the output
  bool skip_space_ = false;    // drop whitespace that directly follows a marker
  std::string pending_;
};

}  // namespace ingot::chat
