// Catalog parsing, validation, lookup and overlay (see catalog.h).
#include "store/catalog.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "store/catalog_data.h"
#include "store/names.h"
#include "store/system.h"
#include "util/mapped_file.h"

namespace ingot::store {

namespace {

using nlohmann::json;

Result<std::string> OptionalString(const json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgument(where + ": '" + key + "' must be a string");
  return it->get<std::string>();
}

Result<CatalogEntry> ParseEntry(const json& obj, const std::string& where) {
  if (!obj.is_object()) return InvalidArgument(where + ": each model must be an object");
  CatalogEntry e;
  INGOT_ASSIGN_OR_RETURN(e.name, OptionalString(obj, "name", where));
  const std::string at = where + ": model '" + e.name + "'";
  if (Status st = ValidateModelName(e.name); !st.ok()) return InvalidArgument(where + ": " + st.message());
  INGOT_ASSIGN_OR_RETURN(e.title, OptionalString(obj, "title", at));
  INGOT_ASSIGN_OR_RETURN(e.family, OptionalString(obj, "family", at));
  INGOT_ASSIGN_OR_RETURN(e.parameters, OptionalString(obj, "parameters", at));
  INGOT_ASSIGN_OR_RETURN(e.quantization, OptionalString(obj, "quantization", at));
  INGOT_ASSIGN_OR_RETURN(e.url, OptionalString(obj, "url", at));
  INGOT_ASSIGN_OR_RETURN(e.sha256, OptionalString(obj, "sha256", at));
  INGOT_ASSIGN_OR_RETURN(e.homepage, OptionalString(obj, "homepage", at));
  INGOT_ASSIGN_OR_RETURN(e.description, OptionalString(obj, "description", at));
  if (e.url.empty()) return InvalidArgument(at + ": 'url' is required");
  auto source = ParseSource(e.url, "");
  if (!source.ok()) return InvalidArgument(at + ": " + source.status().message());
  if (source->kind != SourceKind::kHttp && source->kind != SourceKind::kHuggingFace) {
    return InvalidArgument(at + ": 'url' must be https:// or hf://");
  }
  if (!e.sha256.empty()) {
    if (!IsValidSha256Hex(e.sha256)) return InvalidArgument(at + ": 'sha256' must be 64 hex digits or null");
    std::transform(e.sha256.begin(), e.sha256.end(), e.sha256.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
  }
  if (const auto it = obj.find("context"); it != obj.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return InvalidArgument(at + ": 'context' must be a non-negative integer");
    }
    e.context = it->get<int64_t>();
  }
  if (const auto it = obj.find("size"); it != obj.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() == 0) {
      return InvalidArgument(at + ": 'size' must be a positive integer (bytes)");
    }
    e.size = it->get<uint64_t>();
  }
  if (const auto it = obj.find("tags"); it != obj.end() && !it->is_null()) {
    if (!it->is_array()) return InvalidArgument(at + ": 'tags' must be an array of strings");
    for (const auto& tag : *it) {
      if (!tag.is_string()) return InvalidArgument(at + ": 'tags' must be an array of strings");
      e.tags.push_back(tag.get<std::string>());
    }
  }
  return e;
}

}  // namespace

bool CatalogEntry::HasTag(std::string_view tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

std::optional<uint64_t> CatalogEntry::RecommendedMemory() const {
  if (!size) return std::nullopt;
  return *size + *size / 5 + (uint64_t(512) << 20);
}

Result<Catalog> Catalog::Parse(std::string_view text, const std::string& origin) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(origin + ": not valid JSON");
  if (!doc.is_object()) return InvalidArgument(origin + ": expected a JSON object with a 'models' array");
  if (const auto v = doc.find("version"); v != doc.end() && (!v->is_number_integer() || v->get<int64_t>() != 1)) {
    return Unsupported(origin + ": catalog version must be 1");
  }
  const auto models = doc.find("models");
  if (models == doc.end() || !models->is_array()) return InvalidArgument(origin + ": 'models' must be an array");
  Catalog catalog;
  for (const auto& obj : *models) {
    INGOT_ASSIGN_OR_RETURN(CatalogEntry e, ParseEntry(obj, origin));
    if (catalog.Find(e.name) != nullptr) return InvalidArgument(origin + ": duplicate model '" + e.name + "'");
    catalog.entries_.push_back(std::move(e));
  }
  return catalog;
}

Result<Catalog> Catalog::Builtin() { return Parse(kBuiltinCatalogJson, "built-in catalog"); }

Result<Catalog> Catalog::Load(const std::string& user_file) {
  INGOT_ASSIGN_OR_RETURN(Catalog catalog, Builtin());
  if (user_file.empty() || !FileExists(user_file)) return catalog;
  INGOT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(user_file));
  INGOT_ASSIGN_OR_RETURN(Catalog user, Parse(text, user_file));
  catalog.Overlay(user);
  return catalog;
}

const CatalogEntry* Catalog::Find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::vector<const CatalogEntry*> Catalog::WithTag(std::string_view tag) const {
  std::vector<const CatalogEntry*> out;
  for (const auto& e : entries_) {
    if (tag.empty() || e.HasTag(tag)) out.push_back(&e);
  }
  return out;
}

void Catalog::Overlay(const Catalog& other) {
  for (const auto& e : other.entries_) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const CatalogEntry& x) { return x.name == e.name; });
    if (it != entries_.end()) {
      *it = e;
    } else {
      entries_.push_back(e);
    }
  }
}

}  // namespace ingot::store
