// Turns engine token events into the response of one chat or text completion: SSE chunks while streaming, or
// one JSON body at the end. Applies the reasoning split (chat only) and collects logprobs. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/reasoning.h"
#include "engine/engine.h"
#include "server/model_text.h"
#include "server/openai_response.h"

namespace ingot::server {

enum class ApiKind { kChat, kCompletion };

// "stop", "length"; cancelled and error map to "stop" (they only appear in partial output).
std::string FinishReasonString(engine::FinishReason reason);

struct OutputOptions {
  ApiKind kind = ApiKind::kChat;
  ResponseMeta meta;
  chat::ReasoningSyntax reasoning;    // empty open: no split
  bool logprobs = false;
  bool include_usage = false;         // streaming: send a usage chunk with choices: []
};

class OutputBuilder {
 public:
  // `codec` (for logprob token texts) must outlive the builder.
  OutputBuilder(OutputOptions options, const TextCodec* codec);

  // Streaming.
  std::string StreamStart();                                 // chat: the role chunk
  std::string StreamToken(const engine::TokenEvent& event);  // may be empty (text held back)
  std::string StreamFinish(const engine::FinishEvent& event);  // last text, finish chunk, usage, [DONE]

  // Non-streaming.
  void AddToken(const engine::TokenEvent& event);
  nlohmann::json Complete(const engine::FinishEvent& event);

 private:
  LogprobItem MakeLogprob(const engine::TokenEvent& event) const;
  std::string TextChunks(const std::string& text, const nlohmann::json& logprobs);
  void Accumulate(const std::string& text);
  Usage MakeUsage(const engine::FinishEvent& event) const;

  OutputOptions options_;
  const TextCodec* codec_;
  chat::ReasoningParser reasoning_;
  std::string content_;
  std::string reasoning_text_;
  std::vector<LogprobItem> logprobs_;
  size_t streamed_bytes_ = 0;  // text offset for completion logprobs while streaming
};

}  // namespace ingot::server
