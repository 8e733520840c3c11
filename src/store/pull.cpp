// Pull: resolve the source, lock, check space, download, verify, move into the store, index (see pull.h).
#include "store/pull.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "store/model_summary.h"
#include "store/names.h"
#include "store/sha256.h"
#include "store/system.h"

namespace ingot::store {

namespace {

// What to fetch, resolved from the request before anything touches the disk or the network.
struct PullPlan {
  std::string name;
  std::string source;                   // recorded in the index
  bool local = false;                   // register files in place
  std::string local_dir;                // local: the directory holding the parts
  std::vector<std::string> file_names;  // one per part, the first part first
  std::vector<std::string> fetch_urls;  // remote: per part, after the mirror rewrite
  std::vector<std::string> hash_keys;   // per part: the mirror-independent key of recorded hashes
  std::vector<std::string> expected;    // per part: expected sha256 ("" unknown)
  std::optional<uint64_t> catalog_size;
};

void Message(const PullOptions& o, const std::string& line) {
  if (o.on_message) o.on_message(line);
}

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<PullPlan> Resolve(const Catalog& catalog, const PullRequest& request, const PullOptions& options) {
  INGOT_ASSIGN_OR_RETURN(Source source, ParseSource(request.source, options.mirror));
  PullPlan plan;
  std::string expected = Lower(request.sha256);
  if (!expected.empty() && !IsValidSha256Hex(expected)) return InvalidArgument("--sha256 must be 64 hex digits");
  std::string canonical_url = source.url;
  if (source.kind == SourceKind::kCatalog) {
    const CatalogEntry* entry = catalog.Find(request.source);
    if (entry == nullptr) {
      return NotFound("'" + request.source + "' is not in the catalog (see `ingot catalog list`); give a URL, " +
                      "hf://ORG/REPO/FILE.gguf or a path");
    }
    plan.name = entry->name;
    plan.catalog_size = entry->size;
    if (expected.empty()) expected = entry->sha256;
    INGOT_ASSIGN_OR_RETURN(source, ParseSource(entry->url, options.mirror));
    INGOT_ASSIGN_OR_RETURN(Source plain, ParseSource(entry->url, ""));
    canonical_url = plain.url;
  } else if (source.kind != SourceKind::kLocalFile) {
    INGOT_ASSIGN_OR_RETURN(Source plain, ParseSource(request.source, ""));
    canonical_url = plain.url;
  }
  plan.source = source.kind == SourceKind::kLocalFile ? source.path : request.source;
  if (!request.name.empty()) plan.name = request.name;
  if (plan.name.empty()) {
    INGOT_ASSIGN_OR_RETURN(plan.name, ModelNameFromFileName(source.file_name));
  }
  INGOT_RETURN_IF_ERROR(ValidateModelName(plan.name));

  const std::optional<SplitName> split = ParseSplitName(source.file_name);
  if (split && split->index != 1) {
    return InvalidArgument(source.file_name + " is part " + std::to_string(split->index) + " of a split model; " +
                           "pull its first part (-00001-of-" + source.file_name.substr(source.file_name.size() - 10));
  }
  plan.file_names = split ? SplitPartNames(*split) : std::vector<std::string>{source.file_name};
  if (plan.file_names.size() > 1 && !expected.empty()) {
    return InvalidArgument("a SHA-256 can only be given for a single-file model; " + source.file_name + " has " +
                           std::to_string(plan.file_names.size()) + " parts");
  }
  if (source.kind == SourceKind::kLocalFile) {
    plan.local = true;
    std::error_code ec;
    const std::filesystem::path abs = std::filesystem::absolute(source.path, ec);
    if (ec) return InvalidArgument(source.path + ": " + ec.message());
    plan.local_dir = abs.parent_path().lexically_normal().string();
    plan.source = (abs.parent_path().lexically_normal() / source.file_name).string();
  }
  for (const auto& file : plan.file_names) {
    if (plan.local) {
      plan.hash_keys.push_back("file://" + plan.local_dir + "/" + file);
    } else {
      plan.fetch_urls.push_back(ReplaceUrlFileName(source.url, file));
      plan.hash_keys.push_back(ReplaceUrlFileName(canonical_url, file));
    }
  }
  plan.expected.assign(plan.file_names.size(), "");
  plan.expected[0] = expected;
  return plan;
}

// Fills unknown expected hashes from the hashes recorded at earlier pulls.
Status ApplyRecordedHashes(const Store& store, PullPlan& plan) {
  for (size_t i = 0; i < plan.file_names.size(); ++i) {
    if (!plan.expected[i].empty()) continue;
    INGOT_ASSIGN_OR_RETURN(std::optional<RecordedHash> rec, store.RecordedHashFor(plan.hash_keys[i]));
    if (rec) plan.expected[i] = rec->sha256;
  }
  return Status::Ok();
}

Status CheckHash(const std::string& path, const std::string& file, const std::string& expected, std::string* actual) {
  INGOT_ASSIGN_OR_RETURN(*actual, Sha256File(path));
  if (!expected.empty() && *actual != expected) {
    return Corrupt("sha256 mismatch for " + file + ": expected " + expected + ", got " + *actual);
  }
  return Status::Ok();
}

ModelSummary Summarize(const std::vector<std::string>& paths, const PullOptions& options) {
  auto summary = SummarizeFiles(paths);
  if (summary.ok()) return *summary;
  std::string why = summary.status().message();
  for (char& c : why) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  Message(options, "note: cannot read the GGUF header: " + why);
  return ModelSummary{};
}

Result<PullResult> RegisterLocal(Store& store, const PullPlan& plan, const PullOptions& options) {
  StoredModel model;
  model.name = plan.name;
  model.source = plan.source;
  model.dir = plan.local_dir;
  model.external = true;
  model.added_at = UnixSeconds();
  PullResult result;
  std::vector<std::string> paths;
  for (size_t i = 0; i < plan.file_names.size(); ++i) {
    const std::string path = plan.local_dir + "/" + plan.file_names[i];
    INGOT_ASSIGN_OR_RETURN(uint64_t size, FileSize(path));
    Message(options, "verifying sha256 of " + path);
    std::string actual;
    INGOT_RETURN_IF_ERROR(CheckHash(path, plan.file_names[i], plan.expected[i], &actual));
    if (plan.expected[i].empty()) {
      INGOT_RETURN_IF_ERROR(store.RecordHash(plan.hash_keys[i], {actual, size}));
      result.hash_recorded = true;
    }
    model.files.push_back({plan.file_names[i], size, actual});
    paths.push_back(path);
  }
  model.summary = Summarize(paths, options);
  INGOT_RETURN_IF_ERROR(store.Put(model));
  result.model = std::move(model);
  return result;
}

// The stored copy when it is complete and matches the plan, nullopt when it must be (re)downloaded.
Result<std::optional<StoredModel>> ExistingCopy(const Store& store, const PullPlan& plan) {
  INGOT_ASSIGN_OR_RETURN(std::optional<StoredModel> existing, store.Find(plan.name));
  if (!existing) return existing;
  if (existing->source != plan.source) {
    return InvalidArgument("the name '" + plan.name + "' is already used by " + existing->source +
                           "; remove it with `ingot rm " + plan.name + "` or choose another with --name");
  }
  if (existing->files.size() != plan.file_names.size()) return std::optional<StoredModel>();
  for (size_t i = 0; i < existing->files.size(); ++i) {
    const StoredFile& f = existing->files[i];
    auto size = FileSize(existing->dir + "/" + f.name);
    if (!size.ok() || *size != f.size) return std::optional<StoredModel>();
    if (!plan.expected[i].empty() && plan.expected[i] != f.sha256) {
      return Corrupt("the stored " + f.name + " has sha256 " + f.sha256 + ", expected " + plan.expected[i] +
                     "; remove it with `ingot rm " + plan.name + "` and pull again");
    }
  }
  return existing;
}

Status CheckFreeSpace(const PullPlan& plan, const std::string& partial_dir, const PullOptions& options) {
  uint64_t needed = 0;
  bool known = true;
  for (size_t i = 0; i < plan.fetch_urls.size(); ++i) {
    INGOT_ASSIGN_OR_RETURN(RemoteFile remote, ProbeUrl(plan.fetch_urls[i], options.fetch));
    std::optional<uint64_t> size = remote.size;
    if (!size && plan.fetch_urls.size() == 1) size = plan.catalog_size;
    if (!size) {
      known = false;
      continue;
    }
    const uint64_t have = FileSize(partial_dir + "/" + plan.file_names[i]).ok()
                              ? *FileSize(partial_dir + "/" + plan.file_names[i]) : 0;
    needed += *size > have ? *size - have : 0;
  }
  if (!known) Message(options, "note: the server did not say how large the file is; free space not checked");
  INGOT_ASSIGN_OR_RETURN(uint64_t free_bytes, FreeDiskBytes(partial_dir));
  if (needed + options.free_space_margin > free_bytes) {
    return ResourceExhausted("not enough disk space in " + partial_dir + ": the download needs " +
                             std::to_string(needed) + " bytes (+" + std::to_string(options.free_space_margin) +
                             " kept free), " + std::to_string(free_bytes) + " are available");
  }
  return Status::Ok();
}

Result<PullResult> Download(Store& store, const PullPlan& plan, const PullRequest& request,
                            const PullOptions& options) {
  const bool external = !request.to_dir.empty();
  const std::string final_dir = external ? request.to_dir : store.ModelDir(plan.name);
  const std::string partial_dir = external ? request.to_dir + "/.partial" : store.PartialDir(plan.name);
  INGOT_RETURN_IF_ERROR(MakeDirs(partial_dir));
  INGOT_RETURN_IF_ERROR(CheckFreeSpace(plan, partial_dir, options));

  PullResult result;
  StoredModel model;
  model.name = plan.name;
  model.source = plan.source;
  model.dir = final_dir;
  model.external = external;
  const int count = int(plan.file_names.size());
  for (int i = 0; i < count; ++i) {
    const std::string& file = plan.file_names[size_t(i)];
    const std::string& url = plan.fetch_urls[size_t(i)];
    const std::string partial = partial_dir + "/" + file;
    if (options.on_file) options.on_file(file, i + 1, count);
    FetchOptions fetch = options.fetch;
    fetch.bearer_token = IsHuggingFaceHost(UrlHost(url)) ? options.hf_token : "";
    INGOT_RETURN_IF_ERROR(FetchToFile(url, partial, fetch));
    Message(options, "verifying sha256 of " + file);
    std::string actual;
    if (Status st = CheckHash(partial, file, plan.expected[size_t(i)], &actual); !st.ok()) {
      (void)RemoveAll(partial);
      return Status(st.code(), st.message() + "; the download was discarded");
    }
    INGOT_ASSIGN_OR_RETURN(uint64_t size, FileSize(partial));
    model.files.push_back({file, size, actual});
  }
  // Every part is verified: move them into place (rename within one file system is atomic per file).
  INGOT_RETURN_IF_ERROR(MakeDirs(final_dir));
  std::vector<std::string> paths;
  for (const auto& f : model.files) {
    const std::string target = final_dir + "/" + f.name;
    if (std::rename((partial_dir + "/" + f.name).c_str(), target.c_str()) != 0) {
      return IoError("cannot move " + f.name + " into " + final_dir + ": " + std::strerror(errno));
    }
    paths.push_back(target);
    (void)DropFromPageCache(target);  // the first load reads it back in 2 MiB pages (util/mapped_file.h)
  }
  (void)RemoveAll(partial_dir);
  for (size_t i = 0; i < model.files.size(); ++i) {
    if (!plan.expected[i].empty()) continue;
    INGOT_RETURN_IF_ERROR(store.RecordHash(plan.hash_keys[i], {model.files[i].sha256, model.files[i].size}));
    result.hash_recorded = true;
  }
  model.added_at = UnixSeconds();
  model.summary = Summarize(paths, options);
  INGOT_RETURN_IF_ERROR(store.Put(model));
  result.model = std::move(model);
  return result;
}

}  // namespace

Result<PullResult> Pull(Store& store, const Catalog& catalog, const PullRequest& request, const PullOptions& options) {
  if (!request.to_dir.empty() && request.to_dir[0] != '/') return InvalidArgument("--to needs an absolute directory");
  INGOT_ASSIGN_OR_RETURN(PullPlan plan, Resolve(catalog, request, options));
  if (plan.local && !request.to_dir.empty()) return InvalidArgument("--to is for downloads; local files stay in place");
  bool contended = false;
  auto lock = FileLock::Acquire(store.LockPath(plan.name), false, &contended);
  if (!lock.ok() && contended) {
    Message(options, "waiting for another pull of " + plan.name + " to finish");
    lock = FileLock::Acquire(store.LockPath(plan.name), true, nullptr);
  }
  if (!lock.ok()) return lock.status();
  INGOT_RETURN_IF_ERROR(ApplyRecordedHashes(store, plan));
  if (plan.local) return RegisterLocal(store, plan, options);
  INGOT_ASSIGN_OR_RETURN(std::optional<StoredModel> existing, ExistingCopy(store, plan));
  if (existing) {
    PullResult result;
    result.model = std::move(*existing);
    result.already_present = true;
    return result;
  }
  if (options.offline) {
    return Unavailable("offline: '" + plan.name + "' is not in the store (pull it on a connected machine, or " +
                       "give a local path)");
  }
  return Download(store, plan, request, options);
}

PullOptions PullOptionsFromEnvironment() {
  PullOptions options;
  for (const char* var : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') {
      options.hf_token = v;
      break;
    }
  }
  if (const char* mirror = std::getenv("INGOT_MIRROR"); mirror != nullptr) options.mirror = mirror;
  return options;
}

}  // namespace ingot::store
