// Table and JSON rendering of a serve benchmark.
#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ingot::bench {

namespace {

using nlohmann::json;

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// Milliseconds with about three significant digits; "-" when there were no samples.
std::string Ms(const Summary& s, double seconds) {
  if (s.count == 0) return "-";
  const double ms = seconds * 1e3;
  return Fixed(ms, ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

std::string ErrorCell(const LevelReport& level) {
  if (level.errors.empty()) return "0";
  std::string out;
  for (const auto& [key, count] : level.errors) {
    if (!out.empty()) out += " ";
    out += key + ":" + std::to_string(count);
  }
  return out;
}

// Three decimals: microseconds for millisecond values, far below what a loopback benchmark can resolve.
double Round3(double v) { return std::round(v * 1e3) / 1e3; }

json SummaryJson(const Summary& s, double scale) {
  if (s.count == 0) {
    return {{"count", 0}, {"mean", nullptr}, {"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}, {"max", nullptr}};
  }
  return {{"count", s.count},
          {"mean", Round3(s.mean * scale)},
          {"p50", Round3(s.p50 * scale)},
          {"p90", Round3(s.p90 * scale)},
          {"p99", Round3(s.p99 * scale)},
          {"max", Round3(s.max * scale)}};
}

std::string RenderRows(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    out += "|";
    for (size_t c = 0; c < rows[r].size(); ++c) {
      out += ' ';
      out.append(width[c] - rows[r][c].size(), ' ');
      out += rows[r][c];
      out += " |";
    }
    out += "\n";
    if (r == 0) {
      out += "|";
      for (size_t w : width) {
        out.append(w + 1, '-');
        out += ":|";
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace

std::string FormatTable(const ServeBenchReport& report) {
  std::string out = "url " + report.url + "  model " + (report.model.empty() ? "(server default)" : report.model) +
                    "  max_tokens " + std::to_string(report.max_tokens) + "  temperature " +
                    (report.temperature ? Fixed(*report.temperature, 2) : std::string("(server default)")) +
                    "  prompts " + std::to_string(report.prompt_count) + " (" + report.prompt_source + ", seed " +
                    std::to_string(report.seed) + ")\n";
  std::vector<std::vector<std::string>> rows = {{"conc", "reqs", "ok", "tok/s", "req/s", "TTFT p50", "TTFT p99",
                                                 "ITL p50", "ITL p99", "E2E p50", "E2E p99", "errors"}};
  for (const LevelReport& l : report.levels) {
    rows.push_back({std::to_string(l.concurrency), std::to_string(l.requests), std::to_string(l.ok),
                    Fixed(l.tokens_per_s, 1), Fixed(l.requests_per_s, 2), Ms(l.ttft_s, l.ttft_s.p50),
                    Ms(l.ttft_s, l.ttft_s.p99), Ms(l.itl_s, l.itl_s.p50), Ms(l.itl_s, l.itl_s.p99),
                    Ms(l.e2e_s, l.e2e_s.p50), Ms(l.e2e_s, l.e2e_s.p99), ErrorCell(l)});
  }
  out += RenderRows(rows);
  std::string sources;
  for (const LevelReport& l : report.levels) {
    if (l.token_source != "none" && sources.find(l.token_source) == std::string::npos) {
      sources += (sources.empty() ? "" : ", ") + l.token_source;
    }
  }
  out += "latencies in ms";
  if (!sources.empty()) {
    out += "; generated tokens counted from " + sources + " (usage: the server's usage chunk; chunks: content chunks)";
  }
  out += "\n";
  for (const LevelReport& l : report.levels) {
    for (const auto& [key, count] : l.errors) {
      auto example = l.error_examples.find(key);
      out += "concurrency " + std::to_string(l.concurrency) + ": " + std::to_string(count) + " x " + key + ": " +
             (example == l.error_examples.end() ? std::string() : example->second) + "\n";
    }
  }
  return out;
}

json ReportJson(const ServeBenchReport& report) {
  json levels = json::array();
  for (const LevelReport& l : report.levels) {
    json errors = json::object();
    for (const auto& [key, count] : l.errors) {
      auto example = l.error_examples.find(key);
      errors[key] = {{"count", count},
                     {"example", example == l.error_examples.end() ? std::string() : example->second}};
    }
    levels.push_back({{"concurrency", l.concurrency},
                      {"requests", l.requests},
                      {"ok", l.ok},
                      {"errors", errors},
                      {"duration_s", Round3(l.wall_s)},
                      {"output_tokens", l.output_tokens},
                      {"prompt_tokens", l.prompt_tokens},
                      {"token_source", l.token_source},
                      {"output_tokens_per_s", Round3(l.tokens_per_s)},
                      {"requests_per_s", Round3(l.requests_per_s)},
                      {"output_tokens_per_request", SummaryJson(l.output_tokens_per_request, 1.0)},
                      {"ttft_ms", SummaryJson(l.ttft_s, 1e3)},
                      {"itl_ms", SummaryJson(l.itl_s, 1e3)},
                      {"tpot_ms", SummaryJson(l.tpot_s, 1e3)},
                      {"e2e_ms", SummaryJson(l.e2e_s, 1e3)}});
  }
  return {{"url", report.url},
          {"model", report.model.empty() ? json(nullptr) : json(report.model)},
          {"max_tokens", report.max_tokens},
          {"temperature", report.temperature ? json(*report.temperature) : json(nullptr)},
          {"seed", report.seed},
          {"prompt_source", report.prompt_source},
          {"prompt_count", report.prompt_count},
          {"levels", levels}};
}

}  // namespace ingot::bench
