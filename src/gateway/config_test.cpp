// Gateway config: parsing, validation errors that name the key path, route defaults and caps.
#include "gateway/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace ingot::gateway {
namespace {

const char* kConfig = R"(
listen: {host: 127.0.0.1, port: 9000}
memory_budget: 8GiB
idle_ttl: 300
http_threads: 64
models:
  qwen-a:
    upstream: {base_url: "http://127.0.0.1:8081/", model: qwen3, read_timeout: 30, api_key: sk-up}
    max_concurrent: 2
    max_queue: 4
  qwen-b:
    upstream: {base_url: "http://127.0.0.1:8082"}
  tiny:
    local: {path: /models/tiny.gguf, ctx: 2048, parallel: 2, kv_type: q8_0}
    memory: 512MiB
    pinned: true
routes:
  default-chat:
    aliases: [chat, gpt-4o]
    targets: [qwen-a, qwen-b]
    defaults:
      chat_template_kwargs: {enable_thinking: false}
      temperature: 0.2
    max_tokens: 1024
  old-chat:
    targets: [qwen-b]
    deprecated: {replacement: default-chat, sunset: "2026-12-31"}
    previous: [qwen-a]
    rollback: true
clients:
  - {name: app, api_key: sk-app, routes: [default-chat], rpm: 60, tpm: 10000, max_concurrent: 2}
)";

TEST(GatewayConfig, ParsesEverySection) {
  auto config = ParseConfig(kConfig);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 9000);
  EXPECT_EQ(config->memory_budget_bytes, 8ull << 30);
  EXPECT_EQ(config->idle_ttl_seconds, 300);
  EXPECT_EQ(config->http_threads, 64);
  const ModelSpec& a = config->models.at("qwen-a");
  ASSERT_TRUE(a.upstream.has_value());
  EXPECT_EQ(a.upstream->base_url, "http://127.0.0.1:8081");
  EXPECT_EQ(a.upstream->model, "qwen3");
  EXPECT_EQ(a.upstream->api_key, "sk-up");
  EXPECT_EQ(a.upstream->read_timeout_seconds, 30);
  EXPECT_EQ(a.max_concurrent, 2);
  const ModelSpec& tiny = config->models.at("tiny");
  ASSERT_TRUE(tiny.local.has_value());
  EXPECT_EQ(tiny.local->ctx, 2048);
  EXPECT_EQ(tiny.local->kv_type, "q8_0");
  EXPECT_EQ(tiny.memory_bytes, 512ull << 20);
  EXPECT_TRUE(tiny.pinned);

  const RouteSpec* chat = config->FindRoute("gpt-4o");
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ(chat->name, "default-chat");
  EXPECT_EQ(ActiveTargets(*chat), (std::vector<std::string>{"qwen-a", "qwen-b"}));
  EXPECT_EQ(chat->defaults["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_EQ(chat->defaults["temperature"], 0.2);

  const RouteSpec* old = config->FindRoute("old-chat");
  ASSERT_NE(old, nullptr);
  ASSERT_TRUE(old->deprecated.has_value());
  EXPECT_EQ(old->deprecated->sunset, "2026-12-31");
  EXPECT_EQ(ActiveTargets(*old), (std::vector<std::string>{"qwen-a"}));  // rolled back

  // Every model not shadowed by a route is reachable by its own name.
  ASSERT_NE(config->FindRoute("tiny"), nullptr);
  EXPECT_EQ(config->FindRoute("nope"), nullptr);
  ASSERT_NE(config->FindClient("sk-app"), nullptr);
  EXPECT_EQ(config->FindClient(""), nullptr);
}

std::string ErrorOf(const std::string& yaml) {
  auto config = ParseConfig(yaml);
  return config.ok() ? "ok" : config.status().message();
}

TEST(GatewayConfig, ErrorsNameTheKeyPath) {
  EXPECT_EQ(ErrorOf("models: {}"), "models: needs at least one model");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'ftp://x'}}}"),
            "models.a.upstream.base_url: must start with http:// or https://");
  EXPECT_EQ(ErrorOf("models: {a: {}}"), "models.a: needs an upstream or a local section");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x'}, max_queue: -1}}"),
            "models.a.max_queue: must be at least 0");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x', colour: red}}}"),
            "models.a.upstream.colour: unknown key");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x'}}}\nroutes: {r: {targets: [a, b]}}"),
            "routes.r.targets[1]: unknown model 'b'");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x'}}}\nroutes: {r: {targets: [a], rollback: true}}"),
            "routes.r.rollback: needs `previous` targets to roll back to");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x'}}}\n"
                    "routes: {r: {targets: [a], aliases: [x]}, s: {targets: [a], aliases: [x]}}"),
            "routes.s.aliases[0]: 'x' is already used by route 'r'");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x'}}}\nclients: [{name: c}]"),
            "clients[0]: needs api_key, api_key_env or api_key_file");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x', api_key_env: INGOT_GW_TEST_UNSET}}}"),
            "models.a.upstream.api_key_env: environment variable INGOT_GW_TEST_UNSET is not set");
  EXPECT_EQ(ErrorOf("memory_budget: 8 parsecs\nmodels: {a: {upstream: {base_url: 'http://x'}}}"),
            "memory_budget: unknown size unit 'parsecs' (B, KiB, MiB, GiB, KB, MB, GB)");
  EXPECT_NE(ErrorOf("models: [").find("YAML: line"), std::string::npos);
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x'}}}\nroutes: {r: {targets: [a]}}\nroutes: {}"),
            "routes: set twice");
  EXPECT_EQ(ErrorOf("models: {a: {upstream: {base_url: 'http://x'}}, a: {upstream: {base_url: 'http://y'}}}"),
            "models.a: set twice");
  EXPECT_EQ(ErrorOf("- a"), "the file: expected a mapping");
  EXPECT_EQ(ErrorOf("models: {a: {local: {path: a.gguf, kv_type: q9}}}"),
            "models.a.local.kv_type: must be f16, f32 or q8_0");
}

TEST(GatewayConfig, LocalPathsGoThroughTheResolver) {
  auto resolve = [](const std::string& name) -> Result<std::string> {
    if (name == "tiny-chat") return std::string("/store/tiny.gguf");
    return NotFound("no model '" + name + "' in the store");
  };
  auto config = ParseConfig("models: {a: {local: {path: tiny-chat}}, b: {upstream: {base_url: 'http://x'}}}", resolve);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->models.at("a").local->path, "/store/tiny.gguf");
  auto missing = ParseConfig("models: {a: {local: {path: nope}}}", resolve);
  EXPECT_EQ(missing.status().message(), "models.a.local.path: no model 'nope' in the store");
}

TEST(GatewayConfig, ApiKeyFromEnvironment) {
  setenv("INGOT_GW_TEST_KEY", "sk-from-env", 1);
  auto config = ParseConfig("models: {a: {upstream: {base_url: 'http://x', api_key_env: INGOT_GW_TEST_KEY}}}");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->models.at("a").upstream->api_key, "sk-from-env");
}

TEST(GatewayConfig, DefaultsMergeUnlessTheCallerSetThem) {
  auto config = ParseConfig(kConfig);
  ASSERT_TRUE(config.ok());
  const RouteSpec& chat = *config->FindRoute("chat");

  nlohmann::json plain = {{"model", "chat"}};
  ApplyRouteDefaults(chat, plain);
  EXPECT_EQ(plain["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_EQ(plain["temperature"], 0.2);
  EXPECT_EQ(plain["max_tokens"], 1024);

  nlohmann::json explicit_ = {{"model", "chat"},
                              {"temperature", 0.9},
                              {"max_tokens", 5000},
                              {"chat_template_kwargs", {{"enable_thinking", true}, {"other", 1}}}};
  ApplyRouteDefaults(chat, explicit_);
  EXPECT_EQ(explicit_["chat_template_kwargs"]["enable_thinking"], true);
  EXPECT_EQ(explicit_["chat_template_kwargs"]["other"], 1);
  EXPECT_EQ(explicit_["temperature"], 0.9);
  EXPECT_EQ(explicit_["max_tokens"], 1024);  // capped

  nlohmann::json small = {{"max_completion_tokens", 10}};
  ApplyRouteDefaults(chat, small);
  EXPECT_EQ(small["max_completion_tokens"], 10);
  EXPECT_FALSE(small.contains("max_tokens"));
}

TEST(GatewayConfig, TheExampleFileIsValid) {
  setenv("QWEN_API_KEY", "sk-q", 1);
  setenv("WEBUI_KEY", "sk-w", 1);
  auto config = LoadConfigFile(INGOT_GATEWAY_EXAMPLE);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->models.at("qwen-big").upstream->api_key, "sk-q");
  EXPECT_EQ(config->FindRoute("gpt-4o")->name, "default-chat");
}

}  // namespace
}  // namespace ingot::gateway
