// The model catalog: names users can pull ("qwen3-8b") mapped to a source URL and what is known about the file.
// A catalog is built into the binary (src/store/catalog.json) and overridable by a user file
// ($INGOT_HOME/catalog.json, same format): a user entry replaces the built-in entry of the same name, others are
// added. A SHA-256 is never guessed: an entry without one has sha256 == "" and the hash is recorded at first
// pull (see Store::RecordHash).
//
// Format: {"version": 1, "models": [{"name", "title", "family", "parameters", "quantization", "context",
// "tags": [...], "url" (https:// or hf://), "size" (bytes, optional), "sha256" (hex or null), "homepage",
// "description"}]}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace ingot::store {

struct CatalogEntry {
  std::string name;          // store name, valid per ValidateModelName
  std::string title;         // "Llama 3.1 8B Instruct"
  std::string family;        // GGUF architecture: llama, qwen3, gemma3, ...
  std::string parameters;    // "8B", "30B (3B active)"
  std::string quantization;  // "Q4_K_M"
  int64_t context = 0;       // training context in tokens (0: unknown)
  std::vector<std::string> tags;
  std::string url;           // https:// or hf://
  std::optional<uint64_t> size;  // bytes of the file (of all parts for a split model)
  std::string sha256;        // lowercase hex, "" when not known
  std::string homepage;
  std::string description;

  bool HasTag(std::string_view tag) const;
  // A memory recommendation: the file plus 20% for KV cache and buffers plus 512 MiB; nullopt without a size.
  std::optional<uint64_t> RecommendedMemory() const;
};

class Catalog {
 public:
  // Parses and validates a catalog document; `origin` names it in errors.
  static Result<Catalog> Parse(std::string_view json, const std::string& origin);
  static Result<Catalog> Builtin();
  // The built-in catalog overlaid with `user_file` when that file exists.
  static Result<Catalog> Load(const std::string& user_file);

  const std::vector<CatalogEntry>& entries() const { return entries_; }
  const CatalogEntry* Find(std::string_view name) const;
  std::vector<const CatalogEntry*> WithTag(std::string_view tag) const;
  // Adds or replaces entries by name.
  void Overlay(const Catalog& other);

 private:
  std::vector<CatalogEntry> entries_;
};

}  // namespace ingot::store
