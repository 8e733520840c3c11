// Serialisation of index.json and hashes.json (see index_json.h).
#include "store/index_json.h"

#include <nlohmann/json.hpp>

#include "store/names.h"

namespace ingot::store {

namespace {

using nlohmann::json;

template <typename T>
T Get(const json& obj, const char* key, T fallback) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

Result<StoredModel> ModelFromJson(const json& m, const std::string& origin) {
  if (!m.is_object()) return Corrupt(origin + ": each model must be an object");
  StoredModel model;
  model.name = Get<std::string>(m, "name", "");
  INGOT_RETURN_IF_ERROR(ValidateModelName(model.name));
  const std::string at = origin + ": model '" + model.name + "'";
  model.source = Get<std::string>(m, "source", "");
  model.dir = Get<std::string>(m, "dir", "");
  model.external = Get<bool>(m, "external", false);
  model.added_at = Get<int64_t>(m, "added_at", 0);
  if (model.dir.empty() || model.dir[0] != '/') return Corrupt(at + ": 'dir' must be an absolute path");
  const auto files = m.find("files");
  if (files == m.end() || !files->is_array() || files->empty()) {
    return Corrupt(at + ": 'files' must be a non-empty array");
  }
  for (const auto& f : *files) {
    if (!f.is_object()) return Corrupt(at + ": each file must be an object");
    StoredFile file{Get<std::string>(f, "name", ""), Get<uint64_t>(f, "size", 0), Get<std::string>(f, "sha256", "")};
    if (Status st = ValidateFileName(file.name); !st.ok()) return Corrupt(at + ": " + st.message());
    if (!file.sha256.empty() && !IsValidSha256Hex(file.sha256)) return Corrupt(at + ": bad sha256 for " + file.name);
    model.files.push_back(std::move(file));
  }
  if (const auto s = m.find("summary"); s != m.end() && s->is_object()) {
    model.summary.architecture = Get<std::string>(*s, "architecture", "");
    model.summary.quantization = Get<std::string>(*s, "quantization", "");
    model.summary.parameters = Get<uint64_t>(*s, "parameters", 0);
    model.summary.context = Get<int64_t>(*s, "context", 0);
  }
  return model;
}

}  // namespace

std::string IndexToJson(const std::vector<StoredModel>& models) {
  json list = json::array();
  for (const auto& m : models) {
    json files = json::array();
    for (const auto& f : m.files) files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", f.sha256}});
    list.push_back({{"name", m.name},
                    {"source", m.source},
                    {"dir", m.dir},
                    {"external", m.external},
                    {"added_at", m.added_at},
                    {"files", files},
                    {"summary",
                     {{"architecture", m.summary.architecture},
                      {"quantization", m.summary.quantization},
                      {"parameters", m.summary.parameters},
                      {"context", m.summary.context}}}});
  }
  return json({{"version", 1}, {"models", list}}).dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<std::vector<StoredModel>> IndexFromJson(const std::string& text, const std::string& origin) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Corrupt(origin + ": not a JSON object");
  const auto models = doc.find("models");
  if (models == doc.end() || !models->is_array()) return Corrupt(origin + ": 'models' must be an array");
  std::vector<StoredModel> out;
  for (const auto& m : *models) {
    INGOT_ASSIGN_OR_RETURN(StoredModel model, ModelFromJson(m, origin));
    out.push_back(std::move(model));
  }
  return out;
}

std::string HashesToJson(const std::map<std::string, RecordedHash>& hashes) {
  json obj = json::object();
  for (const auto& [url, h] : hashes) obj[url] = {{"sha256", h.sha256}, {"size", h.size}};
  return json({{"version", 1}, {"hashes", obj}}).dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<std::map<std::string, RecordedHash>> HashesFromJson(const std::string& text, const std::string& origin) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Corrupt(origin + ": not a JSON object");
  std::map<std::string, RecordedHash> out;
  const auto hashes = doc.find("hashes");
  if (hashes == doc.end()) return out;
  if (!hashes->is_object()) return Corrupt(origin + ": 'hashes' must be an object");
  for (const auto& [url, h] : hashes->items()) {
    if (!h.is_object()) return Corrupt(origin + ": bad entry for " + url);
    RecordedHash rec{Get<std::string>(h, "sha256", ""), Get<uint64_t>(h, "size", 0)};
    if (!IsValidSha256Hex(rec.sha256)) return Corrupt(origin + ": bad sha256 for " + url);
    out[url] = rec;
  }
  return out;
}

}  // namespace ingot::store
