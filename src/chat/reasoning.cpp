// Reasoning/content splitting for <think>...</think> and Gemma 4's <|channel>thought ... <channel|> blocks.
#include "chat/reasoning.h"

#include <algorithm>

namespace ingot::chat {
namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";
constexpr std::string_view kChannelOpen = "<|channel>thought";
constexpr std::string_view kChannelClose = "<channel|>";

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Length of the longest suffix of `text` that is a proper prefix of `marker` (text that may become the marker).
size_t PartialSuffix(std::string_view text, std::string_view marker) {
  size_t max_len = std::min(text.size(), marker.size() - 1);
  for (size_t len = max_len; len > 0; --len) {
    if (text.substr(text.size() - len) == marker.substr(0, len)) return len;
  }
  return 0;
}

}  // namespace

bool ParseReasoningFormat(std::string_view name, ReasoningFormat* out) {
  if (name == "none") {
    *out = ReasoningFormat::kNone;
  } else if (name == "auto") {
    *out = ReasoningFormat::kAuto;
  } else if (name == "deepseek") {
    *out = ReasoningFormat::kDeepseek;
  } else {
    return false;
  }
  return true;
}

ReasoningSyntax DetectReasoningSyntax(ReasoningFormat format, std::string_view chat_template,
                                      std::string_view prompt) {
  ReasoningSyntax syntax;
  if (format == ReasoningFormat::kNone) return syntax;
  if (chat_template.find("<|channel>") != std::string_view::npos) {
    syntax.open = kChannelOpen;
    syntax.close = kChannelClose;
  } else if (format == ReasoningFormat::kDeepseek || chat_template.find(kThinkOpen) != std::string_view::npos) {
    syntax.open = kThinkOpen;
    syntax.close = kThinkClose;
  } else {
    return syntax;
  }
  size_t open_pos = prompt.rfind(syntax.open);
  size_t close_pos = prompt.rfind(syntax.close);
  syntax.starts_inside =
      open_pos != std::string_view::npos && (close_pos == std::string_view::npos || close_pos < open_pos);
  return syntax;
}

ReasoningParser::ReasoningParser(ReasoningSyntax syntax) : syntax_(std::move(syntax)) {
  bool active = !syntax_.open.empty() && !syntax_.close.empty();
  inside_ = active && syntax_.starts_inside;
  seen_any_ = !active || inside_;
  skip_space_ = inside_;
}

ReasoningParser::Delta ReasoningParser::Push(std::string_view text) {
  pending_.append(text);
  Delta out;
  Drain(false, &out);
  return out;
}

ReasoningParser::Delta ReasoningParser::Finish() {
  Delta out;
  Drain(true, &out);
  return out;
}

void ReasoningParser::Drain(bool final, Delta* out) {
  for (;;) {
    if (skip_space_) {
      size_t n = 0;
      while (n < pending_.size() && IsSpace(pending_[n])) ++n;
      pending_.erase(0, n);
      if (pending_.empty()) return;
      skip_space_ = false;
    }
    if (!seen_any_) {
      // Start of the output: an opening marker (after optional whitespace) enters the reasoning block.
      size_t start = 0;
      while (start < pending_.size() && IsSpace(pending_[start])) ++start;
      std::string_view rest = std::string_view(pending_).substr(start);
      if (rest.substr(0, syntax_.open.size()) == syntax_.open) {
        pending_.erase(0, start + syntax_.open.size());
        inside_ = true;
        seen_any_ = true;
        skip_space_ = true;
        continue;
      }
      if (!final && std::string_view(syntax_.open).substr(0, rest.size()) == rest) return;
      seen_any_ = true;
      continue;
    }
    if (inside_) {
      size_t pos = pending_.find(syntax_.close);
      if (pos != std::string::npos) {
        out->reasoning.append(pending_, 0, pos);
        pending_.erase(0, pos + syntax_.close.size());
        inside_ = false;
        skip_space_ = true;
        continue;
      }
      size_t keep = final ? 0 : PartialSuffix(pending_, syntax_.close);
      out->reasoning.append(pending_, 0, pending_.size() - keep);
      pending_.erase(0, pending_.size() - keep);
      return;
    }
    out->content += pending_;
    pending_.clear();
    return;
  }
}

}  // namespace ingot::chat
