// Model names, sources and file names for the store: what `ingot pull` accepts (catalog name, http(s) URL,
// hf://ORG/REPO/FILE.gguf, file:// URL, absolute path) and the rules that keep every name inside the store
// (no path traversal, no hidden files, no separators). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace ingot::store {

// A store name: 1..96 characters of [a-z0-9._-], starting with a letter or digit, without "..".
Status ValidateModelName(std::string_view name);
// A store name derived from a file name: lowercased, ".gguf" and a "-00001-of-00003" split suffix dropped,
// other characters mapped to '-'. "Llama-3.2-3B-Instruct-Q4_K_M.gguf" -> "llama-3.2-3b-instruct-q4_k_m".
Result<std::string> ModelNameFromFileName(std::string_view file_name);
// A file name that may be created inside a model directory: 1..200 bytes of UTF-8, no '/', '\\' or control
// characters, not starting with '.'.
Status ValidateFileName(std::string_view file_name);
bool IsValidSha256Hex(std::string_view hex);  // 64 hex digits (either case)
bool IsValidUtf8(std::string_view s);  // well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF)

enum class SourceKind {
  kCatalog,      // a catalog (or store) name
  kHttp,         // http:// or https:// URL
  kHuggingFace,  // hf://ORG/REPO[@REVISION]/PATH/FILE.gguf
  kLocalFile,    // file:///abs/path or /abs/path: registered in place
};

struct Source {
  SourceKind kind = SourceKind::kCatalog;
  std::string text;       // as given
  std::string url;        // kHttp and kHuggingFace: the https URL to fetch (after the mirror rewrite)
  std::string path;       // kLocalFile: absolute path
  std::string file_name;  // last component of the URL path or file path ("" for kCatalog)
};

// Parses what the user typed. `mirror` (INGOT_MIRROR, may be empty) replaces https://huggingface.co as the base
// of Hugging Face URLs. Relative paths must be written "./x.gguf" or as absolute paths; a bare word is a name.
Result<Source> ParseSource(std::string_view text, std::string_view mirror);
// hf://org/repo[@rev]/path -> <base>/org/repo/resolve/<rev or main>/path, base = mirror or https://huggingface.co.
Result<std::string> HuggingFaceUrl(std::string_view hf_ref, std::string_view mirror);
// Lowercased host of an http(s) URL without port or credentials ("" when not a URL).
std::string UrlHost(std::string_view url);
// True for huggingface.co, hf.co and their subdomains: the only hosts HF_TOKEN is sent to.
bool IsHuggingFaceHost(std::string_view host);
// The decoded last path component of a URL (query and fragment dropped).
std::string UrlFileName(std::string_view url);
// The URL with its last path component replaced (query and fragment dropped).
std::string ReplaceUrlFileName(std::string_view url, std::string_view file_name);

// A multi-file GGUF part name: <prefix>-00002-of-00005.gguf.
struct SplitName {
  std::string prefix;  // "model" for "model-00002-of-00005.gguf"
  int index = 0;       // 1-based
  int count = 0;
};
std::optional<SplitName> ParseSplitName(std::string_view file_name);
// All part file names in order, e.g. model-00001-of-00002.gguf, model-00002-of-00002.gguf.
std::vector<std::string> SplitPartNames(const SplitName& split);

}  // namespace ingot::store
