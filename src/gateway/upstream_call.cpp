// UpstreamCall: a cpp-httplib client request whose headers and body chunks are handed to another thread.
#include "gateway/upstream_call.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace ingot::gateway {

bool ProbeUpstream(const UpstreamSpec& upstream, const std::string& model) {
  std::string origin, prefix;
  SplitBaseUrl(upstream.base_url, origin, prefix);
  std::unique_ptr<httplib::Client> client = NewClient(upstream, 5.0);
  if (!upstream.health_completion) {
    auto res = client->Get((prefix + upstream.health_path).c_str());
    return res && res->status < 500;
  }
  nlohmann::json body = {{"model", upstream.model.empty() ? model : upstream.model},
                         {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                         {"max_tokens", 1}};
  httplib::Headers headers;
  if (!upstream.api_key.empty()) headers.emplace("Authorization", "Bearer " + upstream.api_key);
  auto res = client->Post((prefix + "/v1/chat/completions").c_str(), headers, body.dump(), "application/json");
  return res && res->status == 200;
}

UpstreamCall::UpstreamCall(UpstreamPool& pool, const UpstreamSpec& upstream, const std::string& path,
                           std::string body)
    : pool_(pool), upstream_(upstream), path_(path), body_(std::move(body)) {}

UpstreamCall::~UpstreamCall() {
  Cancel();
  if (thread_.joinable()) thread_.join();
}

void UpstreamCall::Start() { thread_ = std::thread(&UpstreamCall::Run, this); }

void UpstreamCall::RunHere() { Run(); }

bool UpstreamCall::Send(httplib::Client& client, std::string& error) {
  std::string origin, prefix;
  SplitBaseUrl(upstream_.base_url, origin, prefix);
  httplib::Request req;
  req.method = "POST";
  req.path = prefix + path_;
  req.body = body_;
  req.set_header("Content-Type", "application/json");
  if (!upstream_.api_key.empty()) req.set_header("Authorization", "Bearer " + upstream_.api_key);
  req.response_handler = [this](const httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    headers_ = true;
    status_ = res.status;
    content_type_ = res.get_header_value("Content-Type");
    cv_.notify_all();
    return !cancelled_;
  };
  req.content_receiver = [this](const char* data, size_t size, uint64_t, uint64_t) {
    std::lock_guard<std::mutex> lock(mu_);
    chunks_.emplace_back(data, size);
    cv_.notify_all();
    return !cancelled_;
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) {
      error = "cancelled";
      return true;
    }
    client_ = &client;
  }
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  bool ok = client.send(req, res, err);
  std::lock_guard<std::mutex> lock(mu_);
  client_ = nullptr;
  if (ok) return true;
  error = cancelled_ ? "cancelled" : httplib::to_string(err);
  if (err == httplib::Error::Read && headers_) error = "upstream closed the stream";
  return headers_ || cancelled_ || (err != httplib::Error::Read && err != httplib::Error::Write);
}

void UpstreamCall::Run() {
  bool reused = false;
  std::unique_ptr<httplib::Client> client = pool_.Take(upstream_, reused);
  std::string error;
  if (!Send(*client, error) && reused) {
    error.clear();
    bool fresh = false;
    pool_.Drop(upstream_);  // the other idle connections are as old
    client = pool_.Take(upstream_, fresh);
    Send(*client, error);
  }
  if (error.empty()) pool_.Give(upstream_, std::move(client));
  std::lock_guard<std::mutex> lock(mu_);
  error_ = error;
  done_ = true;
  cv_.notify_all();
}

int UpstreamCall::WaitForHeaders() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return headers_ || done_; });
  return headers_ ? status_ : 0;
}

bool UpstreamCall::NextChunk(std::string& chunk) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !chunks_.empty() || done_; });
  if (chunks_.empty()) return false;
  chunk = std::move(chunks_.front());
  chunks_.pop_front();
  return true;
}

std::string UpstreamCall::ReadAll() {
  std::string all, chunk;
  while (NextChunk(chunk)) all += chunk;
  return all;
}

void UpstreamCall::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (client_ != nullptr) client_->stop();
  cv_.notify_all();
}

std::string UpstreamCall::content_type() const {
  std::lock_guard<std::mutex> lock(mu_);
  return content_type_;
}

bool UpstreamCall::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

std::string UpstreamCall::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace ingot::gateway
