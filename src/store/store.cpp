// Store layout, index reads and atomic index updates (see store.h).
#include "store/store.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>

#include "store/index_json.h"
#include "store/names.h"
#include "store/system.h"
#include "util/mapped_file.h"

namespace ingot::store {

std::string StoredModel::PrimaryPath() const { return files.empty() ? dir : dir + "/" + files.front().name; }

uint64_t StoredModel::TotalSize() const {
  uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  return total;
}

Result<std::string> Store::DefaultHome() {
  const char* home = std::getenv("INGOT_HOME");
  if (home != nullptr && *home != '\0') return std::string(home);
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/ingot";
  const char* user_home = std::getenv("HOME");
  if (user_home != nullptr && user_home[0] == '/' && std::string_view(user_home) != "/") {
    return std::string(user_home) + "/.local/share/ingot";
  }
  // A system service (no home directory of its own) keeps its models where services keep state.
  return std::string("/var/lib/ingot");
}

Result<Store> Store::Open(const std::string& home) {
  if (home.empty() || home[0] != '/') return InvalidArgument("store directory must be absolute: '" + home + "'");
  std::string root = home;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  for (const char* sub : {"/models", "/.partial", "/locks"}) INGOT_RETURN_IF_ERROR(MakeDirs(root + sub));
  return Store(root);
}

std::string Store::ModelDir(std::string_view name) const {
  assert(ValidateModelName(name).ok());
  return home_ + "/models/" + std::string(name);
}

std::string Store::PartialDir(std::string_view name) const {
  assert(ValidateModelName(name).ok());
  return home_ + "/.partial/" + std::string(name);
}

std::string Store::LockPath(std::string_view name) const {
  assert(ValidateModelName(name).ok());
  return home_ + "/locks/" + std::string(name) + ".lock";
}

Result<std::vector<StoredModel>> Store::List() const {
  if (!FileExists(IndexPath())) return std::vector<StoredModel>{};
  INGOT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(IndexPath()));
  INGOT_ASSIGN_OR_RETURN(std::vector<StoredModel> models, IndexFromJson(text, IndexPath()));
  // A model the store owns always lives in its own directory, whatever the file says.
  for (auto& m : models) {
    if (!m.external) m.dir = ModelDir(m.name);
  }
  return models;
}

Result<std::optional<StoredModel>> Store::Find(std::string_view name) const {
  INGOT_ASSIGN_OR_RETURN(std::vector<StoredModel> models, List());
  for (auto& m : models) {
    if (m.name == name) return std::optional<StoredModel>(std::move(m));
  }
  return std::optional<StoredModel>();
}

Status Store::Put(const StoredModel& model) {
  INGOT_RETURN_IF_ERROR(ValidateModelName(model.name));
  INGOT_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(home_ + "/locks/index.lock", true, nullptr));
  INGOT_ASSIGN_OR_RETURN(std::vector<StoredModel> models, List());
  auto it = std::find_if(models.begin(), models.end(), [&](const StoredModel& m) { return m.name == model.name; });
  if (it != models.end()) {
    *it = model;
  } else {
    models.push_back(model);
  }
  std::sort(models.begin(), models.end(), [](const StoredModel& a, const StoredModel& b) { return a.name < b.name; });
  return WriteStringToFile(IndexPath(), IndexToJson(models));
}

Result<StoredModel> Store::Remove(std::string_view name) {
  INGOT_RETURN_IF_ERROR(ValidateModelName(name));
  auto model_lock = FileLock::Acquire(LockPath(name), false, nullptr);
  if (!model_lock.ok()) {
    return Unavailable("a pull of '" + std::string(name) + "' is in progress; try again when it ends");
  }
  INGOT_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(home_ + "/locks/index.lock", true, nullptr));
  INGOT_ASSIGN_OR_RETURN(std::vector<StoredModel> models, List());
  auto it = std::find_if(models.begin(), models.end(), [&](const StoredModel& m) { return m.name == name; });
  if (it == models.end()) return NotFound("model '" + std::string(name) + "' is not in the store");
  StoredModel removed = *it;
  models.erase(it);
  INGOT_RETURN_IF_ERROR(WriteStringToFile(IndexPath(), IndexToJson(models)));
  if (!removed.external) INGOT_RETURN_IF_ERROR(RemoveAll(ModelDir(name)));
  INGOT_RETURN_IF_ERROR(RemoveAll(PartialDir(name)));
  return removed;
}

Result<std::optional<RecordedHash>> Store::RecordedHashFor(const std::string& url) const {
  const std::string path = home_ + "/hashes.json";
  if (!FileExists(path)) return std::optional<RecordedHash>();
  INGOT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  INGOT_ASSIGN_OR_RETURN(auto hashes, HashesFromJson(text, path));
  const auto it = hashes.find(url);
  if (it == hashes.end()) return std::optional<RecordedHash>();
  return std::optional<RecordedHash>(it->second);
}

Status Store::RecordHash(const std::string& url, const RecordedHash& hash) {
  if (!IsValidSha256Hex(hash.sha256)) return InvalidArgument("not a SHA-256: " + hash.sha256);
  const std::string path = home_ + "/hashes.json";
  INGOT_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(home_ + "/locks/index.lock", true, nullptr));
  std::map<std::string, RecordedHash> hashes;
  if (FileExists(path)) {
    INGOT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
    INGOT_ASSIGN_OR_RETURN(hashes, HashesFromJson(text, path));
  }
  hashes[url] = hash;
  return WriteStringToFile(path, HashesToJson(hashes));
}

Result<std::string> Store::ResolvePath(std::string_view ref) const {
  if (ValidateModelName(ref).ok()) {
    INGOT_ASSIGN_OR_RETURN(std::optional<StoredModel> model, Find(ref));
    if (model) {
      const std::string path = model->PrimaryPath();
      if (!FileExists(path)) {
        return NotFound("model '" + std::string(ref) + "' is in the index but " + path + " is missing; pull it again");
      }
      return path;
    }
  }
  const std::string path(ref);
  if (FileSize(path).ok()) return path;
  return NotFound("'" + path + "' is neither a stored model nor a file");
}

}  // namespace ingot::store
