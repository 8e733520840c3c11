// `ingot pull`: brings a model into the store from a catalog name, an http(s) URL, hf://ORG/REPO/FILE.gguf, a
// file:// URL or an absolute path, and registers it in the index.
//
// Downloads go to .partial/<name>/ (resumed on the next pull after an interruption), are checked against the
// expected SHA-256 (from --sha256, the catalog, or the hash recorded at an earlier pull of the same URL) and only
// then renamed into models/<name>/. A wrong hash removes the partial file and leaves the store as it was. A
// lock per model serialises concurrent pulls of the same model (the second one finds it already stored). The
// free space on the target file system is checked before downloading. Split GGUFs (-00001-of-0000N) are pulled
// part by part, all into one directory. Local files are registered where they are (nothing is copied) after
// their hash is checked. HF_TOKEN is offered only to Hugging Face hosts.
#pragma once

#include <functional>
#include <string>

#include "store/catalog.h"
#include "store/http_fetch.h"
#include "store/store.h"
#include "util/status.h"

namespace ingot::store {

struct PullRequest {
  std::string source;  // NAME | https://... | hf://ORG/REPO[@REV]/FILE.gguf | file:///abs | /abs/path
  std::string name;    // store name; "" = the catalog name or one derived from the file name
  std::string sha256;  // expected hash (single-file models only); overrides the catalog
  std::string to_dir;  // absolute directory to download into instead of the store (registered as external)
};

struct PullOptions {
  std::string hf_token;  // sent only to huggingface.co / hf.co hosts
  std::string mirror;    // INGOT_MIRROR: replaces https://huggingface.co for hf:// and huggingface.co URLs
  bool offline = false;  // never touch the network: only already-stored models succeed
  uint64_t free_space_margin = uint64_t(64) << 20;  // kept free beyond the download
  FetchOptions fetch;    // retries, timeouts; its on_progress/on_note are called for each file
  // Called with one line per step ("verifying sha256 ...").
  std::function<void(const std::string&)> on_message;
  // Called before each file's download with its name and part number (1-based) of `count`.
  std::function<void(const std::string& file, int part, int count)> on_file;
};

struct PullResult {
  StoredModel model;
  bool already_present = false;  // nothing was downloaded
  bool hash_recorded = false;    // no hash was known: this pull recorded it (trust on first use)
};

Result<PullResult> Pull(Store& store, const Catalog& catalog, const PullRequest& request, const PullOptions& options);

// Options from the environment: HF_TOKEN (or HUGGING_FACE_HUB_TOKEN) and INGOT_MIRROR.
PullOptions PullOptionsFromEnvironment();

}  // namespace ingot::store
