// Concurrency levels of streaming chat requests, one thread and one connection per concurrent client.
#include "bench/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <random>
#include <thread>

#include "bench/client.h"

namespace ingot::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxConcurrency = 4096;

// The shared state of one level: which request comes next and when to stop sending.
struct LevelPlan {
  const std::vector<Prompt>* prompts;
  const std::vector<size_t>* order;
  uint64_t first;  // position in `order` of the level's first request
  int64_t limit;   // 0: none
  std::optional<Clock::time_point> deadline;
  std::atomic<int64_t> next{0};

  // The prompt of the next request, or nullptr when the level is over.
  const Prompt* Claim() {
    if (deadline && Clock::now() >= *deadline) return nullptr;
    const int64_t k = next.fetch_add(1);
    if (limit > 0 && k >= limit) return nullptr;
    return &(*prompts)[(*order)[(first + uint64_t(k)) % order->size()]];
  }
};

}  // namespace

Status ValidateOptions(const ServeBenchOptions& o) {
  if (o.concurrency.empty()) return InvalidArgument("--concurrency needs at least one level");
  for (int c : o.concurrency) {
    if (c < 1 || c > kMaxConcurrency) {
      return InvalidArgument("--concurrency levels must be in 1.." + std::to_string(kMaxConcurrency));
    }
  }
  if (o.max_tokens < 1) return InvalidArgument("--max-tokens must be >= 1");
  if (o.requests < 0) return InvalidArgument("--requests must be >= 0");
  if (!(o.duration_s >= 0)) return InvalidArgument("--duration must be >= 0");
  if (o.warmup < 0) return InvalidArgument("--warmup must be >= 0");
  if (!(o.timeout_s > 0)) return InvalidArgument("--timeout must be > 0");
  if (o.temperature && !(*o.temperature >= 0)) return InvalidArgument("--temperature must be >= 0");
  return Status::Ok();
}

int64_t RequestBudget(const ServeBenchOptions& o, int concurrency) {
  if (o.requests > 0) return o.requests;
  if (o.duration_s > 0) return 0;
  return std::max<int64_t>(16, 4 * int64_t{concurrency});
}

Result<ServeBenchReport> RunServeBench(const ServeBenchOptions& options, const std::vector<Prompt>& prompts,
                                       const std::string& prompt_source, const LevelCallback& on_level) {
  INGOT_RETURN_IF_ERROR(ValidateOptions(options));
  if (prompts.empty()) return InvalidArgument("no prompts");
  INGOT_ASSIGN_OR_RETURN(Endpoint endpoint, ParseUrl(options.url));

  ServeBenchReport report;
  report.url = options.url;
  report.max_tokens = options.max_tokens;
  report.temperature = options.temperature;
  report.seed = options.seed;
  report.prompt_source = prompt_source;
  report.prompt_count = prompts.size();

  ChatSettings settings;
  settings.max_tokens = options.max_tokens;
  settings.temperature = options.temperature;
  settings.ignore_eos = options.ignore_eos;
  settings.model = options.model;
  {
    Connection probe(endpoint, options.api_key, options.timeout_s);
    if (settings.model.empty()) {
      Result<std::string> id = probe.FirstModelId();
      if (!id.ok() && id.status().code() == Code::kUnavailable) return id.status();
      if (id.ok()) settings.model = *id;
    }
    report.model = settings.model;
  }

  std::vector<size_t> order(prompts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(options.seed);
  std::shuffle(order.begin(), order.end(), rng);
  uint64_t position = 0;

  if (options.warmup > 0) {
    Connection conn(endpoint, options.api_key, options.timeout_s);
    for (int i = 0; i < options.warmup; ++i) {
      const Prompt& p = prompts[order[position++ % order.size()]];
      RequestRecord rec = conn.StreamChat(BuildChatBody(p, settings));
      if (!rec.ok()) {
        return Unavailable("warm-up request failed (" + rec.error_key + "): " + rec.error_message);
      }
    }
  }

  for (int concurrency : options.concurrency) {
    LevelPlan plan{&prompts, &order, position, RequestBudget(options, concurrency), std::nullopt};
    std::vector<std::vector<RequestRecord>> per_client(static_cast<size_t>(concurrency));
    const Clock::time_point start = Clock::now();
    if (options.duration_s > 0) {
      plan.deadline = start + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(options.duration_s));
    }
    std::vector<std::thread> clients;
    clients.reserve(per_client.size());
    for (std::vector<RequestRecord>& records : per_client) {
      clients.emplace_back([&plan, &records, &endpoint, &options, &settings] {
        Connection conn(endpoint, options.api_key, options.timeout_s);
        while (const Prompt* p = plan.Claim()) records.push_back(conn.StreamChat(BuildChatBody(*p, settings)));
      });
    }
    for (std::thread& t : clients) t.join();
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<RequestRecord> records;
    for (std::vector<RequestRecord>& r : per_client) {
      std::move(r.begin(), r.end(), std::back_inserter(records));
    }
    position += records.size();
    report.levels.push_back(AggregateLevel(concurrency, records, wall));
    if (on_level) on_level(report.levels.back());
  }
  return report;
}

}  // namespace ingot::bench
