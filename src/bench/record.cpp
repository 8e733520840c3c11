// Per-request recording of streamed responses and per-level aggregation.
#include "bench/record.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ingot::bench {

namespace {

constexpr size_t kMaxErrorBody = 4096;
constexpr size_t kMaxMessage = 300;

std::string Clip(std::string_view s) {
  std::string out(s.substr(0, kMaxMessage));
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

std::string ErrorMessageFromBody(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    for (const char* key : {"error", "detail", "message"}) {
      auto it = j.find(key);
      if (it == j.end()) continue;
      if (it->is_string()) return Clip(it->get_ref<const std::string&>());
      if (it->is_object() && it->contains("message") && (*it)["message"].is_string()) {
        return Clip((*it)["message"].get_ref<const std::string&>());
      }
      return Clip(it->dump());
    }
  }
  return body.empty() ? "empty body" : Clip(body);
}

void StreamRecorder::OnResponse(int http_status) {
  status_ = http_status;
  record_.http_status = http_status;
}

void StreamRecorder::OnBytes(std::string_view bytes, double t) {
  if (status_ != 200) {
    error_body_.append(bytes.substr(0, kMaxErrorBody - std::min(kMaxErrorBody, error_body_.size())));
    return;
  }
  if (!record_.error_key.empty()) return;
  events_.clear();
  if (Status st = parser_.Feed(bytes, &events_); !st.ok()) {
    StreamError(st.message());
    return;
  }
  for (const std::string& data : events_) OnEvent(data, t);
}

void StreamRecorder::OnEvent(const std::string& data, double t) {
  if (done_ || !record_.error_key.empty()) return;
  Result<StreamChunk> chunk = ParseStreamChunk(data);
  if (!chunk.ok()) {
    StreamError(chunk.status().message());
    return;
  }
  if (!chunk->error.empty()) {
    StreamError(chunk->error);
    return;
  }
  if (chunk->done) {
    done_ = true;
    return;
  }
  if (chunk->content_pieces > 0) {
    if (record_.ttft_s < 0) {
      record_.ttft_s = t;
    } else {
      record_.itl_s.push_back(t - last_content_t_);
    }
    last_content_t_ = t;
    content_chunks_ += chunk->content_pieces;
  }
  if (chunk->completion_tokens) usage_completion_ = chunk->completion_tokens;
  if (chunk->prompt_tokens) record_.prompt_tokens = *chunk->prompt_tokens;
}

void StreamRecorder::StreamError(std::string message) {
  if (!record_.error_key.empty()) return;
  record_.error_key = "stream";
  record_.error_message = Clip(message);
}

RequestRecord StreamRecorder::Finish(double t) {
  record_.e2e_s = t;
  if (status_ != 200) {
    record_.error_key = std::to_string(status_);
    record_.error_message = ErrorMessageFromBody(error_body_);
    return std::move(record_);
  }
  if (record_.error_key.empty()) {
    events_.clear();
    parser_.Finish(&events_);
    for (const std::string& data : events_) OnEvent(data, t);
  }
  if (record_.error_key.empty() && !done_) StreamError("the stream ended without data: [DONE]");
  record_.tokens_from_usage = usage_completion_.has_value();
  record_.output_tokens = usage_completion_.value_or(content_chunks_);
  return std::move(record_);
}

RequestRecord StreamRecorder::FinishTransportError(std::string message, double t) {
  record_.e2e_s = t;
  record_.error_key = "transport";
  record_.error_message = Clip(message);
  return std::move(record_);
}

LevelReport AggregateLevel(int concurrency, const std::vector<RequestRecord>& records, double wall_s) {
  LevelReport r;
  r.concurrency = concurrency;
  r.wall_s = wall_s;
  r.requests = static_cast<int64_t>(records.size());
  std::vector<double> ttft, itl, tpot, e2e, tokens;
  int64_t from_usage = 0;
  for (const RequestRecord& rec : records) {
    if (!rec.ok()) {
      ++r.errors[rec.error_key];
      r.error_examples.emplace(rec.error_key, rec.error_message);
      continue;
    }
    ++r.ok;
    r.output_tokens += rec.output_tokens;
    r.prompt_tokens += rec.prompt_tokens;
    if (rec.tokens_from_usage) ++from_usage;
    tokens.push_back(double(rec.output_tokens));
    e2e.push_back(rec.e2e_s);
    if (rec.ttft_s >= 0) {
      ttft.push_back(rec.ttft_s);
      if (rec.output_tokens > 1) tpot.push_back((rec.e2e_s - rec.ttft_s) / double(rec.output_tokens - 1));
    }
    itl.insert(itl.end(), rec.itl_s.begin(), rec.itl_s.end());
  }
  if (r.ok == 0) {
    r.token_source = "none";
  } else if (from_usage == r.ok) {
    r.token_source = "usage";
  } else {
    r.token_source = from_usage == 0 ? "chunks" : "mixed";
  }
  if (wall_s > 0) {
    r.tokens_per_s = double(r.output_tokens) / wall_s;
    r.requests_per_s = double(r.ok) / wall_s;
  }
  r.ttft_s = Summarize(std::move(ttft));
  r.itl_s = Summarize(std::move(itl));
  r.tpot_s = Summarize(std::move(tpot));
  r.e2e_s = Summarize(std::move(e2e));
  r.output_tokens_per_request = Summarize(std::move(tokens));
  return r;
}

}  // namespace ingot::bench
