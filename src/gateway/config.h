// Gateway configuration (`ingot gateway --config gateway.yaml`): models (remote upstreams or local GGUF files),
// routes (aliases and roles mapping to ordered targets, with defaults, caps, deprecation and rollback), clients
// (API keys, allowed routes, rate limits) and the memory policy. Parsed and validated in one pass; every error
// names the key path ("routes.chat.targets[1]: unknown model 'x'").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace ingot::gateway {

// A remote OpenAI-compatible server (another ingot, llama-server, vLLM, Ollama, a cloud API).
struct UpstreamSpec {
  std::string base_url;             // scheme://host:port, no trailing slash (a path prefix such as /v1 is kept)
  std::string api_key;              // resolved from api_key_env / api_key_file; empty: none sent
  std::string model;                // the `model` sent upstream; empty: the caller's value is kept
  double connect_timeout_seconds = 5;
  double read_timeout_seconds = 600;  // also the time allowed before the first byte
  std::string health_path = "/health";  // GET by the active prober (relative to the server root)
  bool health_completion = false;       // probe with a 1-token chat completion instead (servers without /health)
};

// A GGUF file served in-process (or by a child `serve`, see GatewayConfig::local_binary).
struct LocalSpec {
  std::string path;
  int64_t ctx = 0;
  int32_t parallel = 1;
  int32_t threads = 0;
  std::string kv_type;  // f16 | f32 | q8_0; empty: the engine's default
};

struct ModelSpec {
  std::string name;
  std::optional<UpstreamSpec> upstream;  // exactly one of upstream / local
  std::optional<LocalSpec> local;
  int32_t max_concurrent = 0;       // requests in flight at once; 0: unlimited
  int32_t max_queue = 64;           // requests waiting beyond max_concurrent; beyond it 429
  uint64_t memory_bytes = 0;        // local models: resident size (0: from the planner, see planned_memory.h)
  bool pinned = false;              // never evicted nor unloaded on idle
  double ttl_seconds = -1;          // idle unload after last use; < 0: the global idle_ttl
};

struct Deprecation {
  std::string replacement;          // the route callers should move to
  std::string sunset;               // date after which the route may go (RFC 3339 date), may be empty
};

struct RouteSpec {
  std::string name;
  std::vector<std::string> aliases;   // other names accepted in a request's `model`
  std::vector<std::string> targets;   // effective order: primary, then fallbacks
  nlohmann::json defaults = nlohmann::json::object();  // merged into requests where the caller did not set a key
  int64_t max_tokens_cap = 0;         // 0: none; caller values above it are lowered
  std::optional<Deprecation> deprecated;
  std::vector<std::string> previous;  // the targets before the last migration
  bool rollback = false;              // serve `previous` instead of `targets`
};

struct ClientSpec {
  std::string name;
  std::string api_key;
  std::vector<std::string> routes;  // allowed routes; empty: all
  int32_t rpm = 0;                  // requests per minute; 0: unlimited
  int64_t tpm = 0;                  // tokens per minute; 0: unlimited
  int32_t max_concurrent = 0;       // 0: unlimited
};

struct GatewayConfig {
  std::string host = "127.0.0.1";
  int port = 8090;
  std::string admin_key;
  // Threads serving client connections (read at start, not on reload). Each open connection holds one while it
  // is kept alive, and each stream one until it ends, so this bounds concurrent clients.
  int32_t http_threads = 256;
  uint64_t memory_budget_bytes = 0;  // 0: unlimited
  double idle_ttl_seconds = 0;       // 0: never unload on idle
  double retry_after_seconds = 1;    // sent with 429 for a full queue
  double circuit_open_seconds = 30;  // an open circuit half-opens after this
  int32_t circuit_failures = 3;      // consecutive failures that open the circuit
  std::string local_binary;           // set: local models run as child `<local_binary> serve`; empty: in-process
  double load_timeout_seconds = 600;  // a local model not ready by then fails its waiting requests
  double health_interval_seconds = 0;  // active probes of upstreams; 0: passive failure counting only
  std::map<std::string, ModelSpec> models;
  std::map<std::string, RouteSpec> routes;
  std::vector<ClientSpec> clients;   // empty: no authentication

  // The route a request's `model` names (route name or alias), or nullptr. Every model that no route shadows
  // also has an implicit one-target route of its own name.
  const RouteSpec* FindRoute(const std::string& name) const;
  const ClientSpec* FindClient(const std::string& api_key) const;
};

// Turns a local model's `path` (a GGUF file, a store or catalog name) into a file path.
using LocalPathResolver = std::function<Result<std::string>(const std::string&)>;

// Parses YAML text; api_key_env reads the process environment, api_key_file a file (trailing whitespace cut).
// With `resolve`, every local model's path goes through it.
Result<GatewayConfig> ParseConfig(const std::string& yaml_text, const LocalPathResolver& resolve = {});
Result<GatewayConfig> LoadConfigFile(const std::string& path, const LocalPathResolver& resolve = {});

// The targets a route serves now (previous when rolled back).
const std::vector<std::string>& ActiveTargets(const RouteSpec& route);

// Applies the route's defaults and caps to a request body: keys the caller did not set are added (objects merge
// recursively), max_tokens / max_completion_tokens above the cap are lowered, and a missing one gets the cap.
void ApplyRouteDefaults(const RouteSpec& route, nlohmann::json& request);

}  // namespace ingot::gateway
