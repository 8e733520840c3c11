// FakeUpstream: cpp-httplib server with canned OpenAI-shaped answers (see fake_upstream.h).
#include "gateway/fake_upstream.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>

namespace ingot::gateway {
namespace {

void SleepSeconds(double seconds) {
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
}

nlohmann::json Usage() { return {{"prompt_tokens", 5}, {"completion_tokens", 3}, {"total_tokens", 8}}; }

nlohmann::json Answer(const std::string& path, const nlohmann::json& body, const std::string& name) {
  std::string model = body.value("model", "");
  std::string text = "hello from " + name;
  if (path.find("embeddings") != std::string::npos) {
    return {{"object", "list"}, {"model", model},
            {"data", {{{"object", "embedding"}, {"index", 0}, {"embedding", {0.25, 0.5}}}}}, {"usage", Usage()}};
  }
  if (path.find("apply-template") != std::string::npos) return {{"prompt", name + ":" + body.dump()}};
  if (path.find("chat") != std::string::npos) {
    return {{"id", "chatcmpl-fake"},
            {"object", "chat.completion"},
            {"model", model},
            {"choices",
             {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"finish_reason", "stop"}}}},
            {"usage", Usage()}};
  }
  return {{"id", "cmpl-fake"}, {"object", "text_completion"}, {"model", model},
          {"choices", {{{"index", 0}, {"text", text}, {"finish_reason", "stop"}}}}, {"usage", Usage()}};
}

}  // namespace

FakeUpstream::FakeUpstream(FakeBehaviour behaviour) : behaviour_(std::move(behaviour)) {}

FakeUpstream::~FakeUpstream() { Stop(); }

Result<int> FakeUpstream::Start(int port, int threads) {
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(std::max(1, threads))); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(1);  // idle connections close after 1 s (tests of stale pooled connections)
  server_->set_keep_alive_max_count(1000);
  backlog_.Install(*server_);
  for (const char* path : {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/apply-template"}) {
    std::string p = path;
    server_->Post(path, [this, p](const httplib::Request& req, httplib::Response& res) {
      Handle(p, req.body, req.get_header_value("Authorization"), &res);
    });
  }
  server_->Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  port_ = port == 0 ? server_->bind_to_any_port("127.0.0.1") : (server_->bind_to_port("127.0.0.1", port) ? port : -1);
  if (port_ <= 0) return Unavailable("fake upstream: cannot listen on 127.0.0.1");
  backlog_.Widen();
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() is a no-op until the listen loop runs, so a Stop() right after Start() needs it running.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port_;
}

void FakeUpstream::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeUpstream::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeUpstream::SetBehaviour(FakeBehaviour behaviour) {
  std::lock_guard<std::mutex> lock(mu_);
  behaviour_ = std::move(behaviour);
}

std::vector<FakeRequest> FakeUpstream::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int FakeUpstream::cancelled_streams() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

int FakeUpstream::completed_streams() const {
  std::lock_guard<std::mutex> lock(mu_);
  return completed_;
}

void FakeUpstream::Handle(const std::string& path, const std::string& body_text, const std::string& auth,
                          void* response) {
  auto& res = *static_cast<httplib::Response*>(response);
  nlohmann::json body = nlohmann::json::parse(body_text, nullptr, false);
  FakeBehaviour b;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (requests_.size() >= kMaxRecorded) requests_.erase(requests_.begin());
    requests_.push_back({path, body, auth});
    b = behaviour_;
  }
  SleepSeconds(b.delay_seconds);
  if (b.fail_status > 0) {
    res.status = b.fail_status;
    nlohmann::json error = {{"error", {{"message", b.name + " failed on purpose"}, {"type", "server_error"}}}};
    res.set_content(error.dump(), "application/json");
    return;
  }
  bool stream = body.is_object() && body.value("stream", false);
  if (!stream) {
    res.set_content(Answer(path, body.is_object() ? body : nlohmann::json::object(), b.name).dump(),
                    "application/json");
    return;
  }
  auto sent = std::make_shared<int>(0);
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, b, sent](size_t, httplib::DataSink& sink) {
        if (*sent > 0) SleepSeconds(b.chunk_delay_seconds);
        if (b.break_after_chunks >= 0 && *sent >= b.break_after_chunks) return false;
        std::string data;
        if (*sent < b.stream_chunks) {
          nlohmann::json chunk = {
              {"object", "chat.completion.chunk"},
              {"choices", {{{"index", 0}, {"delta", {{"content", "tok" + std::to_string(*sent) + " "}}}}}}};
          data = "data: " + chunk.dump() + "\n\n";
        } else {
          nlohmann::json usage = {
              {"object", "chat.completion.chunk"}, {"choices", nlohmann::json::array()}, {"usage", Usage()}};
          data = "data: " + usage.dump() + "\n\ndata: [DONE]\n\n";
        }
        if (!sink.write(data.data(), data.size())) {
          std::lock_guard<std::mutex> lock(mu_);
          ++cancelled_;
          return false;
        }
        if (++*sent > b.stream_chunks) {
          std::lock_guard<std::mutex> lock(mu_);
          ++completed_;
          sink.done();
        }
        return true;
      });
}

}  // namespace ingot::gateway
