// /v1/chat/completions and /v1/completions: validate, render, tokenize, submit to the engine, then answer with
// one JSON body or an SSE stream. A request with `n` choices runs as n sequences. Engine callbacks only queue
// events; the HTTP thread builds the output, watches the client connection and cancels the sequences when the
// client leaves or the time limit passes.
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

// One engine event of choice `index`: a token, or the finish (then `finish` is set).
struct ChoiceEvent {
  ChoiceEvent(int i, const engine::TokenEvent& t) : index(i), token(t) {}
  ChoiceEvent(int i, const engine::FinishEvent& f) : index(i), finish(f) {}

  int index = 0;
  engine::TokenEvent token;
  std::optional<engine::FinishEvent> finish;
};

// Events from the engine thread to the HTTP thread of one request (all its choices).
struct Bridge {
  explicit Bridge(int n) : last_token(n) {}

  std::mutex mu;
  std::condition_variable cv;
  std::deque<ChoiceEvent> events;
  std::atomic<bool> client_gone{false};
  ServerMetrics* metrics = nullptr;
  Clock::time_point arrival;
  std::vector<std::optional<Clock::time_point>> last_token;  // per choice, for the inter-token latency

  void Push(ChoiceEvent event) {
    std::lock_guard<std::mutex> lock(mu);
    if (!event.finish) {
      const auto now = Clock::now();
      std::optional<Clock::time_point>& last = last_token[event.index];
      if (last) {
        metrics->ObserveInterToken(Seconds(now - *last));
      } else {
        metrics->ObserveTimeToFirstToken(Seconds(now - arrival));
      }
      last = now;
    }
    events.push_back(std::move(event));
    cv.notify_all();
  }
};

// One generated choice: its engine sequence and output.
struct Choice {
  Choice(OutputOptions options, const TextCodec* codec) : builder(std::move(options), codec) {}

  uint64_t id = 0;
  OutputBuilder builder;
  std::optional<engine::FinishEvent> finish;
};

// One request as seen by the HTTP thread: `n` choices generated as independent sequences.
struct Job {
  ServerState* state = nullptr;
  const ServedModel* model = nullptr;
  OutputOptions options;
  std::shared_ptr<Bridge> bridge;
  std::vector<Choice> choices;
  std::unique_ptr<ConnectionWatch> watch;
  std::optional<Clock::time_point> deadline;
  std::optional<ApiError> error;  // the first abnormal finish
  size_t n_finished = 0;
  bool timed_out = false;
  bool started = false;
  bool finished = false;

  // Waits up to kPollInterval; moves queued events into `events`.
  void Wait(std::deque<ChoiceEvent>* events) {
    std::unique_lock<std::mutex> lock(bridge->mu);
    bridge->cv.wait_for(lock, kPollInterval, [&] { return !bridge->events.empty(); });
    events->swap(bridge->events);
  }

  void CancelAll() {
    for (const Choice& c : choices) {
      if (!c.finish) model->engine->Cancel(c.id);
    }
  }

  // Cancels when the client is gone, the server stops or the deadline passed (the engine also enforces it).
  void CheckAbandoned() {
    bool gone = bridge->client_gone || state->stopping || (watch && watch->PeerClosed());
    if (gone && !bridge->client_gone.exchange(true)) CancelAll();
    if (deadline && Clock::now() > *deadline && !timed_out) {
      timed_out = true;
      CancelAll();
    }
  }

  // Records a choice's finish; returns true when it was the last one. Responses by HTTP status are counted by
  // the server's logger; this records how each generation ended.
  bool Finish(Choice& choice, const engine::FinishEvent& event) {
    choice.finish = event;
    if (!error) error = FinishError(event);
    if (error) CancelAll();
    ServerMetrics& m = state->metrics;
    m.ObserveEndToEnd(Seconds(Clock::now() - bridge->arrival));
    if (bridge->client_gone) {
      m.RecordFinish("cancelled");
    } else if (timed_out) {
      m.RecordFinish("timeout");
    } else if (event.reason == engine::FinishReason::kError) {
      m.RecordFinish("error");
    } else {
      m.RecordFinish(FinishReasonString(event.reason));
    }
    finished = ++n_finished == choices.size();
    return finished;
  }

  // The error to report for a finish event, if it is not a normal end. A cancellation the client did not
  // cause is the time limit (enforced by the engine through the deadline, or by CheckAbandoned) or another
  // choice's failure.
  std::optional<ApiError> FinishError(const engine::FinishEvent& finish) {
    if (finish.reason == engine::FinishReason::kError) return FromStatus(finish.status);
    if (finish.reason == engine::FinishReason::kCancelled && !bridge->client_gone) {
      timed_out = true;
      return Timeout();
    }
    return std::nullopt;
  }

  Usage TotalUsage() const {
    std::vector<engine::FinishEvent> finishes;
    for (const Choice& c : choices) finishes.push_back(*c.finish);
    return MergeUsage(finishes);
  }
};

void RunToCompletion(Job& job, httplib::Response& res) {
  std::deque<ChoiceEvent> events;
  for (;;) {
    job.Wait(&events);
    for (ChoiceEvent& e : events) {
      Choice& choice = job.choices[e.index];
      if (!e.finish) {
        choice.builder.AddToken(e.token);
      } else if (job.Finish(choice, *e.finish)) {
        if (job.error) {
          SendError(res, *job.error);
        } else {
          nlohmann::json body = nlohmann::json::array();
          for (Choice& c : job.choices) body.push_back(c.builder.CompleteChoice(*c.finish));
          SendJson(res, CompletionBody(job.options, std::move(body), job.TotalUsage()));
        }
        if (job.bridge->client_gone) res.status = kClientClosedStatus;
        return;
      }
    }
    events.clear();
    job.CheckAbandoned();
  }
}

// One call of httplib's chunked content provider: writes what is ready, returns false to drop the connection.
// With several choices their chunks interleave, each tagged with its index; usage and [DONE] come once.
bool StreamStep(Job& job, httplib::DataSink& sink) {
  auto write = [&](const std::string& data) {
    if (data.empty() || sink.write(data.data(), data.size())) return true;
    if (!job.bridge->client_gone.exchange(true)) job.CancelAll();
    return false;
  };
  if (!job.started) {
    job.started = true;
    std::string out;
    for (Choice& c : job.choices) out += c.builder.StreamStart();
    return write(out);
  }
  std::deque<ChoiceEvent> events;
  job.Wait(&events);
  std::string out;
  for (ChoiceEvent& e : events) {
    Choice& choice = job.choices[e.index];
    if (!e.finish) {
      if (!job.error) out += choice.builder.StreamToken(e.token);
      continue;
    }
    bool last = job.Finish(choice, *e.finish);
    if (!job.error) out += choice.builder.StreamFinish(*e.finish);
    if (!last) continue;
    out += job.error ? SseEvent(job.error->ToJson()) + std::string(kSseDone) : StreamEnd(job.options, job.TotalUsage());
    bool ok = write(out);
    if (ok) sink.done();
    return ok;
  }
  if (!write(out)) return false;
  job.CheckAbandoned();
  return !job.bridge->client_gone;
}

// Everything both endpoints share after parsing: checks, submission of the `n` choices and the response.
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
  std::optional<Clock::time_point> deadline;
  if (state.options.timeout_seconds > 0) {
    deadline = arrival + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(state.options.timeout_seconds));
  }
  output.meta.created = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  output.meta.model = model.id;

  auto job = std::make_shared<Job>();
  job->state = &state;
  job->model = &model;
  job->options = output;
  job->deadline = deadline;
  job->bridge = std::make_shared<Bridge>(gen.n);
  job->bridge->metrics = &state.metrics;
  job->bridge->arrival = arrival;
  job->choices.reserve(gen.n);
  for (int i = 0; i < gen.n; ++i) {
    OutputOptions choice_output = output;
    choice_output.index = i;
    job->choices.emplace_back(std::move(choice_output), model.codec.get());
  }

  for (int i = 0; i < gen.n; ++i) {
    engine::GenerateRequest request;
    request.prompt = prompt;
    request.sampling = gen.sampling;
    // A fixed seed stays reproducible, and the choices still differ from each other.
    if (request.sampling.seed) *request.sampling.seed += static_cast<uint64_t>(i);
    request.max_tokens = gen.max_tokens;
    request.stop = gen.stop;
    request.ignore_eos = gen.ignore_eos;
    request.deadline = deadline;
    std::shared_ptr<Bridge> bridge = job->bridge;
    auto on_token = [bridge, i](const engine::TokenEvent& event) {
      bridge->Push(ChoiceEvent(i, event));
      return !bridge->client_gone.load();
    };
    auto on_finish = [bridge, i](const engine::FinishEvent& event) { bridge->Push(ChoiceEvent(i, event)); };
    Result<uint64_t> id = model.engine->Submit(std::move(request), on_token, on_finish);
    if (!id.ok()) {
      // Choices already queued are cancelled; their finish events go to a bridge nobody reads.
      job->bridge->client_gone = true;
      for (int j = 0; j < i; ++j) model.engine->Cancel(job->choices[j].id);
      SendError(res, FromStatus(id.status()));
      return;
    }
    job->choices[i].id = *id;
  }
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
        if (!job->bridge->client_gone.exchange(true)) job->CancelAll();
        for (const Choice& c : job->choices) {
          if (!c.finish) job->state->metrics.RecordFinish("cancelled");
        }
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
