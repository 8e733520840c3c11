// `ingot serve MODEL.gguf`: every setting declared once (flag, environment variable, config file key, help),
// the HTTP server listening at once (/health 503 while loading), the engine loaded, one banner, and a graceful
// stop on SIGINT/SIGTERM.
#include "server/serve_command.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include "engine/load.h"
#include "gguf/gguf.h"
#include "store/planner.h"
#include "store/system.h"
#include "server/http_server.h"
#include "server/served_model.h"
#include "util/format.h"
#include "util/log.h"
#include "util/mapped_file.h"

namespace ingot::server {
namespace {

struct ServeSettings {
  std::string config_file;
  std::string model;
  std::string model_arg;  // MODEL as given (a store or catalog name), before resolution to a path
  std::string host = "127.0.0.1";
  int port = 8080;
  int ctx_size = 0;
  int parallel = 4;
  int threads = 0;
  std::string api_key;
  std::string api_key_file;
  std::string alias;
  std::string chat_template_file;
  std::string reasoning_format = "auto";
  bool metrics = false;
  int max_queue = 64;
  double timeout = 600;
  std::string pooling = "mean";
  std::string kv_type = "f16";
  size_t max_body_mb = 8;
};

// Ends the command with one line on stderr and exit code 1 (CLI11 exits quietly on RuntimeError).
[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "ingot serve: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

std::string Trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(s.find_last_not_of(ws) + 1);
  s.erase(0, s.find_first_not_of(ws));
  return s;
}

void PrintBanner(const ServeSettings& s, const engine::ModelSummary& m, int port) {
  std::printf("ingot serve: %s (%s, %s, %s params)\n", m.name.c_str(), m.architecture.c_str(), m.quantization.c_str(),
              FormatCount(static_cast<double>(m.n_params)).c_str());
  std::printf("  context %d tokens per request, KV cache %s (%s) reserved, %d parallel, %d threads\n", m.n_ctx,
              FormatBytes(static_cast<double>(m.kv_bytes)).c_str(), s.kv_type.c_str(), s.parallel, m.threads);
  std::printf("  listening on http://%s:%d (OpenAI API under /v1%s%s)\n", s.host.c_str(), port,
              s.api_key.empty() ? "" : ", API key required", s.metrics ? ", /metrics" : "");
  std::fflush(stdout);
}

// Refuses, before anything is reserved, a configuration the machine cannot hold (the planner's numbers for
// ingot's engine: --ctx-size is one budget for all requests, sliding-window layers keep a window per request).
void CheckMemory(const ServeSettings& s) {
  auto file = gguf::File::Open(s.model);
  if (!file.ok()) Fail(file.status().ToString());
  store::PlanOptions plan_options;
  plan_options.ctx = s.ctx_size;
  plan_options.parallel = s.parallel;
  plan_options.shared_ctx = true;
  plan_options.kv_type = *DTypeFromName(s.kv_type);  // one of the names --kv-type accepts
  auto memory = store::DetectMemoryBytes();
  if (!memory.ok()) return;
  plan_options.memory = *memory;
  auto plan = store::PlanMemory(**file, plan_options);
  if (!plan.ok()) {
    // An architecture the planner cannot read: the engine's own errors will say why. Bad settings: say so now.
    if (plan.status().code() == Code::kInvalidArgument) Fail("--ctx-size: " + plan.status().message());
    return;
  }
  if (Status fits = store::CheckFits(*plan); !fits.ok()) Fail(fits.message());
}

void Serve(ServeSettings s) {
  if (!s.api_key.empty() && !s.api_key_file.empty()) Fail("use either --api-key or --api-key-file, not both");
  if (!s.api_key_file.empty()) {
    Result<std::string> key = ReadFileToString(s.api_key_file);
    if (!key.ok()) Fail(key.status().ToString());
    s.api_key = Trim(*key);
    if (s.api_key.empty()) Fail("--api-key-file " + s.api_key_file + " is empty");
  }
  chat::ReasoningFormat reasoning_format;
  if (!chat::ParseReasoningFormat(s.reasoning_format, &reasoning_format)) {
    Fail("--reasoning-format must be auto, none or deepseek");
  }
  if (s.model.empty()) Fail("a model is required (ingot serve MODEL.gguf, a stored model or a catalog name)");
  CheckMemory(s);

  ServerOptions options;
  options.host = s.host;
  options.port = s.port;
  options.api_key = s.api_key;
  options.metrics = s.metrics;
  options.timeout_seconds = s.timeout;
  options.max_body_bytes = s.max_body_mb << 20;
  options.http_threads = std::clamp(s.parallel + s.max_queue + 8, 16, 512);
  options.reasoning_format = reasoning_format;
  HttpServer server(options);
  Result<int> port = server.Bind();
  if (!port.ok()) Fail(port.status().ToString());

  // SIGINT/SIGTERM are handled by one thread with sigwait (blocked everywhere else, inherited by new threads).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> exiting{false};    // set before the signal thread is woken up to end it
  std::atomic<bool> signalled{false};  // SIGINT/SIGTERM arrived (perhaps while the model was loading)
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!exiting) {
      signalled = true;
      LogInfo("serve: shutting down");
    }
    server.Stop();
  });
  auto end_signal_thread = [&] {
    exiting = true;
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
  };
  std::thread http_thread([&] { server.Run(); });
  auto shutdown = [&] {
    server.Stop();
    http_thread.join();
    end_signal_thread();
  };

  LogInfo("serve: loading " + s.model + "; http://" + s.host + ":" + std::to_string(*port) +
          "/health answers 503 until it is ready");
  engine::EngineOptions engine_options;
  engine_options.model_path = s.model;
  engine_options.n_ctx = s.ctx_size;
  engine_options.n_parallel = s.parallel;
  engine_options.n_threads = s.threads;
  engine_options.max_queue = s.max_queue;
  engine_options.pooling = s.pooling;
  engine_options.kv_type = s.kv_type;
  Result<std::unique_ptr<engine::Engine>> engine = engine::LoadEngine(engine_options);
  ServedModelSettings served_settings{s.model, s.model_arg, s.alias, s.chat_template_file};
  Result<std::unique_ptr<ServedModel>> served = engine.ok()
      ? MakeServedModel(served_settings, std::move(engine).value())
      : Result<std::unique_ptr<ServedModel>>(engine.status());
  if (!served.ok()) {
    server.SetLoadError(served.status());
    shutdown();
    Fail(served.status().ToString());
  }
  if (!signalled) PrintBanner(s, (*served)->engine->summary(), *port);
  server.SetModel(std::move(served).value());
  http_thread.join();
  end_signal_thread();
}

// Applies `name = value` lines (TOML, optionally under [serve]) to the options not already given as flags or
// environment variables. CLI11 2.1 only reads config files for the top-level app, so the subcommand does it.
void ApplyConfigFile(CLI::App* cmd, const std::string& path) {
  if (path.empty()) return;
  CLI::ConfigTOML format;
  std::vector<CLI::ConfigItem> items;
  try {
    items = format.from_file(path);
  } catch (const CLI::Error& e) {
    Fail(std::string("--config ") + path + ": " + e.what());
  }
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    if (!item.parents.empty() && item.parents != std::vector<std::string>{"serve"}) continue;
    std::string name = item.name;
    std::replace(name.begin(), name.end(), '_', '-');
    CLI::Option* opt = cmd->get_option_no_throw("--" + name);
    if (opt == nullptr) opt = cmd->get_option_no_throw(name);
    if (opt == nullptr || name == "config") Fail("--config " + path + ": unknown setting '" + item.name + "'");
    if (opt->count() > 0) continue;
    try {
      opt->add_result(opt->get_expected_min() == 0 ? std::vector<std::string>{format.to_flag(item)} : item.inputs);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      Fail("--config " + path + ": " + item.name + ": " + e.what());
    }
  }
}

bool IsYaml(const std::string& path) {
  auto ends_with = [&](const std::string& suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with(".yaml") || ends_with(".yml");
}

}  // namespace

void AddServeCommand(CLI::App& app, ModelResolver resolve_model, MultiModelServer serve_many) {
  auto settings = std::make_shared<ServeSettings>();
  ServeSettings& s = *settings;
  CLI::App* cmd = app.add_subcommand("serve", "Serve a GGUF model over an OpenAI-compatible HTTP API");
  cmd->add_option("--config", s.config_file,
                  "Read settings from a TOML file: 'name = value' per line, names as the long options "
                  "(flags and environment variables take precedence); a .yaml file serves several local models "
                  "(the gateway's format, see ingot gateway)")
      ->envname("INGOT_CONFIG")->check(CLI::ExistingFile);
  cmd->add_option("model", s.model, "GGUF model: a path, a stored model or a catalog name (pulled on first use)")
      ->envname("INGOT_MODEL");
  cmd->add_option("--host", s.host, "Address to listen on")->envname("INGOT_HOST")->capture_default_str();
  cmd->add_option("--port", s.port, "Port to listen on")->envname("INGOT_PORT")->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--ctx-size,-c", s.ctx_size,
                  "Total KV cache budget in tokens shared by all requests (0: model default, capped at 8192)")
      ->envname("INGOT_CTX_SIZE")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--parallel", s.parallel, "Requests decoded together at most")
      ->envname("INGOT_PARALLEL")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_option("--threads,-t", s.threads, "Compute threads (0: physical cores)")
      ->envname("INGOT_THREADS")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--api-key", s.api_key, "Require 'Authorization: Bearer KEY' on every endpoint but /health")
      ->envname("INGOT_API_KEY");
  cmd->add_option("--api-key-file", s.api_key_file, "Read the API key from a file")
      ->envname("INGOT_API_KEY_FILE")->check(CLI::ExistingFile);
  cmd->add_option("--alias,-a", s.alias, "Model name reported by the API and accepted in requests")
      ->envname("INGOT_ALIAS");
  cmd->add_option("--chat-template", s.chat_template_file, "Jinja chat template file overriding the model's")
      ->envname("INGOT_CHAT_TEMPLATE")->check(CLI::ExistingFile);
  cmd->add_option("--reasoning-format", s.reasoning_format,
                  "Thinking output: auto (split by the template's markers into reasoning_content), deepseek "
                  "(always split <think>), none (leave in content)")
      ->envname("INGOT_REASONING_FORMAT")->capture_default_str()
      ->check(CLI::IsMember({"auto", "none", "deepseek"}));
  cmd->add_flag("--metrics", s.metrics, "Expose Prometheus metrics at /metrics")->envname("INGOT_METRICS");
  cmd->add_option("--max-queue", s.max_queue, "Waiting requests beyond which new ones get 503 + Retry-After")
      ->envname("INGOT_MAX_QUEUE")->capture_default_str()->check(CLI::Range(0, 100000));
  cmd->add_option("--timeout", s.timeout, "Per-request time limit in seconds (0: none)")
      ->envname("INGOT_TIMEOUT")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--kv-type", s.kv_type,
                  "KV cache type: f16, f32, or q8_0 (about half of f16's memory; head sizes multiple of 32)")
      ->envname("INGOT_KV_TYPE")->capture_default_str()->check(CLI::IsMember({"f16", "f32", "q8_0"}));
  cmd->add_option("--pooling", s.pooling, "Embedding pooling: mean over the input's tokens, or the last token's")
      ->envname("INGOT_POOLING")->capture_default_str()->check(CLI::IsMember({"mean", "last"}));
  cmd->add_option("--max-body-mb", s.max_body_mb, "Largest accepted request body in MiB")
      ->envname("INGOT_MAX_BODY_MB")->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->callback([settings, cmd, resolve_model, serve_many] {
    if (serve_many && IsYaml(settings->config_file)) {
      if (!settings->model.empty()) Fail("a .yaml --config names its models; drop the MODEL argument");
      serve_many(settings->config_file, cmd->get_option("--host")->count() > 0 ? settings->host : "",
                 cmd->get_option("--port")->count() > 0 ? settings->port : -1);
      return;
    }
    ApplyConfigFile(cmd, settings->config_file);
    if (!settings->model.empty()) {
      Result<std::string> path = resolve_model(settings->model);
      if (!path.ok()) Fail(path.status().ToString());
      settings->model_arg = settings->model;
      settings->model = *path;
    }
    Serve(*settings);
  });
}

}  // namespace ingot::server
