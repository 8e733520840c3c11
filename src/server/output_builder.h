// Turns engine token events into the response of one chat or text completion: SSE chunks while streaming, or
// one JSON body at the end. One builder per choice (a request with `n` choices has n builders that share the
// meta); the functions at the end assemble what the choices share. Applies the reasoning split (chat only) and
// collects logprobs. Pure: no I/O.
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
  int index = 0;                      // this choice's position in `choices`
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
  std::string StreamFinish(const engine::FinishEvent& event);  // last text and the finish chunk

  // Non-streaming: the choice object for `choices`.
  void AddToken(const engine::TokenEvent& event);
  nlohmann::json CompleteChoice(const engine::FinishEvent& event);

 private:
  LogprobItem MakeLogprob(const engine::TokenEvent& event) const;
  std::string TextChunks(const std::string& text, const nlohmann::json& logprobs);
  void Accumulate(const std::string& text);

  OutputOptions options_;
  const TextCodec* codec_;
  chat::ReasoningParser reasoning_;
  std::string content_;
  std::string reasoning_text_;
  std::vector<LogprobItem> logprobs_;
  size_t streamed_bytes_ = 0;  // text offset for completion logprobs while streaming
};

// The usage of one request from the finish events of its choices: the prompt counts once, completions add up.
Usage MergeUsage(const std::vector<engine::FinishEvent>& finishes);
// The end of a stream: the usage chunk when asked for, then [DONE].
std::string StreamEnd(const OutputOptions& options, const Usage& usage);
// The whole non-streaming body around the choice objects.
nlohmann::json CompletionBody(const OutputOptions& options, nlohmann::json choices, const Usage& usage);

}  // namespace ingot::server
