// The store on disk: where pulled models live and the index that lists them.
//
//   $INGOT_HOME/                  default $XDG_DATA_HOME/ingot, else ~/.local/share/ingot (/var/lib/ingot for
//                                 services: set INGOT_HOME)
//     index.json                  {"version": 1, "models": [StoredModel...]}
//     hashes.json                 SHA-256 recorded at first pull, by source URL (trust on first use)
//     catalog.json                optional user catalog (see catalog.h)
//     models/<name>/<file>.gguf   one directory per model; split models keep all parts together
//     .partial/<name>/<file>      downloads in progress: never listed, never served
//     locks/<name>.lock           one lock per model: two pulls of the same model never collide
//
// Every name and file name is validated (names.h) before it becomes a path. Index updates hold locks/index.lock
// and replace the file atomically, so concurrent `ingot` processes see either the old or the new index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace ingot::store {

struct StoredFile {
  std::string name;    // file name inside the model directory
  uint64_t size = 0;
  std::string sha256;  // lowercase hex
};

// What `ingot list` shows, read from the GGUF header when the model is added.
struct ModelSummary {
  std::string architecture;  // general.architecture
  std::string quantization;  // the tensor type holding most weight bytes, e.g. "Q4_K"
  uint64_t parameters = 0;   // elements of all tensors
  int64_t context = 0;       // <arch>.context_length (0: absent)
};

struct StoredModel {
  std::string name;
  std::string source;        // what was pulled: URL, hf:// reference, catalog URL or file path
  std::string dir;           // absolute directory holding the files
  bool external = false;     // registered in place (a path or --to): `rm` forgets it but deletes nothing
  std::vector<StoredFile> files;  // the first part first
  int64_t added_at = 0;      // Unix seconds
  ModelSummary summary;

  std::string PrimaryPath() const;  // dir/files[0]: what the engine opens
  uint64_t TotalSize() const;
};

struct RecordedHash {
  std::string sha256;
  uint64_t size = 0;
};

class Store {
 public:
  // INGOT_HOME, else $XDG_DATA_HOME/ingot, else $HOME/.local/share/ingot, else (a service without a home
  // directory) /var/lib/ingot.
  static Result<std::string> DefaultHome();
  // Opens (creating the directories of) a store rooted at `home`, which must be an absolute path.
  static Result<Store> Open(const std::string& home);

  const std::string& home() const { return home_; }
  std::string IndexPath() const { return home_ + "/index.json"; }
  std::string UserCatalogPath() const { return home_ + "/catalog.json"; }
  // Paths for a model; `name` must be valid (asserted: validate before).
  std::string ModelDir(std::string_view name) const;
  std::string PartialDir(std::string_view name) const;
  std::string LockPath(std::string_view name) const;

  Result<std::vector<StoredModel>> List() const;
  Result<std::optional<StoredModel>> Find(std::string_view name) const;
  // Adds or replaces (by name) under the index lock.
  Status Put(const StoredModel& model);
  // Forgets a model and deletes its directory unless it is external. kNotFound when absent.
  Result<StoredModel> Remove(std::string_view name);

  // SHA-256 and size recorded for a source URL at its first verified download (nullopt: none yet).
  Result<std::optional<RecordedHash>> RecordedHashFor(const std::string& url) const;
  Status RecordHash(const std::string& url, const RecordedHash& hash);

  // What a command's MODEL argument names: a stored model (its primary file) or an existing file path.
  // kNotFound otherwise (the caller may then try the catalog).
  Result<std::string> ResolvePath(std::string_view ref) const;

 private:
  explicit Store(std::string home) : home_(std::move(home)) {}
  std::string home_;
};

}  // namespace ingot::store
