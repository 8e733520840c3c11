// Engine events → OpenAI chunks and bodies.
#include "server/output_builder.h"

#include <algorithm>

namespace ingot::server {

using nlohmann::json;

std::string FinishReasonString(engine::FinishReason reason) {
  return reason == engine::FinishReason::kLength ? "length" : "stop";
}

OutputBuilder::OutputBuilder(OutputOptions options, const TextCodec* codec)
    : options_(std::move(options)),
      codec_(codec),
      reasoning_(options_.kind == ApiKind::kChat ? options_.reasoning : chat::ReasoningSyntax{}) {}

LogprobItem OutputBuilder::MakeLogprob(const engine::TokenEvent& event) const {
  LogprobItem item;
  item.token = codec_->TokenPiece(event.token);
  item.logprob = event.logprob;
  for (const engine::TokenLogprob& alt : event.top) item.top.emplace_back(codec_->TokenPiece(alt.token), alt.logprob);
  return item;
}

std::string OutputBuilder::TextChunks(const std::string& text, const json& logprobs) {
  if (options_.kind == ApiKind::kCompletion) {
    if (text.empty() && logprobs.is_null()) return "";
    return SseEvent(TextChunkJson(options_.meta, options_.index, text, "", logprobs));
  }
  chat::ReasoningParser::Delta delta = reasoning_.Push(text);
  std::string out;
  if (!delta.reasoning.empty()) {
    out += SseEvent(ChatChunkJson(options_.meta, options_.index, {{"reasoning_content", delta.reasoning}}, "", nullptr));
  }
  if (!delta.content.empty() || !logprobs.is_null()) {
    out += SseEvent(ChatChunkJson(options_.meta, options_.index, {{"content", delta.content}}, "", logprobs));
  }
  return out;
}

std::string OutputBuilder::StreamStart() {
  if (options_.kind == ApiKind::kCompletion) return "";
  return SseEvent(ChatChunkJson(options_.meta, options_.index, {{"role", "assistant"}, {"content", ""}}, "", nullptr));
}

std::string OutputBuilder::StreamToken(const engine::TokenEvent& event) {
  json logprobs;
  if (options_.logprobs) {
    std::vector<LogprobItem> one = {MakeLogprob(event)};
    logprobs = options_.kind == ApiKind::kChat ? ChatLogprobs(one) : CompletionLogprobs(one, streamed_bytes_);
  }
  streamed_bytes_ += event.text.size();
  return TextChunks(event.text, logprobs);
}

std::string OutputBuilder::StreamFinish(const engine::FinishEvent& event) {
  std::string out = TextChunks(event.text, nullptr);
  std::string reason = FinishReasonString(event.reason);
  if (options_.kind == ApiKind::kChat) {
    chat::ReasoningParser::Delta rest = reasoning_.Finish();
    if (!rest.reasoning.empty()) {
      out += SseEvent(ChatChunkJson(options_.meta, options_.index, {{"reasoning_content", rest.reasoning}}, "", nullptr));
    }
    if (!rest.content.empty()) out += SseEvent(ChatChunkJson(options_.meta, options_.index, {{"content", rest.content}}, "", nullptr));
    out += SseEvent(ChatChunkJson(options_.meta, options_.index, json::object(), reason, nullptr));
  } else {
    out += SseEvent(TextChunkJson(options_.meta, options_.index, "", reason, nullptr));
  }
  return out;
}

void OutputBuilder::Accumulate(const std::string& text) {
  if (options_.kind == ApiKind::kCompletion) {
    content_ += text;
    return;
  }
  chat::ReasoningParser::Delta delta = reasoning_.Push(text);
  reasoning_text_ += delta.reasoning;
  content_ += delta.content;
}

void OutputBuilder::AddToken(const engine::TokenEvent& event) {
  if (options_.logprobs) logprobs_.push_back(MakeLogprob(event));
  Accumulate(event.text);
}

json OutputBuilder::CompleteChoice(const engine::FinishEvent& event) {
  Accumulate(event.text);
  std::string reason = FinishReasonString(event.reason);
  if (options_.kind == ApiKind::kCompletion) {
    json logprobs = options_.logprobs ? CompletionLogprobs(logprobs_, 0) : json();
    return TextChoiceJson(options_.index, content_, reason, logprobs);
  }
  chat::ReasoningParser::Delta rest = reasoning_.Finish();
  reasoning_text_ += rest.reasoning;
  content_ += rest.content;
  json logprobs = options_.logprobs ? ChatLogprobs(logprobs_) : json();
  return ChatChoiceJson(options_.index, content_, reasoning_text_, reason, logprobs);
}

Usage MergeUsage(const std::vector<engine::FinishEvent>& finishes) {
  Usage usage;
  for (const engine::FinishEvent& f : finishes) {
    usage.prompt_tokens = std::max(usage.prompt_tokens, f.prompt_tokens);
    usage.cached_tokens = std::max(usage.cached_tokens, f.cached_tokens);
    usage.completion_tokens += f.completion_tokens;
  }
  return usage;
}

std::string StreamEnd(const OutputOptions& options, const Usage& usage) {
  std::string out;
  if (options.include_usage) {
    out += SseEvent(options.kind == ApiKind::kChat ? ChatUsageChunkJson(options.meta, usage)
                                                   : TextUsageChunkJson(options.meta, usage));
  }
  out += kSseDone;
  return out;
}

json CompletionBody(const OutputOptions& options, json choices, const Usage& usage) {
  return options.kind == ApiKind::kChat ? ChatCompletionJson(options.meta, std::move(choices), usage)
                                        : TextCompletionJson(options.meta, std::move(choices), usage);
}

}  // namespace ingot::server
