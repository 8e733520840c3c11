// Deterministic fakes of the engine, tokenizer and chat template for server tests.
#include "server/fake_engine.h"

#include <cmath>
#include <cstdlib>

namespace ingot::server {

FakeEngine::FakeEngine(FakeEngineOptions options) : options_(std::move(options)) {
  summary_.name = "fake-model";
  summary_.path = "/models/fake-model.gguf";
  summary_.architecture = "fake";
  summary_.quantization = "F32";
  summary_.n_ctx = options_.n_ctx;
  summary_.n_ctx_train = options_.n_ctx;
  summary_.n_vocab = 258;
  summary_.can_embed = options_.can_embed;
  thread_ = std::thread([this] { Loop(); });
}

FakeEngine::~FakeEngine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Result<uint64_t> FakeEngine::Submit(engine::GenerateRequest request, engine::OnToken on_token,
                                    engine::OnFinish on_finish) {
  if (request.prompt.empty()) return InvalidArgument("prompt: empty");
  if (static_cast<int32_t>(request.prompt.size()) >= options_.n_ctx) {
    return ResourceExhausted("prompt of " + std::to_string(request.prompt.size()) + " tokens exceeds the context");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (static_cast<int32_t>(waiting_.size()) >= options_.max_queue) return Unavailable("queue full");
  Seq seq;
  seq.id = next_id_++;
  seq.request = std::move(request);
  seq.on_token = std::move(on_token);
  seq.on_finish = std::move(on_finish);
  uint64_t sum = 0;
  for (int32_t t : seq.request.prompt) sum += static_cast<uint64_t>(t);
  seq.next = options_.vary_by_prompt ? sum % options_.reply.size() : 0;
  seq.submitted = std::chrono::steady_clock::now();
  uint64_t id = seq.id;
  waiting_.push_back(std::move(seq));
  cv_.notify_all();
  return id;
}

void FakeEngine::Cancel(uint64_t request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  cancel_requests_.insert(request_id);
  cv_.notify_all();
}

Result<std::vector<float>> FakeEngine::Embed(const std::vector<int32_t>& tokens) {
  if (!options_.can_embed) return InvalidArgument("this model cannot produce embeddings");
  std::vector<float> v(4, 0.0f);
  for (size_t i = 0; i < tokens.size(); ++i) v[i % 4] += static_cast<float>(tokens[i]);
  float norm = 0;
  for (float x : v) norm += x * x;
  norm = std::sqrt(norm);
  for (float& x : v) x = norm > 0 ? x / norm : 0;
  return v;
}

engine::EngineStats FakeEngine::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  engine::EngineStats s;
  s.requests_running = static_cast<int32_t>(running_.size());
  s.requests_waiting = static_cast<int32_t>(waiting_.size());
  s.kv_blocks_total = options_.parallel;
  s.kv_blocks_used = static_cast<int64_t>(running_.size());
  s.kv_block_tokens = 16;
  s.generated_tokens_total = generated_total_;
  return s;
}

const tok::Tokenizer& FakeEngine::tokenizer() const { std::abort(); }

std::vector<uint64_t> FakeEngine::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

int32_t FakeEngine::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int32_t>(running_.size() + waiting_.size());
}

void FakeEngine::Finish(Seq& seq, engine::FinishReason reason, std::string text) {
  engine::FinishEvent fin;
  fin.reason = reason;
  fin.text = std::move(text);
  fin.prompt_tokens = static_cast<int32_t>(seq.request.prompt.size());
  fin.completion_tokens = seq.generated;
  if (reason == engine::FinishReason::kCancelled) cancelled_.push_back(seq.id);
  seq.on_finish(fin);
}

bool FakeEngine::Step(Seq& seq) {
  const auto now = std::chrono::steady_clock::now();
  if (cancel_requests_.erase(seq.id) > 0 || (seq.request.deadline && now > *seq.request.deadline)) {
    Finish(seq, engine::FinishReason::kCancelled, "");
    return true;
  }
  bool at_eos = options_.eos_after_reply && seq.generated > 0 && seq.next % options_.reply.size() == 0;
  if (at_eos && !seq.request.ignore_eos) {
    Finish(seq, engine::FinishReason::kStop, seq.pending);
    return true;
  }
  char c = options_.reply[seq.next % options_.reply.size()];
  ++seq.next;
  ++seq.generated;
  ++generated_total_;
  seq.pending.push_back(c);
  for (const std::string& stop : seq.request.stop) {
    size_t pos = seq.pending.find(stop);
    if (pos != std::string::npos) {
      Finish(seq, engine::FinishReason::kStop, seq.pending.substr(0, pos));
      return true;
    }
  }
  // Release the text that cannot be the start of a stop string.
  size_t keep = 0;
  for (const std::string& stop : seq.request.stop) {
    for (size_t len = std::min(stop.size() - 1, seq.pending.size()); len > keep; --len) {
      if (seq.pending.compare(seq.pending.size() - len, len, stop, 0, len) == 0) {
        keep = len;
        break;
      }
    }
  }
  engine::TokenEvent event;
  event.token = 2 + static_cast<unsigned char>(c);
  event.text = seq.pending.substr(0, seq.pending.size() - keep);
  event.logprob = -0.5f;
  if (seq.request.sampling.n_probs > 0) event.top = {{event.token, -0.5f}, {2 + 'x', -1.5f}};
  seq.pending.erase(0, seq.pending.size() - keep);
  if (!seq.on_token(event)) {
    Finish(seq, engine::FinishReason::kCancelled, "");
    return true;
  }
  if (seq.request.max_tokens >= 0 && seq.generated >= seq.request.max_tokens) {
    Finish(seq, engine::FinishReason::kLength, seq.pending);
    return true;
  }
  return false;
}

void FakeEngine::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (cancel_requests_.erase(it->id) > 0) {
        Finish(*it, engine::FinishReason::kCancelled, "");
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
    while (!waiting_.empty() && static_cast<int32_t>(running_.size()) < options_.parallel) {
      running_.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
    }
    if (running_.empty()) {
      cv_.wait(lock, [this] { return stop_ || !waiting_.empty(); });
      continue;
    }
    for (auto it = running_.begin(); it != running_.end();) {
      it = Step(*it) ? running_.erase(it) : it + 1;
    }
    cv_.wait_for(lock, options_.token_delay, [this] { return stop_; });
  }
  for (Seq& seq : running_) Finish(seq, engine::FinishReason::kCancelled, "");
  for (Seq& seq : waiting_) Finish(seq, engine::FinishReason::kCancelled, "");
}

std::vector<int32_t> FakeCodec::Encode(std::string_view text, bool add_special, bool) const {
  std::vector<int32_t> out;
  if (add_special) out.push_back(0);
  for (char c : text) out.push_back(2 + static_cast<unsigned char>(c));
  return out;
}

std::string FakeCodec::Decode(const std::vector<int32_t>& tokens) const {
  std::string out;
  for (int32_t t : tokens) out += TokenPiece(t);
  return out;
}

std::string FakeCodec::TokenPiece(int32_t token) const {
  if (token < 2 || token >= 258) return "";
  return std::string(1, static_cast<char>(token - 2));
}

Result<std::string> FakeRenderer::Render(const RenderInput& input) const {
  std::string out;
  for (const nlohmann::ordered_json& m : input.messages) {
    if (!m.contains("content") || !m["content"].is_string()) return InvalidArgument("can only concatenate str (not \"list\") to str");
    out += "<|im_start|>" + m["role"].get<std::string>() + "\n" + m["content"].get<std::string>() + "<|im_end|>\n";
  }
  if (input.add_generation_prompt) {
    out += "<|im_start|>assistant\n";
    if (input.extra_context.value("enable_thinking", true) == false) out += "<think>\n\n</think>\n\n";
  }
  return out;
}

}  // namespace ingot::server
