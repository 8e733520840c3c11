// `ingot run MODEL -p PROMPT`: generate from a raw prompt, streaming text to stdout; timings to stderr.
#include <cstdio>
#include <future>
#include <memory>

#include "cli/commands.h"
#include "cli/store_commands.h"
#include "engine/load.h"
#include "tokenizer/tokenizer.h"
#include "util/mapped_file.h"

namespace ingot::cli {

namespace {

struct RunOptions {
  std::string model;
  std::string prompt;
  std::string prompt_file;
  int32_t n_predict = 256;
  int32_t threads = 0;
  int32_t ctx_size = 0;
  float temperature = 0.8f;
  int32_t top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  int64_t seed = -1;
  bool no_display_prompt = false;
  bool ignore_eos = false;
};

void Run(const RunOptions& o) {
  std::string prompt = o.prompt;
  if (!o.prompt_file.empty()) {
    auto text = ReadFileToString(o.prompt_file);
    if (!text.ok()) Fail(text.status());
    prompt = *text;
  }
  auto path = ResolveModelArgument(o.model, true);
  if (!path.ok()) Fail(path.status());
  engine::EngineOptions eo;
  eo.model_path = *path;
  eo.n_threads = o.threads;
  eo.n_ctx = o.ctx_size;
  eo.n_parallel = 1;
  auto eng = engine::LoadEngine(eo);
  if (!eng.ok()) Fail(eng.status());
  engine::Engine& engine = **eng;

  engine::GenerateRequest req;
  req.prompt = engine.tokenizer().Encode(prompt, true, false);
  req.max_tokens = o.n_predict;
  req.ignore_eos = o.ignore_eos;
  req.sampling.temperature = o.temperature;
  req.sampling.top_k = o.top_k;
  req.sampling.top_p = o.top_p;
  req.sampling.min_p = o.min_p;
  req.sampling.repeat_penalty = o.repeat_penalty;
  if (o.seed >= 0) req.sampling.seed = uint64_t(o.seed);
  if (!o.no_display_prompt) {
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
  }
  std::promise<engine::FinishEvent> done;
  auto submitted = engine.Submit(
      std::move(req),
      [](const engine::TokenEvent& ev) {
        std::fwrite(ev.text.data(), 1, ev.text.size(), stdout);
        std::fflush(stdout);
        return true;
      },
      [&](const engine::FinishEvent& ev) { done.set_value(ev); });
  if (!submitted.ok()) Fail(submitted.status());
  engine::FinishEvent fin = done.get_future().get();
  std::fwrite(fin.text.data(), 1, fin.text.size(), stdout);
  std::fputs("\n", stdout);
  std::fflush(stdout);
  if (!fin.status.ok()) Fail(fin.status);
  const double prefill_tps = fin.prefill_seconds > 0 ? (fin.prompt_tokens - fin.cached_tokens) / fin.prefill_seconds : 0;
  const double decode_tps = fin.decode_seconds > 0 && fin.completion_tokens > 1
                                ? (fin.completion_tokens - 1) / fin.decode_seconds
                                : 0;
  std::fprintf(stderr, "\nprompt: %d tokens, %.1f tok/s | generated: %d tokens, %.1f tok/s | finish: %s\n",
               fin.prompt_tokens, prefill_tps, fin.completion_tokens, decode_tps,
               engine::FinishReasonName(fin.reason));
}

}  // namespace

void AddRunCommand(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Generate text from a prompt with a GGUF model");
  cmd->add_option("model", o->model, "GGUF model: a path, a stored model or a catalog name (pulled on first use)")
      ->required();
  cmd->add_option("-p,--prompt", o->prompt, "Prompt text");
  cmd->add_option("-f,--file", o->prompt_file, "Read the prompt from a file");
  cmd->add_option("-n,--n-predict", o->n_predict, "Maximum tokens to generate (-1: until end of text)")
      ->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "Threads (0: physical cores)")->capture_default_str();
  cmd->add_option("-c,--ctx-size", o->ctx_size, "Context size in tokens (0: model's, capped at 8192)")
      ->capture_default_str();
  cmd->add_option("--temp", o->temperature, "Temperature (0: greedy)")->capture_default_str();
  cmd->add_option("--top-k", o->top_k, "Top-k (0: off)")->capture_default_str();
  cmd->add_option("--top-p", o->top_p, "Top-p (1: off)")->capture_default_str();
  cmd->add_option("--min-p", o->min_p, "Min-p (0: off)")->capture_default_str();
  cmd->add_option("--repeat-penalty", o->repeat_penalty, "Repetition penalty (1: off)")->capture_default_str();
  cmd->add_option("-s,--seed", o->seed, "Random seed (-1: random)")->capture_default_str();
  cmd->add_flag("--no-display-prompt", o->no_display_prompt, "Do not echo the prompt");
  cmd->add_flag("--ignore-eos", o->ignore_eos, "Keep generating past end-of-text tokens");
  cmd->callback([o] { Run(*o); });
}

}  // namespace ingot::cli
