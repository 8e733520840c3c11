// libFuzzer target for everything a request body reaches before the engine: JSON parsing, chat and completion
// request validation, and chat prompt rendering (with the fake renderer). Build with -DINGOT_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/chat_prompt.h"
#include "server/fake_engine.h"
#include "server/openai_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ingot::server;
  nlohmann::ordered_json body;
  if (ParseJsonObject(std::string(reinterpret_cast<const char*>(data), size), &body)) return 0;
  ChatRequest chat;
  if (!ParseChatRequest(body, &chat)) {
    FakeRenderer renderer;
    (void)RenderChatPrompt(chat.render, renderer);
  }
  CompletionRequest completion;
  (void)ParseCompletionRequest(body, &completion);
  return 0;
}
