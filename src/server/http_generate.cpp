// /v1/chat/completions and /v1/completions: validate, render, tokenize, submit to the engine, then answer with
// one JSON body or an SSE stream. Engine callbacks only queue events; the HTTP thread builds the output, watches
// the client connection and cancels the sequence when the client leaves or the time limit passes.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <optional>

#include "chat/reasoning.h"
#include "server/chat_prompt.h"
#include "server/connection.h"
#include "server/http_internal.h"
#include "server/openai_request.h"
#include "server/output_builder.h"

namespace ingot::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr int kClientClosedStatus = 499;  // nginx's "client closed request" (logged, never received)

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Events from the engine thread to the HTTP thread of one request.
struct Bridge {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<engine::TokenEvent> tokens;
  std::optional<engine::FinishEvent> finish;
  std::atomic<bool> client_gone{false};
  ServerMetrics* metrics = nullptr;
  Clock::time_point arrival;
  std::optional<Clock::time_point> last_token;
};

// One submitted generation as seen by the HTTP thread.
struct Job {
  Job(OutputOptions options, const TextCodec* codec) : builder(std::move(options), codec) {}

  ServerState* state = nullptr;
  const ServedModel* model = nullptr;
  std::shared_ptr<Bridge> bridge;
  uint64_t id = 0;
  OutputBuilder builder;
  std::unique_ptr<ConnectionWatch> watch;
  std::optional<Clock::time_point> deadline;
  bool timed_out = false;
  bool started = false;
  bool finished = false;

  // Waits up to kPollInterval; moves queued tokens into `tokens` and returns the finish event if it came.
  std::optional<engine::FinishEvent> Wait(std::deque<engine::TokenEvent>* tokens) {
    std::unique_lock<std::mutex> lock(bridge->mu);
    bridge->cv.wait_for(lock, kPollInterval, [&] { return !bridge->tokens.empty() || bridge->finish.has_value(); });
    tokens->swap(bridge->tokens);
    return bridge->finish;
  }

  // Cancels when the client is gone, the server stops or the deadline passed (the engine also enforces it).
  void CheckAbandoned() {
    bool gone = bridge->client_gone || state->stopping || (watch && watch->PeerClosed());
    if (gone && !bridge->client_gone.exchange(true)) model->engine->Cancel(id);
    if (deadline && Clock::now() > *deadline && !timed_out) {
      timed_out = true;
      model->engine->Cancel(id);
    }
  }

  // Responses by HTTP status are counted by the server's logger; this records how the generation ended.
  void RecordFinish(const engine::FinishEvent& finish) {
    finished = true;
    ServerMetrics& m = state->metrics;
    m.ObserveEndToEnd(Seconds(Clock::now() - bridge->arrival));
    if (bridge->client_gone) {
      m.RecordFinish("cancelled");
    } else if (timed_out) {
      m.RecordFinish("timeout");
    } else if (finish.reason == engine::FinishReason::kError) {
      m.RecordFinish("error");
    } else {
      m.RecordFinish(FinishReasonString(finish.reason));
    }
  }

  // The error to report for a finish event, if it is not a normal end. A cancellation the client did not
  // cause is the time limit (enforced by the engine through the deadline, or by CheckAbandoned).
  std::optional<ApiError> FinishError(const engine::FinishEvent& finish) {
    if (finish.reason == engine::FinishReason::kError) return FromStatus(finish.status);
    if (finish.reason == engine::FinishReason::kCancelled && !bridge->client_gone) {
      timed_out = true;
      return Timeout();
    }
    return std::nullopt;
  }
};

void RunToCompletion(Job& job, httplib::Response& res) {
  std::deque<engine::TokenEvent> tokens;
  for (;;) {
    std::optional<engine::FinishEvent> finish = job.Wait(&tokens);
    for (const engine::TokenEvent& t : tokens) job.builder.AddToken(t);
    tokens.clear();
    if (finish) {
      std::optional<ApiError> error = job.FinishError(*finish);
      if (error) {
        SendError(res, *error);
      } else {
        SendJson(res, job.builder.Complete(*finish));
      }
      job.RecordFinish(*finish);
      if (job.bridge->client_gone) res.status = kClientClosedStatus;
      return;
    }
    job.CheckAbandoned();
  }
}

// One call of httplib's chunked content provider: writes what is ready, returns false to drop the connection.
bool StreamStep(Job& job, httplib::DataSink& sink) {
  auto write = [&](const std::string& data) {
    if (data.empty() || sink.write(data.data(), data.size())) return true;
    if (!job.bridge->client_gone.exchange(true)) job.model->engine->Cancel(job.id);
    return false;
  };
  if (!job.started) {
    job.started = true;
    return write(job.builder.StreamStart());
  }
  std::deque<engine::TokenEvent> tokens;
  std::optional<engine::FinishEvent> finish = job.Wait(&tokens);
  std::string out;
  for (const engine::TokenEvent& t : tokens) out += job.builder.StreamToken(t);
  if (finish) {
    std::optional<ApiError> error = job.FinishError(*finish);
    out += error ? SseEvent(error->ToJson()) + std::string(kSseDone) : job.builder.StreamFinish(*finish);
    bool ok = write(out);
    job.RecordFinish(*finish);
    if (ok) sink.done();
    return ok;
  }
  if (!write(out)) return false;
  job.CheckAbandoned();
  return !job.bridge->client_gone;
}

// Everything both endpoints share after parsing: checks, submission and the response.
void Generate(ServerState& state, const ServedModel& model, const httplib::Request& req, httplib::Response& res,
              const GenerationFields& gen, std::vector<int32_t> prompt, OutputOptions output) {
  const auto arrival = Clock::now();
  if (static_cast<int32_t>(prompt.size()) >= model.engine->summary().n_ctx) {
    SendError(res, PromptTooLong(static_cast<int>(prompt.size()), model.engine->summary().n_ctx));
    return;
  }
  for (const auto& [token, bias] : gen.sampling.logit_bias) {
    if (token >= model.codec->vocab_size()) {
      SendError(res, InvalidField("logit_bias", "token " + std::to_string(token) + " is outside the vocabulary"));
      return;
    }
  }
  engine::GenerateRequest request;
  request.prompt = std::move(prompt);
  request.sampling = gen.sampling;
  request.max_tokens = gen.max_tokens;
  request.stop = gen.stop;
  request.ignore_eos = gen.ignore_eos;
  if (state.options.timeout_seconds > 0) {
    request.deadline = arrival + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(state.options.timeout_seconds));
  }

  output.meta.created = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  output.meta.model = model.id;
  auto job = std::make_shared<Job>(std::move(output), model.codec.get());
  job->state = &state;
  job->model = &model;
  job->deadline = request.deadline;
  job->bridge = std::make_shared<Bridge>();
  job->bridge->metrics = &state.metrics;
  job->bridge->arrival = arrival;

  std::shared_ptr<Bridge> bridge = job->bridge;
  auto on_token = [bridge](const engine::TokenEvent& event) {
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(bridge->mu);
    if (bridge->last_token) {
      bridge->metrics->ObserveInterToken(Seconds(now - *bridge->last_token));
    } else {
      bridge->metrics->ObserveTimeToFirstToken(Seconds(now - bridge->arrival));
    }
    bridge->last_token = now;
    bridge->tokens.push_back(event);
    bridge->cv.notify_all();
    return !bridge->client_gone.load();
  };
  auto on_finish = [bridge](const engine::FinishEvent& event) {
    std::lock_guard<std::mutex> lock(bridge->mu);
    bridge->finish = event;
    bridge->cv.notify_all();
  };
  Result<uint64_t> id = model.engine->Submit(std::move(request), on_token, on_finish);
  if (!id.ok()) {
    SendError(res, FromStatus(id.status()));
    return;
  }
  job->id = *id;
  job->watch = std::make_unique<ConnectionWatch>(req.local_addr, req.local_port, req.remote_addr, req.remote_port);

  if (!gen.stream) {
    RunToCompletion(*job, res);
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream", [job](size_t, httplib::DataSink& sink) { return StreamStep(*job, sink); },
      [job](bool) {
        if (job->finished) return;
        if (!job->bridge->client_gone.exchange(true)) job->model->engine->Cancel(job->id);
        job->state->metrics.RecordFinish("cancelled");
      });
}

}  // namespace

void HandleChatCompletions(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const ServedModel* model = RequireModel(state, res);
  nlohmann::ordered_json body;
  if (model == nullptr || !ParseBody(req, res, &body)) return;
  ChatRequest chat;
  if (std::optional<ApiError> e = ParseChatRequest(body, &chat)) return SendError(res, *e);
  if (!CheckModelName(*model, chat.gen.model, res)) return;
  Result<std::string> prompt = RenderChatPrompt(chat.render, *model->renderer);
  if (!prompt.ok()) return SendError(res, FromStatus(prompt.status()));

  OutputOptions output;
  output.kind = ApiKind::kChat;
  output.meta.id = NewResponseId("chatcmpl-");
  output.reasoning = chat::DetectReasoningSyntax(state.options.reasoning_format, model->renderer->source(), *prompt);
  output.logprobs = chat.gen.logprobs;
  output.include_usage = chat.gen.include_usage;
  Generate(state, *model, req, res, chat.gen, TokenizePrompt(*prompt, *model->codec), std::move(output));
}

void HandleCompletions(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const ServedModel* model = RequireModel(state, res);
  nlohmann::ordered_json body;
  if (model == nullptr || !ParseBody(req, res, &body)) return;
  CompletionRequest completion;
  if (std::optional<ApiError> e = ParseCompletionRequest(body, &completion)) return SendError(res, *e);
  if (!CheckModelName(*model, completion.gen.model, res)) return;
  std::vector<int32_t> prompt = completion.prompt_tokens;
  if (completion.prompt_is_tokens) {
    for (int32_t t : prompt) {
      if (t >= model->codec->vocab_size()) {
        return SendError(res, InvalidField("prompt", "token " + std::to_string(t) + " is outside the vocabulary"));
      }
    }
  } else {
    prompt = model->codec->Encode(completion.prompt_text, /*add_special=*/true, /*parse_special=*/true);
  }
  if (prompt.empty()) return SendError(res, InvalidField("prompt", "must not be empty"));

  OutputOptions output;
  output.kind = ApiKind::kCompletion;
  output.meta.id = NewResponseId("cmpl-");
  output.logprobs = completion.gen.logprobs;
  output.include_usage = completion.gen.include_usage;
  Generate(state, *model, req, res, completion.gen, std::move(prompt), std::move(output));
}

}  // namespace ingot::server
