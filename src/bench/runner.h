// `ingot bench serve`: an HTTP load generator for OpenAI-compatible servers (ingot, llama-server, vLLM).
//
//   ingot bench serve --url http://127.0.0.1:8080 --concurrency 1,4,8,16 --max-tokens 128 [--prompts FILE]
//       [--requests N] [--duration S] [--model NAME] [--api-key KEY] [--temperature T] [--seed N]
//       [--warmup N] [--timeout S] [--ignore-eos] [--json]
//
// For each concurrency level C it runs C client threads, each with its own keep-alive connection, that send
// streaming chat completions back to back until the level's budget is spent: --requests N in total, or new
// requests stop after --duration S (requests in flight finish and count), whichever comes first; with neither,
// max(16, 4 * C) requests. Prompts come from a shuffled (--seed) order that continues across levels, so later
// levels do not replay earlier prompts into a prefix cache while the set lasts. Generated tokens are taken
// from the usage chunk (stream_options.include_usage) when the server sends one, else content chunks are
// counted. Time to first token is measured to the first chunk with content (a role-only first delta does
// not count); inter-token latency is the gap between consecutive content chunks.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/prompts.h"
#include "bench/report.h"
#include "util/status.h"

namespace ingot::bench {

struct ServeBenchOptions {
  std::string url;                          // http://HOST:PORT (see ParseUrl)
  std::vector<int> concurrency = {1, 4, 8, 16};
  int max_tokens = 128;
  std::string model;                        // empty: the first id from GET /v1/models
  std::string api_key;                      // sent as "Authorization: Bearer KEY" when set
  std::optional<double> temperature;        // unset: the server's default
  uint64_t seed = 0;                        // prompt order
  int64_t requests = 0;                     // per level; 0 for no request limit
  double duration_s = 0;                    // per level; 0 for no time limit
  int warmup = 1;                           // requests sent one at a time before the first level, not counted
  double timeout_s = 300;                   // connect timeout and longest wait for bytes of a response
  bool ignore_eos = false;
};

// Checks ranges; names the flag in the message.
Status ValidateOptions(const ServeBenchOptions& options);

// Requests sent at one level when only a time limit or no limit was given (see the file comment).
int64_t RequestBudget(const ServeBenchOptions& options, int concurrency);

// Called after each level, e.g. to print progress.
using LevelCallback = std::function<void(const LevelReport&)>;

// Runs every level. Fails (kUnavailable, or the failing request's message) when the server cannot be reached
// or a warm-up request fails; errors during the levels are counted in the report instead.
Result<ServeBenchReport> RunServeBench(const ServeBenchOptions& options, const std::vector<Prompt>& prompts,
                                       const std::string& prompt_source, const LevelCallback& on_level = {});

}  // namespace ingot::bench
