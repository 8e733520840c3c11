// Test doubles for the HTTP layer: a deterministic engine with controllable speed that records cancellations,
// a byte-level tokenizer and a ChatML-like renderer. Used by server tests only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "server/model_text.h"

namespace ingot::server {

struct FakeEngineOptions {
  std::string reply = "Hello world, this is a fake engine. ";  // one character per token
  bool vary_by_prompt = true;         // start the reply at an offset derived from the prompt tokens
  bool eos_after_reply = true;        // finish with "stop" after the reply (else cycle until max_tokens)
  std::chrono::microseconds token_delay{200};
  int32_t n_ctx = 512;                // per-sequence context (longer prompts: kResourceExhausted)
  int32_t parallel = 4;
  int32_t max_queue = 8;
  bool can_embed = true;
};

// Each request generates `reply` starting at an offset that depends on the prompt, one char per token.
class FakeEngine : public engine::Engine {
 public:
  explicit FakeEngine(FakeEngineOptions options);
  ~FakeEngine() override;

  Result<uint64_t> Submit(engine::GenerateRequest request, engine::OnToken on_token,
                          engine::OnFinish on_finish) override;
  void Cancel(uint64_t request_id) override;
  Result<std::vector<float>> Embed(const std::vector<int32_t>& tokens) override;
  engine::EngineStats GetStats() const override;
  const engine::ModelSummary& summary() const override { return summary_; }
  const tok::Tokenizer& tokenizer() const override;  // not available: the server uses TextCodec

  std::vector<uint64_t> cancelled() const;  // ids finished with kCancelled, in order
  int32_t running() const;                  // sequences queued or running

 private:
  struct Seq {
    uint64_t id;
    engine::GenerateRequest request;
    engine::OnToken on_token;
    engine::OnFinish on_finish;
    size_t next = 0;
    int32_t generated = 0;
    std::string pending;  // held back: may start a stop string
    std::chrono::steady_clock::time_point submitted;
  };
  void Loop();
  // Advances one sequence by a token; returns true when it finished.
  bool Step(Seq& seq);
  void Finish(Seq& seq, engine::FinishReason reason, std::string text);

  FakeEngineOptions options_;
  engine::ModelSummary summary_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Seq> waiting_;
  std::vector<Seq> running_;
  std::set<uint64_t> cancel_requests_;
  std::vector<uint64_t> cancelled_;
  uint64_t next_id_ = 1;
  uint64_t generated_total_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// Byte-level tokenizer: id 0 = BOS, 1 = EOS, 2 + byte otherwise.
class FakeCodec : public TextCodec {
 public:
  std::vector<int32_t> Encode(std::string_view text, bool add_special, bool parse_special) const override;
  std::string Decode(const std::vector<int32_t>& tokens) const override;
  std::string TokenPiece(int32_t token) const override;
  int32_t vocab_size() const override { return 258; }
  int32_t bos() const override { return 0; }
};

// "<|im_start|>role\ncontent<|im_end|>\n" per message; fails on non-string content like templates that
// concatenate content; enable_thinking=false appends an empty think block.
class FakeRenderer : public PromptRenderer {
 public:
  explicit FakeRenderer(std::string source = "{{ message['content'] }} <think>") : source_(std::move(source)) {}
  Result<std::string> Render(const RenderInput& input) const override;
  const std::string& source() const override { return source_; }

 private:
  std::string source_;
};

}  // namespace ingot::server
