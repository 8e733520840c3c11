// UpstreamCall: a cpp-httplib client request whose headers and body chunks are handed to another thread.
#include "gateway/upstream_call.h"

#include <httplib.h>

#include <algorithm>

namespace ingot::gateway {
namespace {

// "http://h:p/v1" → ("http://h:p", ""); "http://h:p/api" → ("http://h:p", "/api"). Request paths start with /v1.
void SplitBaseUrl(const std::string& base_url, std::string& origin, std::string& prefix) {
  size_t scheme = base_url.find("://");
  size_t slash = base_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  origin = base_url.substr(0, slash);
  prefix = slash == std::string::npos ? "" : base_url.substr(slash);
  if (prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0) prefix.resize(prefix.size() - 3);
}

std::chrono::microseconds Micros(double seconds) {
  return std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

void SetTimeouts(httplib::Client& client, double connect_seconds, double read_seconds) {
  auto connect = Micros(connect_seconds);
  auto read = Micros(read_seconds);
  client.set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(connect).count(),
                                connect.count() % 1000000);
  client.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(read).count(), read.count() % 1000000);
}

}  // namespace

bool ProbeUpstream(const UpstreamSpec& upstream) {
  std::string origin, prefix;
  SplitBaseUrl(upstream.base_url, origin, prefix);
  httplib::Client client(origin);
  SetTimeouts(client, std::min(upstream.connect_timeout_seconds, 5.0), std::min(upstream.read_timeout_seconds, 5.0));
  auto res = client.Get((prefix + upstream.health_path).c_str());
  return res && res->status < 500;
}

UpstreamCall::UpstreamCall(const UpstreamSpec& upstream, const std::string& path, std::string body)
    : thread_(&UpstreamCall::Run, this, upstream, path, std::move(body)) {}

UpstreamCall::~UpstreamCall() {
  Cancel();
  thread_.join();
}

void UpstreamCall::Run(UpstreamSpec upstream, std::string path, std::string body) {
  std::string origin, prefix;
  SplitBaseUrl(upstream.base_url, origin, prefix);
  httplib::Client client(origin);
  SetTimeouts(client, upstream.connect_timeout_seconds, upstream.read_timeout_seconds);
  client.set_keep_alive(false);

  httplib::Request req;
  req.method = "POST";
  req.path = prefix + path;
  req.body = std::move(body);
  req.set_header("Content-Type", "application/json");
  if (!upstream.api_key.empty()) req.set_header("Authorization", "Bearer " + upstream.api_key);
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
      error_ = "cancelled";
      done_ = true;
      cv_.notify_all();
      return;
    }
    client_ = &client;
  }
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool ok = client.send(req, res, error);
  std::lock_guard<std::mutex> lock(mu_);
  client_ = nullptr;
  if (!ok) {
    error_ = cancelled_ ? "cancelled" : httplib::to_string(error);
    if (error == httplib::Error::Read && headers_) error_ = "upstream closed the stream";
  }
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

std::string UpstreamCall::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace ingot::gateway
