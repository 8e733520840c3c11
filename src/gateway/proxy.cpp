// The gateway's proxy handler: admit, merge route defaults, try targets in order until one answers, then pass the
// answer (or the stream) through. Fallback happens only before the first byte reaches the client.
#include <nlohmann/json.hpp>

#include <ctime>
#include <sstream>

#include "gateway/config.h"
#include "gateway/gateway_state.h"
#include "gateway/local_model.h"
#include "gateway/upstream_call.h"
#include "server/http_server.h"
#include "util/log.h"

namespace ingot::gateway {
namespace {

constexpr int kClientClosed = 499;  // logged and counted for requests whose client went away (nginx's code)

std::string BearerToken(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  return auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : std::string();
}

// "2026-12-31" → "Thu, 31 Dec 2026 00:00:00 GMT" (the Sunset header's HTTP-date); other text is sent as is.
std::string HttpDate(const std::string& date) {
  std::tm tm{};
  std::istringstream in(date);
  in >> std::get_time(&tm, "%Y-%m-%d");
  if (in.fail()) return date;
  std::time_t t = timegm(&tm);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buf;
}

// What the last failed attempt said, reported when every target failed.
struct Failure {
  int http_status = 502;
  std::string type = "gateway_error";
  std::string message;
  std::string target;
  int upstream_status = 0;
  std::string upstream_body;
  double retry_after = 0;
};

Failure MakeFailure(int http_status, std::string type, std::string message, std::string target = "",
                    int upstream_status = 0, std::string upstream_body = "", double retry_after = 0) {
  return Failure{http_status, std::move(type), std::move(message), std::move(target), upstream_status,
                 std::move(upstream_body), retry_after};
}

void SendFailure(httplib::Response& res, const std::string& route, const Failure& f) {
  nlohmann::json error = {{"message", "route '" + route + "': " + f.message}, {"type", f.type}, {"code", f.type}};
  if (!f.target.empty()) error["target"] = f.target;
  if (f.upstream_status != 0) {
    error["upstream_status"] = f.upstream_status;
    nlohmann::json body = nlohmann::json::parse(f.upstream_body, nullptr, false);
    error["upstream_body"] = body.is_discarded() ? nlohmann::json(f.upstream_body) : body;
  }
  res.status = f.http_status;
  if (f.retry_after > 0) res.set_header("Retry-After", std::to_string(static_cast<int>(f.retry_after + 0.999)));
  res.set_content(nlohmann::json({{"error", error}}).dump(), "application/json");
}

// Releases the slot and the client's concurrency, records metrics and writes the request's log line. Finish() is
// called once, when the response (or stream) is over.
struct RequestRecord {
  GatewayState* state = nullptr;
  std::string api_key, route, target;
  RequestId id = 0;
  double start = 0, first_byte = 0;
  int status = 0;
  bool failed = false;
  int64_t prompt_tokens = 0, completion_tokens = 0;
  std::string sse_line;  // a partial SSE line carried between chunks

  // Picks the usage out of `data:` events (the final chunk with stream_options.include_usage).
  void ScanSse(const std::string& chunk);

  void Finish() {
    double now = state->Now();
    {
      std::lock_guard<std::mutex> lock(state->mu);
      if (id != 0) state->router.Release(id, target, failed, now);
      state->router.AddTokens(api_key, prompt_tokens + completion_tokens, now);
      state->router.ClientDone(api_key);
    }
    double ttft = first_byte > 0 ? first_byte - start : 0;
    state->metrics.RecordRequest(route, target, status, now - start, ttft, prompt_tokens, completion_tokens);
    std::ostringstream line;
    line << "gateway request route=" << route << " target=" << (target.empty() ? "-" : target) << " status=" << status
         << " prompt_tokens=" << prompt_tokens << " completion_tokens=" << completion_tokens
         << " ttft_ms=" << static_cast<int64_t>(ttft * 1000)
         << " duration_ms=" << static_cast<int64_t>((now - start) * 1000);
    LogInfo(line.str());
  }
};

void ReadUsage(const std::string& body, RequestRecord& record);

void RequestRecord::ScanSse(const std::string& chunk) {
  constexpr size_t kMaxLine = 1 << 20;  // longer lines are not usage events
  for (char c : chunk) {
    if (c != '\n') {
      if (sse_line.size() < kMaxLine) sse_line += c;
      continue;
    }
    if (sse_line.rfind("data: {", 0) == 0 && sse_line.find("\"usage\"") != std::string::npos)
      ReadUsage(sse_line.substr(6), *this);
    sse_line.clear();
  }
}

void ReadUsage(const std::string& body, RequestRecord& record) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("usage") || !json["usage"].is_object()) return;
  const nlohmann::json& usage = json["usage"];
  if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number_integer())
    record.prompt_tokens = usage["prompt_tokens"].get<int64_t>();
  if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_integer())
    record.completion_tokens = usage["completion_tokens"].get<int64_t>();
}

// Waits for the router to hand request `id` a slot. False (with `failure` set) when the load failed or the wait
// timed out.
bool WaitForSlot(GatewayState& state, RequestId id, const std::string& target, double timeout, double retry_after,
                 Failure& failure) {
  std::unique_lock<std::mutex> lock(state.mu);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<int64_t>(timeout * 1e6));
  auto& waiters = state.effects.waiters;
  state.effects.cv.wait_until(lock, deadline, [&] { return waiters[id].woken || waiters[id].failed; });
  FrontEffects::Waiter waiter = waiters[id];
  waiters.erase(id);
  if (waiter.woken) return true;
  if (!waiter.failed) state.router.Abandon(id, target);
  failure = MakeFailure(503, "gateway_error",
                    waiter.failed ? "target '" + target + "' failed to load: " + waiter.error
                                  : "timed out waiting for target '" + target + "'",
                    target, 0, "", retry_after);
  return false;
}


// What a target's answer without success means: `status` 0 (no answer), 5xx or 429. A 429, or a local model's
// 503 (its queue is full), is overload rather than failure: it falls back without counting towards the circuit
// breaker, and when no target is left the client is told to retry (429).
Failure TargetFailure(const ModelSpec& spec, const std::string& target, int status, const std::string& detail,
                      double retry_after, bool& overloaded) {
  overloaded = status == 429 || (spec.local && status == 503);
  if (overloaded) {
    return MakeFailure(429, "rate_limit_error",
                       "target '" + target + "' is overloaded (it answered " + std::to_string(status) + ")", target,
                       status, detail, retry_after);
  }
  // A local model's server failing is the model's error; a remote one's is the upstream's.
  return MakeFailure(502, spec.local ? "model_error" : "upstream_error",
                     status == 0 ? "target '" + target + "' is unreachable: " + detail
                                 : "target '" + target + "' answered " + std::to_string(status),
                     target, status, status == 0 ? "" : detail);
}

// One attempt on an in-process model.
struct LocalAttempt {
  GatewayState& state;
  const ModelSpec& spec;
  std::shared_ptr<LocalModel> model;  // kept alive until the answer (or stream) is over
  RequestId id;
  std::string target;
  double retry_after;
  std::shared_ptr<RequestRecord> record;
};

// Serves the request through the model's own server handlers on this thread. The request carries the client's
// connection addresses, so the server notices a client that leaves. False (with `failure` set and the slot
// released) when the model failed or is overloaded: the caller tries the next target.
bool ServeInProcess(const LocalAttempt& a, const std::string& path, const httplib::Request& client_req,
                    std::string body, httplib::Response& res, Failure& failure) {
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = std::move(body);
  req.set_header("Content-Type", "application/json");
  req.remote_addr = client_req.remote_addr;
  req.remote_port = client_req.remote_port;
  req.local_addr = client_req.local_addr;
  req.local_port = client_req.local_port;
  httplib::Response answer;
  a.model->server()->Handle(path, req, answer);
  int status = answer.status < 0 ? 200 : answer.status;  // a stream's status is left for httplib to fill in
  if (status >= 500 || status == 429) {
    bool overloaded = false;
    failure = TargetFailure(a.spec, a.target, status, answer.body, a.retry_after, overloaded);
    std::lock_guard<std::mutex> lock(a.state.mu);
    a.state.router.Release(a.id, a.target, !overloaded, a.state.Now());
    return false;
  }
  RequestRecord& record = *a.record;
  record.id = a.id;
  record.target = a.target;
  record.status = status;
  res.set_header("x-ingot-target", a.target);
  if (!answer.content_provider_) {
    record.first_byte = a.state.Now();
    if (status == 200) ReadUsage(answer.body, record);
    res.status = status;
    if (status >= 400) res.set_header("x-ingot-error-source", "model");
    std::string content_type = answer.get_header_value("Content-Type");
    res.set_content(answer.body, content_type.empty() ? "application/json" : content_type);
    record.Finish();
    return true;
  }
  // A stream: the server's provider writes through a sink that reads the usage and times the first byte; its
  // releaser (which cancels the generation of a client that left) runs before the request is recorded.
  httplib::ContentProvider provider = std::move(answer.content_provider_);
  httplib::ContentProviderResourceReleaser releaser = std::move(answer.content_provider_resource_releaser_);
  answer.content_provider_ = nullptr;
  answer.content_provider_resource_releaser_ = nullptr;
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  std::shared_ptr<RequestRecord> shared = a.record;
  std::shared_ptr<LocalModel> model = a.model;
  res.set_chunked_content_provider(
      "text/event-stream",
      [provider, shared, model](size_t offset, httplib::DataSink& sink) {
        httplib::DataSink inner;
        inner.write = [&sink, &shared](const char* data, size_t size) {
          if (shared->first_byte == 0) shared->first_byte = shared->state->Now();
          shared->ScanSse(std::string(data, size));
          return sink.write(data, size);
        };
        inner.done = [&sink] { sink.done(); };
        inner.is_writable = [&sink] { return sink.is_writable(); };
        return provider(offset, 0, inner);
      },
      [releaser, shared, model](bool success) {
        if (releaser) releaser(success);
        shared->Finish();
      });
  return true;
}

}  // namespace

void SendError(httplib::Response& res, int status, const std::string& type, const std::string& message,
               double retry_after_seconds) {
  res.status = status;
  if (retry_after_seconds > 0)
    res.set_header("Retry-After", std::to_string(static_cast<int>(retry_after_seconds + 0.999)));
  nlohmann::json error = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", type}};
  res.set_content(nlohmann::json({{"error", error}}).dump(), "application/json");
}

void HandleProxy(GatewayState& state, const std::string& path, const httplib::Request& req, httplib::Response& res) {
  auto record = std::make_shared<RequestRecord>();
  record->state = &state;
  record->start = state.Now();
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    SendError(res, 400, "invalid_request_error", "the request body is not a JSON object");
    return;
  }
  if (!body.contains("model") || !body["model"].is_string()) {
    SendError(res, 400, "invalid_request_error", "'model' is required (a route, alias or model name)");
    return;
  }
  std::string model = body["model"].get<std::string>();
  record->api_key = BearerToken(req);
  int64_t estimate = static_cast<int64_t>(req.body.size() / 4);
  if (body.contains("max_tokens") && body["max_tokens"].is_number_integer())
    estimate += body["max_tokens"].get<int64_t>();

  std::shared_ptr<const GatewayConfig> config;  // this request's configuration, whatever reloads happen
  const RouteSpec* route_ptr = nullptr;
  std::vector<std::string> targets;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    Admission admission = state.router.Admit(record->api_key, model, estimate, record->start);
    if (!admission.ok) {
      const Refusal& r = admission.refusal;
      SendError(res, r.http_status, r.type, r.message, r.retry_after_seconds);
      state.metrics.RecordRequest(model, "", r.http_status, 0, 0, 0, 0);
      return;
    }
    config = state.router.shared_config();
    route_ptr = admission.route;
    targets = std::move(admission.targets);
  }
  const RouteSpec& route = *route_ptr;
  const double retry_after = config->retry_after_seconds;
  record->route = route.name;
  if (path != "/v1/embeddings") ApplyRouteDefaults(route, body);
  res.set_header("x-ingot-route", route.name);
  if (route.deprecated) {
    res.set_header("Deprecation", "true");
    if (!route.deprecated->sunset.empty()) res.set_header("Sunset", HttpDate(route.deprecated->sunset));
    if (!route.deprecated->replacement.empty())
      res.set_header("Link", "<" + route.deprecated->replacement + ">; rel=\"successor-version\"");
    LogWarn("gateway: route '" + route.name + "' is deprecated" +
            (route.deprecated->replacement.empty() ? "" : "; use '" + route.deprecated->replacement + "'") +
            (route.deprecated->sunset.empty() ? "" : " (sunset " + route.deprecated->sunset + ")"));
  }
  bool stream = body.contains("stream") && body["stream"].is_boolean() && body["stream"].get<bool>();

  Failure failure = MakeFailure(503, "gateway_error", "no target could serve the request");
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string& target = targets[i];
    const ModelSpec& spec = config->models.at(target);
    if (i > 0) {
      std::lock_guard<std::mutex> lock(state.mu);
      state.router.NoteFallback(targets[i - 1]);
    }
    RequestId id = 0;
    AcquireResult acquired;
    {
      std::lock_guard<std::mutex> lock(state.mu);
      id = state.next_id++;
      acquired = state.router.Acquire(id, target, state.Now());
      if (acquired == AcquireResult::kQueued) state.effects.waiters[id] = {};
      state.SettleLoads();
    }
    if (acquired == AcquireResult::kRejected) {
      failure = MakeFailure(429, "rate_limit_error",
                            "target '" + target + "' is at its concurrency limit and its queue is full", target, 0, "",
                            retry_after);
      continue;
    }
    if (acquired == AcquireResult::kDraining) {
      failure = MakeFailure(503, "gateway_error", "target '" + target + "' is draining", target);
      continue;
    }
    if (acquired == AcquireResult::kNoMemory) {
      failure = MakeFailure(503, "gateway_error", "target '" + target + "' does not fit in the memory budget", target);
      continue;
    }
    double timeout = spec.upstream ? spec.upstream->read_timeout_seconds : config->load_timeout_seconds;
    if (acquired == AcquireResult::kQueued && !WaitForSlot(state, id, target, timeout, retry_after, failure)) continue;
    std::shared_ptr<LocalModel> local;
    if (!spec.upstream && !(local = state.Local(target))) {
      failure = MakeFailure(503, "gateway_error", "local model '" + target + "' was unloaded", target);
      std::lock_guard<std::mutex> lock(state.mu);
      state.router.Release(id, target, false, state.Now());
      continue;
    }
    // The `model` sent: the upstream's own name for it, or the name a local model serves under.
    const std::string& send_as = spec.upstream ? spec.upstream->model : target;
    std::string upstream_body;
    if (send_as.empty()) {
      upstream_body = body.dump();
    } else {
      std::string caller_model = body["model"].get<std::string>();
      body["model"] = send_as;
      upstream_body = body.dump();
      body["model"] = caller_model;  // the next target may want another name
    }
    if (local && local->server() != nullptr) {
      if (ServeInProcess({state, spec, local, id, target, retry_after, record}, path, req, std::move(upstream_body),
                         res, failure)) {
        return;
      }
      continue;
    }
    const UpstreamSpec upstream = spec.upstream ? *spec.upstream : *local->upstream();
    auto call = std::make_shared<UpstreamCall>(state.pool, upstream, path, std::move(upstream_body));
    state.Track(call);
    if (stream) {
      call->Start();
    } else {
      uint64_t watch = state.clients.Add(req, call, state.Now());
      call->RunHere();
      state.clients.Remove(watch);
    }
    int status = call->WaitForHeaders();
    if (call->cancelled()) {  // the client left (or the gateway stops): no fallback, and not the target's fault
      record->id = id;
      record->target = target;
      record->status = kClientClosed;
      record->Finish();
      return;
    }
    // A local model's server failing is the model's error; a remote one's is the upstream's.
    const char* error_type = spec.local ? "model_error" : "upstream_error";
    if (status == 0 || status >= 500 || status == 429) {
      bool overloaded = false;
      failure = TargetFailure(spec, target, status, status == 0 ? call->error() : call->ReadAll(), retry_after,
                              overloaded);
      std::lock_guard<std::mutex> lock(state.mu);
      state.router.Release(id, target, !overloaded, state.Now());
      continue;
    }
    record->id = id;
    record->target = target;
    res.set_header("x-ingot-target", target);
    record->status = status;
    std::string content_type = call->content_type();
    if (!stream || status != 200 || content_type.find("text/event-stream") == std::string::npos) {
      std::string out = call->ReadAll();
      record->first_byte = state.Now();
      if (!call->error().empty()) {
        record->failed = true;
        record->status = 502;
        SendFailure(res, route.name,
                    MakeFailure(502, error_type, "target '" + target + "' broke off: " + call->error(), target));
      } else {
        if (status == 200) ReadUsage(out, *record);
        res.status = status;
        if (status >= 400) res.set_header("x-ingot-error-source", "upstream");
        res.set_content(out, content_type.empty() ? "application/json" : content_type);
      }
      record->Finish();
      return;
    }
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [call, record, target, error_type](size_t, httplib::DataSink& sink) {
          std::string chunk;
          if (call->NextChunk(chunk)) {
            if (record->first_byte == 0) record->first_byte = record->state->Now();
            record->ScanSse(chunk);
            if (!sink.write(chunk.data(), chunk.size())) {
              call->Cancel();
              return false;
            }
            return true;
          }
          std::string error = call->error();
          if (!error.empty()) {
            record->failed = true;
            nlohmann::json event = {{"error", {{"message", "target '" + target + "' failed mid-stream: " + error},
                                               {"type", error_type}, {"code", error_type}, {"target", target}}}};
            std::string data = "data: " + event.dump() + "\n\n";
            sink.write(data.data(), data.size());
          }
          sink.done();
          return true;
        },
        [call, record](bool success) {
          if (!success) call->Cancel();
          record->Finish();
        });
    return;
  }
  record->status = failure.http_status;
  if (!failure.target.empty()) res.set_header("x-ingot-target", failure.target);
  SendFailure(res, route.name, failure);
  record->Finish();
}

}  // namespace ingot::gateway
