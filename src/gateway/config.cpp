// Gateway configuration: YAML → GatewayConfig with validation that names the offending key path.
#include "gateway/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace ingot::gateway {
namespace {

template <typename T, typename U>
Status Assign(T& out, Result<U> value) {
  if (!value.ok()) return value.status();
  out = static_cast<T>(std::move(value).value());
  return Status::Ok();
}

Status KeyError(const std::string& path, const std::string& message) {
  return InvalidArgument(path + ": " + message);
}

Result<std::string> GetString(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) return KeyError(path, "expected a string");
  return node.as<std::string>();
}

Result<double> GetNumber(const YAML::Node& node, const std::string& path, double min) {
  double v = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, v)) return KeyError(path, "expected a number");
  if (!(v >= min)) return KeyError(path, "must be at least " + std::to_string(static_cast<int64_t>(min)));
  return v;
}

Result<int64_t> GetInt(const YAML::Node& node, const std::string& path, int64_t min) {
  int64_t v = 0;
  if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, v)) return KeyError(path, "expected an integer");
  if (v < min) return KeyError(path, "must be at least " + std::to_string(min));
  return v;
}

Result<bool> GetBool(const YAML::Node& node, const std::string& path) {
  bool v = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v)) return KeyError(path, "expected true or false");
  return v;
}

// "8GiB", "512MiB", "2GB", "1048576".
Result<uint64_t> GetBytes(const YAML::Node& node, const std::string& path) {
  INGOT_ASSIGN_OR_RETURN(std::string text, GetString(node, path));
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return KeyError(path, "expected a size such as 8GiB");
  double value = std::strtod(text.substr(0, i).c_str(), nullptr);
  std::string unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  static const std::map<std::string, double> kUnits = {
      {"", 1}, {"B", 1}, {"KiB", 1024.0}, {"MiB", 1024.0 * 1024}, {"GiB", 1024.0 * 1024 * 1024},
      {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return KeyError(path, "unknown size unit '" + unit + "' (B, KiB, MiB, GiB, KB, MB, GB)");
  return static_cast<uint64_t>(value * it->second);
}

Result<std::vector<std::string>> GetStringList(const YAML::Node& node, const std::string& path) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
    return out;
  }
  if (!node.IsSequence()) return KeyError(path, "expected a list of strings");
  for (size_t i = 0; i < node.size(); ++i) {
    INGOT_ASSIGN_OR_RETURN(std::string s, GetString(node[i], path + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(s));
  }
  return out;
}

Status CheckKeys(const YAML::Node& node, const std::string& path, const std::set<std::string>& allowed) {
  if (!node.IsMap()) return KeyError(path.empty() ? "the file" : path, "expected a mapping");
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    std::string key_path = path.empty() ? key : path + "." + key;
    if (!allowed.count(key)) return KeyError(key_path, "unknown key");
    if (!seen.insert(key).second) return KeyError(key_path, "set twice");
  }
  return Status::Ok();
}

nlohmann::json ToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : node) out[kv.first.as<std::string>()] = ToJson(kv.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(ToJson(item));
    return out;
  }
  if (!node.IsScalar()) return nullptr;
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted in the file
  bool b = false;
  int64_t i = 0;
  double d = 0;
  if (YAML::convert<int64_t>::decode(node, i)) return i;
  if (YAML::convert<double>::decode(node, d)) return d;
  if (YAML::convert<bool>::decode(node, b)) return b;
  if (text == "null" || text == "~") return nullptr;
  return text;
}

Result<std::string> ReadSecretFile(const std::string& file, const std::string& path) {
  std::ifstream in(file);
  if (!in) return KeyError(path, "cannot read '" + file + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key = ss.str();
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  return key;
}

// api_key / api_key_env / api_key_file of `node`, at most one of them.
Result<std::string> GetApiKey(const YAML::Node& node, const std::string& path) {
  int n = (node["api_key"] ? 1 : 0) + (node["api_key_env"] ? 1 : 0) + (node["api_key_file"] ? 1 : 0);
  if (n > 1) return KeyError(path, "set only one of api_key, api_key_env, api_key_file");
  if (node["api_key"]) return GetString(node["api_key"], path + ".api_key");
  if (node["api_key_env"]) {
    INGOT_ASSIGN_OR_RETURN(std::string var, GetString(node["api_key_env"], path + ".api_key_env"));
    const char* value = std::getenv(var.c_str());
    if (value == nullptr || *value == 0)
      return KeyError(path + ".api_key_env", "environment variable " + var + " is not set");
    return std::string(value);
  }
  if (node["api_key_file"]) {
    INGOT_ASSIGN_OR_RETURN(std::string file, GetString(node["api_key_file"], path + ".api_key_file"));
    return ReadSecretFile(file, path + ".api_key_file");
  }
  return std::string();
}

Result<UpstreamSpec> ParseUpstream(const YAML::Node& node, const std::string& path) {
  INGOT_RETURN_IF_ERROR(CheckKeys(node, path, {"base_url", "api_key", "api_key_env", "api_key_file", "model",
                                               "connect_timeout", "read_timeout", "health_path", "health_probe"}));
  UpstreamSpec up;
  if (!node["base_url"]) return KeyError(path + ".base_url", "required");
  INGOT_RETURN_IF_ERROR(Assign(up.base_url, GetString(node["base_url"], path + ".base_url")));
  if (up.base_url.rfind("http://", 0) != 0 && up.base_url.rfind("https://", 0) != 0)
    return KeyError(path + ".base_url", "must start with http:// or https://");
  while (!up.base_url.empty() && up.base_url.back() == '/') up.base_url.pop_back();
  INGOT_RETURN_IF_ERROR(Assign(up.api_key, GetApiKey(node, path)));
  if (node["model"]) INGOT_RETURN_IF_ERROR(Assign(up.model, GetString(node["model"], path + ".model")));
  if (node["connect_timeout"])
    INGOT_RETURN_IF_ERROR(
        Assign(up.connect_timeout_seconds, GetNumber(node["connect_timeout"], path + ".connect_timeout", 0)));
  if (node["read_timeout"])
    INGOT_RETURN_IF_ERROR(Assign(up.read_timeout_seconds, GetNumber(node["read_timeout"], path + ".read_timeout", 0)));
  if (node["health_path"])
    INGOT_RETURN_IF_ERROR(Assign(up.health_path, GetString(node["health_path"], path + ".health_path")));
  if (up.health_path.empty() || up.health_path[0] != '/') return KeyError(path + ".health_path", "must start with /");
  if (node["health_probe"]) {
    INGOT_ASSIGN_OR_RETURN(std::string probe, GetString(node["health_probe"], path + ".health_probe"));
    if (probe != "get" && probe != "completion") return KeyError(path + ".health_probe", "must be get or completion");
    up.health_completion = probe == "completion";
  }
  return up;
}

Result<LocalSpec> ParseLocal(const YAML::Node& node, const std::string& path) {
  INGOT_RETURN_IF_ERROR(CheckKeys(node, path, {"path", "ctx", "parallel", "threads", "kv_type"}));
  LocalSpec local;
  if (!node["path"]) return KeyError(path + ".path", "required");
  INGOT_RETURN_IF_ERROR(Assign(local.path, GetString(node["path"], path + ".path")));
  if (node["ctx"]) INGOT_RETURN_IF_ERROR(Assign(local.ctx, GetInt(node["ctx"], path + ".ctx", 0)));
  if (node["parallel"]) INGOT_RETURN_IF_ERROR(Assign(local.parallel, GetInt(node["parallel"], path + ".parallel", 1)));
  if (node["threads"]) INGOT_RETURN_IF_ERROR(Assign(local.threads, GetInt(node["threads"], path + ".threads", 0)));
  if (node["kv_type"]) {
    INGOT_RETURN_IF_ERROR(Assign(local.kv_type, GetString(node["kv_type"], path + ".kv_type")));
    if (local.kv_type != "f16" && local.kv_type != "f32" && local.kv_type != "q8_0")
      return KeyError(path + ".kv_type", "must be f16, f32 or q8_0");
  }
  return local;
}

Result<ModelSpec> ParseModel(const std::string& name, const YAML::Node& node, const std::string& path) {
  INGOT_RETURN_IF_ERROR(CheckKeys(node, path, {"upstream", "local", "max_concurrent", "max_queue", "memory",
                                               "pinned", "ttl"}));
  ModelSpec m;
  m.name = name;
  if (node["upstream"] && node["local"]) return KeyError(path, "set either upstream or local, not both");
  if (node["upstream"]) INGOT_RETURN_IF_ERROR(Assign(m.upstream, ParseUpstream(node["upstream"], path + ".upstream")));
  else if (node["local"]) INGOT_RETURN_IF_ERROR(Assign(m.local, ParseLocal(node["local"], path + ".local")));
  else return KeyError(path, "needs an upstream or a local section");
  if (node["max_concurrent"])
    INGOT_RETURN_IF_ERROR(Assign(m.max_concurrent, GetInt(node["max_concurrent"], path + ".max_concurrent", 0)));
  if (node["max_queue"]) INGOT_RETURN_IF_ERROR(Assign(m.max_queue, GetInt(node["max_queue"], path + ".max_queue", 0)));
  if (node["memory"]) INGOT_RETURN_IF_ERROR(Assign(m.memory_bytes, GetBytes(node["memory"], path + ".memory")));
  if (node["pinned"]) INGOT_RETURN_IF_ERROR(Assign(m.pinned, GetBool(node["pinned"], path + ".pinned")));
  if (node["ttl"]) INGOT_RETURN_IF_ERROR(Assign(m.ttl_seconds, GetNumber(node["ttl"], path + ".ttl", 0)));
  return m;
}

Result<RouteSpec> ParseRoute(const std::string& name, const YAML::Node& node, const std::string& path) {
  INGOT_RETURN_IF_ERROR(CheckKeys(node, path, {"aliases", "targets", "defaults", "max_tokens", "deprecated",
                                               "previous", "rollback"}));
  RouteSpec r;
  r.name = name;
  if (node["aliases"]) INGOT_RETURN_IF_ERROR(Assign(r.aliases, GetStringList(node["aliases"], path + ".aliases")));
  if (!node["targets"]) return KeyError(path + ".targets", "required");
  INGOT_RETURN_IF_ERROR(Assign(r.targets, GetStringList(node["targets"], path + ".targets")));
  if (r.targets.empty()) return KeyError(path + ".targets", "needs at least one model");
  if (node["defaults"]) {
    if (!node["defaults"].IsMap()) return KeyError(path + ".defaults", "expected a mapping");
    r.defaults = ToJson(node["defaults"]);
  }
  if (node["max_tokens"])
    INGOT_RETURN_IF_ERROR(Assign(r.max_tokens_cap, GetInt(node["max_tokens"], path + ".max_tokens", 1)));
  if (node["deprecated"]) {
    const YAML::Node& d = node["deprecated"];
    std::string dpath = path + ".deprecated";
    INGOT_RETURN_IF_ERROR(CheckKeys(d, dpath, {"replacement", "sunset"}));
    Deprecation dep;
    if (d["replacement"])
      INGOT_RETURN_IF_ERROR(Assign(dep.replacement, GetString(d["replacement"], dpath + ".replacement")));
    if (d["sunset"]) INGOT_RETURN_IF_ERROR(Assign(dep.sunset, GetString(d["sunset"], dpath + ".sunset")));
    r.deprecated = dep;
  }
  if (node["previous"]) INGOT_RETURN_IF_ERROR(Assign(r.previous, GetStringList(node["previous"], path + ".previous")));
  if (node["rollback"]) INGOT_RETURN_IF_ERROR(Assign(r.rollback, GetBool(node["rollback"], path + ".rollback")));
  if (r.rollback && r.previous.empty()) return KeyError(path + ".rollback", "needs `previous` targets to roll back to");
  return r;
}

Result<ClientSpec> ParseClient(const YAML::Node& node, const std::string& path) {
  INGOT_RETURN_IF_ERROR(CheckKeys(node, path, {"name", "api_key", "api_key_env", "api_key_file", "routes", "rpm",
                                               "tpm", "max_concurrent"}));
  ClientSpec c;
  if (!node["name"]) return KeyError(path + ".name", "required");
  INGOT_RETURN_IF_ERROR(Assign(c.name, GetString(node["name"], path + ".name")));
  INGOT_RETURN_IF_ERROR(Assign(c.api_key, GetApiKey(node, path)));
  if (c.api_key.empty()) return KeyError(path, "needs api_key, api_key_env or api_key_file");
  if (node["routes"]) INGOT_RETURN_IF_ERROR(Assign(c.routes, GetStringList(node["routes"], path + ".routes")));
  if (node["rpm"]) INGOT_RETURN_IF_ERROR(Assign(c.rpm, GetInt(node["rpm"], path + ".rpm", 0)));
  if (node["tpm"]) INGOT_RETURN_IF_ERROR(Assign(c.tpm, GetInt(node["tpm"], path + ".tpm", 0)));
  if (node["max_concurrent"])
    INGOT_RETURN_IF_ERROR(Assign(c.max_concurrent, GetInt(node["max_concurrent"], path + ".max_concurrent", 0)));
  return c;
}

Status CheckTargets(const GatewayConfig& config, const std::vector<std::string>& targets, const std::string& path) {
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!config.models.count(targets[i]))
      return KeyError(path + "[" + std::to_string(i) + "]", "unknown model '" + targets[i] + "'");
  }
  return Status::Ok();
}

Status ParseInto(const YAML::Node& root, GatewayConfig& config) {
  INGOT_RETURN_IF_ERROR(CheckKeys(root, "", {"listen", "admin_key", "http_threads", "memory_budget", "idle_ttl",
                                             "retry_after", "circuit_breaker", "health_interval", "local_binary",
                                             "load_timeout", "models", "routes", "clients"}));
  if (root["listen"]) {
    const YAML::Node& l = root["listen"];
    INGOT_RETURN_IF_ERROR(CheckKeys(l, "listen", {"host", "port"}));
    if (l["host"]) INGOT_RETURN_IF_ERROR(Assign(config.host, GetString(l["host"], "listen.host")));
    if (l["port"]) {
      INGOT_ASSIGN_OR_RETURN(int64_t port, GetInt(l["port"], "listen.port", 0));
      if (port > 65535) return KeyError("listen.port", "must be at most 65535");
      config.port = static_cast<int>(port);
    }
  }
  if (root["admin_key"]) INGOT_RETURN_IF_ERROR(Assign(config.admin_key, GetString(root["admin_key"], "admin_key")));
  if (root["http_threads"])
    INGOT_RETURN_IF_ERROR(Assign(config.http_threads, GetInt(root["http_threads"], "http_threads", 1)));
  if (root["memory_budget"])
    INGOT_RETURN_IF_ERROR(Assign(config.memory_budget_bytes, GetBytes(root["memory_budget"], "memory_budget")));
  if (root["idle_ttl"])
    INGOT_RETURN_IF_ERROR(Assign(config.idle_ttl_seconds, GetNumber(root["idle_ttl"], "idle_ttl", 0)));
  if (root["retry_after"])
    INGOT_RETURN_IF_ERROR(Assign(config.retry_after_seconds, GetNumber(root["retry_after"], "retry_after", 1)));
  if (root["local_binary"])
    INGOT_RETURN_IF_ERROR(Assign(config.local_binary, GetString(root["local_binary"], "local_binary")));
  if (root["load_timeout"])
    INGOT_RETURN_IF_ERROR(Assign(config.load_timeout_seconds, GetNumber(root["load_timeout"], "load_timeout", 0)));
  if (root["health_interval"])
    INGOT_RETURN_IF_ERROR(
        Assign(config.health_interval_seconds, GetNumber(root["health_interval"], "health_interval", 0)));
  if (root["circuit_breaker"]) {
    const YAML::Node& cb = root["circuit_breaker"];
    INGOT_RETURN_IF_ERROR(CheckKeys(cb, "circuit_breaker", {"failures", "open_seconds"}));
    if (cb["failures"])
      INGOT_RETURN_IF_ERROR(Assign(config.circuit_failures, GetInt(cb["failures"], "circuit_breaker.failures", 1)));
    if (cb["open_seconds"])
      INGOT_RETURN_IF_ERROR(
          Assign(config.circuit_open_seconds, GetNumber(cb["open_seconds"], "circuit_breaker.open_seconds", 0)));
  }
  if (!root["models"] || !root["models"].IsMap() || root["models"].size() == 0)
    return KeyError("models", "needs at least one model");
  for (const auto& kv : root["models"]) {
    std::string name = kv.first.as<std::string>();
    if (config.models.count(name)) return KeyError("models." + name, "set twice");
    INGOT_ASSIGN_OR_RETURN(ModelSpec m, ParseModel(name, kv.second, "models." + name));
    config.models[name] = std::move(m);
  }
  if (root["routes"]) {
    if (!root["routes"].IsMap()) return KeyError("routes", "expected a mapping");
    for (const auto& kv : root["routes"]) {
      std::string name = kv.first.as<std::string>();
      std::string path = "routes." + name;
      if (config.routes.count(name)) return KeyError(path, "set twice");
      INGOT_ASSIGN_OR_RETURN(RouteSpec r, ParseRoute(name, kv.second, path));
      INGOT_RETURN_IF_ERROR(CheckTargets(config, r.targets, path + ".targets"));
      INGOT_RETURN_IF_ERROR(CheckTargets(config, r.previous, path + ".previous"));
      config.routes[name] = std::move(r);
    }
  }
  std::map<std::string, std::string> names;  // request name → route that owns it
  for (const auto& [name, route] : config.routes) {
    names[name] = name;
    for (size_t i = 0; i < route.aliases.size(); ++i) {
      const std::string& alias = route.aliases[i];
      std::string path = "routes." + name + ".aliases[" + std::to_string(i) + "]";
      if (names.count(alias)) return KeyError(path, "'" + alias + "' is already used by route '" + names[alias] + "'");
      names[alias] = name;
    }
  }
  for (const auto& [name, route] : config.routes) {
    if (route.deprecated && !route.deprecated->replacement.empty() && !names.count(route.deprecated->replacement))
      return KeyError("routes." + name + ".deprecated.replacement",
                      "unknown route '" + route.deprecated->replacement + "'");
  }
  for (const auto& [name, model] : config.models) {
    if (names.count(name)) continue;
    RouteSpec implicit;
    implicit.name = name;
    implicit.targets = {name};
    config.routes[name] = std::move(implicit);
  }
  if (root["clients"]) {
    if (!root["clients"].IsSequence()) return KeyError("clients", "expected a list");
    std::set<std::string> keys;
    for (size_t i = 0; i < root["clients"].size(); ++i) {
      std::string path = "clients[" + std::to_string(i) + "]";
      INGOT_ASSIGN_OR_RETURN(ClientSpec c, ParseClient(root["clients"][i], path));
      if (!keys.insert(c.api_key).second) return KeyError(path, "the same API key is used by another client");
      for (size_t j = 0; j < c.routes.size(); ++j) {
        if (!config.FindRoute(c.routes[j]))
          return KeyError(path + ".routes[" + std::to_string(j) + "]", "unknown route '" + c.routes[j] + "'");
      }
      config.clients.push_back(std::move(c));
    }
  }
  return Status::Ok();
}

void MergeMissing(const nlohmann::json& defaults, nlohmann::json& target) {
  for (auto it = defaults.begin(); it != defaults.end(); ++it) {
    if (!target.contains(it.key())) {
      target[it.key()] = it.value();
    } else if (it.value().is_object() && target[it.key()].is_object()) {
      MergeMissing(it.value(), target[it.key()]);
    }
  }
}

}  // namespace

const RouteSpec* GatewayConfig::FindRoute(const std::string& name) const {
  auto it = routes.find(name);
  if (it != routes.end()) return &it->second;
  for (const auto& [route_name, route] : routes) {
    for (const std::string& alias : route.aliases) {
      if (alias == name) return &route;
    }
  }
  return nullptr;
}

const ClientSpec* GatewayConfig::FindClient(const std::string& api_key) const {
  for (const ClientSpec& c : clients) {
    if (!api_key.empty() && c.api_key == api_key) return &c;
  }
  return nullptr;
}

Result<GatewayConfig> ParseConfig(const std::string& yaml_text, const LocalPathResolver& resolve) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  GatewayConfig config;
  try {
    INGOT_RETURN_IF_ERROR(ParseInto(root, config));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (resolve) {
    for (auto& [name, model] : config.models) {
      if (!model.local) continue;
      Result<std::string> path = resolve(model.local->path);
      if (!path.ok()) return KeyError("models." + name + ".local.path", path.status().message());
      model.local->path = *path;
    }
  }
  return config;
}

Result<GatewayConfig> LoadConfigFile(const std::string& path, const LocalPathResolver& resolve) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read config '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  Result<GatewayConfig> config = ParseConfig(ss.str(), resolve);
  if (!config.ok()) return Status(config.status().code(), path + ": " + config.status().message());
  return config;
}

const std::vector<std::string>& ActiveTargets(const RouteSpec& route) {
  return route.rollback ? route.previous : route.targets;
}

void ApplyRouteDefaults(const RouteSpec& route, nlohmann::json& request) {
  if (!request.is_object()) return;
  MergeMissing(route.defaults, request);
  if (route.max_tokens_cap <= 0) return;
  bool any = false;
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    if (request.contains(key) && request[key].is_number()) {
      any = true;
      if (request[key].get<double>() > static_cast<double>(route.max_tokens_cap)) request[key] = route.max_tokens_cap;
    }
  }
  if (!any) request["max_tokens"] = route.max_tokens_cap;
}

}  // namespace ingot::gateway
