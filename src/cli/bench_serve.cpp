// `ingot bench serve --url http://127.0.0.1:PORT --concurrency 1,4,8,16 --max-tokens 128 [--prompts FILE]`:
// streams chat completions from C concurrent clients per level and prints tok/s, req/s and TTFT / inter-token /
// end-to-end latency percentiles as a table, or as JSON with --json. Progress goes to stderr.
#include "cli/bench_serve.h"

#include <cstdio>
#include <memory>
#include <string>

#include "bench/prompts.h"
#include "bench/runner.h"
#include "cli/commands.h"

namespace ingot::cli {

namespace {

struct ServeFlags {
  bench::ServeBenchOptions bench;
  std::string prompts;
  double temperature = 0;
  CLI::Option* temperature_flag = nullptr;  // unset: leave the field out (the server's default)
  bool json = false;
};

void RunBenchServe(const ServeFlags& f) {
  bench::ServeBenchOptions options = f.bench;
  if (f.temperature_flag->count() > 0) options.temperature = f.temperature;
  std::vector<bench::Prompt> prompts;
  std::string source = "built-in";
  if (f.prompts.empty()) {
    prompts = bench::DefaultPrompts();
  } else {
    Result<std::vector<bench::Prompt>> loaded = bench::LoadPrompts(f.prompts);
    if (!loaded.ok()) Fail(loaded.status());
    prompts = std::move(loaded).value();
    source = f.prompts;
  }
  std::fprintf(stderr, "bench serve: %s, %zu prompts (%s), levels", options.url.c_str(), prompts.size(),
               source.c_str());
  for (int c : options.concurrency) std::fprintf(stderr, " %d", c);
  std::fprintf(stderr, "\n");
  auto progress = [](const bench::LevelReport& l) {
    std::fprintf(stderr, "  concurrency %d: %lld/%lld ok in %.1f s, %.1f tok/s\n", l.concurrency,
                 static_cast<long long>(l.ok), static_cast<long long>(l.requests), l.wall_s, l.tokens_per_s);
  };
  Result<bench::ServeBenchReport> report = bench::RunServeBench(options, prompts, source, progress);
  if (!report.ok()) Fail(report.status());
  if (f.json) {
    std::printf("%s\n", bench::ReportJson(*report).dump(2).c_str());
  } else {
    std::printf("%s", bench::FormatTable(*report).c_str());
  }
}

}  // namespace

void AddBenchServeCommand(CLI::App* bench) {
  auto f = std::make_shared<ServeFlags>();
  bench::ServeBenchOptions& o = f->bench;
  auto* cmd = bench->add_subcommand(
      "serve", "Load-test an OpenAI-compatible server (ingot, llama-server, vLLM) with streaming chat requests");
  cmd->add_option("--url", o.url, "Server base URL, e.g. http://127.0.0.1:8080 (a /v1 suffix is optional)")
      ->required();
  cmd->add_option("-c,--concurrency", o.concurrency, "Concurrent clients per level, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("-n,--max-tokens", o.max_tokens, "max_tokens of every request")->capture_default_str();
  cmd->add_option("--prompts", f->prompts,
                  "Prompt file: one prompt per line, or JSON Lines (.jsonl: {\"prompt\"}, {\"messages\"}, "
                  "ShareGPT); default: a built-in set of a few hundred varied prompts");
  cmd->add_option("--requests", o.requests, "Requests per level (default without --duration: max(16, 4 x C))");
  cmd->add_option("--duration", o.duration_s, "Seconds per level after which no new request starts");
  cmd->add_option("-m,--model", o.model, "Model name to send (default: the first id from GET /v1/models)");
  cmd->add_option("--api-key", o.api_key, "Sent as 'Authorization: Bearer KEY'");
  f->temperature_flag =
      cmd->add_option("--temperature", f->temperature, "Sampling temperature (default: the server's)");
  cmd->add_option("--seed", o.seed, "Seed of the prompt order")->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Requests sent before the first level, not counted")->capture_default_str();
  cmd->add_option("--timeout", o.timeout_s, "Seconds to wait for a connection or for the next bytes")
      ->capture_default_str();
  cmd->add_flag("--ignore-eos", o.ignore_eos, "Ask the server to generate max_tokens even past end-of-sequence");
  cmd->add_flag("--json", f->json, "Print JSON instead of a table");
  cmd->callback([f] { RunBenchServe(*f); });
}

}  // namespace ingot::cli
