// Model names, sources and file names: parsing and validation (see names.h).
#include "store/names.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

namespace ingot::store {

namespace {

constexpr std::string_view kHuggingFaceBase = "https://huggingface.co";
constexpr size_t kMaxNameLength = 96;
constexpr size_t kMaxFileNameLength = 200;

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// The URL without query and fragment.
std::string_view UrlPath(std::string_view url) {
  const size_t cut = url.find_first_of("?#");
  return cut == std::string_view::npos ? url : url.substr(0, cut);
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Status ValidateModelName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return InvalidArgument("model name must be 1.." + std::to_string(kMaxNameLength) + " characters: '" +
                           std::string(name.substr(0, kMaxNameLength)) + "'");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) {
      return InvalidArgument("model name '" + std::string(name) +
                             "' may only hold lowercase letters, digits, '.', '-' and '_'");
    }
  }
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) {
    return InvalidArgument("model name '" + std::string(name) + "' must start with a letter or digit");
  }
  if (name.find("..") != std::string_view::npos) {
    return InvalidArgument("model name '" + std::string(name) + "' must not contain '..'");
  }
  return Status::Ok();
}

Result<std::string> ModelNameFromFileName(std::string_view file_name) {
  std::string_view stem = file_name;
  if (EndsWithIgnoreCase(stem, ".gguf")) stem.remove_suffix(5);
  if (auto split = ParseSplitName(file_name)) stem = stem.substr(0, split->prefix.size());
  std::string name;
  for (char c : stem) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '.' ||
                      lower == '_' || lower == '-';
    const char mapped = keep ? lower : '-';
    if (name.empty() && !std::isalnum(static_cast<unsigned char>(mapped))) continue;  // start with [a-z0-9]
    if (mapped == '.' && !name.empty() && name.back() == '.') continue;                // no ".."
    name.push_back(mapped);
  }
  if (name.size() > kMaxNameLength) name.resize(kMaxNameLength);
  INGOT_RETURN_IF_ERROR(ValidateModelName(name));
  return name;
}

Status ValidateFileName(std::string_view file_name) {
  if (file_name.empty() || file_name.size() > kMaxFileNameLength) {
    return InvalidArgument("file name must be 1.." + std::to_string(kMaxFileNameLength) + " bytes");
  }
  if (file_name[0] == '.') return InvalidArgument("file name '" + std::string(file_name) + "' starts with '.'");
  if (!IsValidUtf8(file_name)) return InvalidArgument("file name is not valid UTF-8");
  for (char c : file_name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("file name '" + std::string(file_name) + "' holds a separator or control character");
    }
  }
  return Status::Ok();
}

bool IsValidSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (HexValue(c) < 0) return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + size_t(extra) >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + size_t(k)]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += size_t(extra) + 1;
  }
  return true;
}

Result<std::string> HuggingFaceUrl(std::string_view hf_ref, std::string_view mirror) {
  if (!StartsWith(hf_ref, "hf://")) return InvalidArgument("not an hf:// reference: " + std::string(hf_ref));
  const std::string_view rest = hf_ref.substr(5);
  const size_t org_end = rest.find('/');
  const size_t repo_end = org_end == std::string_view::npos ? org_end : rest.find('/', org_end + 1);
  if (org_end == 0 || org_end == std::string_view::npos || repo_end == std::string_view::npos ||
      repo_end == org_end + 1 || repo_end + 1 >= rest.size()) {
    return InvalidArgument("expected hf://ORG/REPO/FILE.gguf, got '" + std::string(hf_ref) + "'");
  }
  const std::string_view org = rest.substr(0, org_end);
  std::string_view repo = rest.substr(org_end + 1, repo_end - org_end - 1);
  const std::string_view path = rest.substr(repo_end + 1);
  std::string_view revision = "main";
  if (const size_t at = repo.find('@'); at != std::string_view::npos) {
    revision = repo.substr(at + 1);
    repo = repo.substr(0, at);
  }
  for (std::string_view part : {org, repo, revision}) {
    if (part.empty() || part == "." || part == ".." || part.find_first_of("?#% ") != std::string_view::npos) {
      return InvalidArgument("bad organisation, repository or revision in '" + std::string(hf_ref) + "'");
    }
  }
  if (path.find("..") != std::string_view::npos || path.find_first_of("?# ") != std::string_view::npos) {
    return InvalidArgument("bad file path in '" + std::string(hf_ref) + "'");
  }
  std::string base(mirror.empty() ? kHuggingFaceBase : mirror);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + std::string(org) + "/" + std::string(repo) + "/resolve/" + std::string(revision) + "/" +
         std::string(path);
}

std::string UrlHost(std::string_view url) {
  size_t start;
  if (StartsWith(url, "https://")) {
    start = 8;
  } else if (StartsWith(url, "http://")) {
    start = 7;
  } else {
    return "";
  }
  std::string_view authority = url.substr(start);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority[0] == '[') {
    authority = authority.substr(0, authority.find(']') + 1);
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    authority = authority.substr(0, colon);
  }
  std::string host;
  for (char c : authority) host.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return host;
}

bool IsHuggingFaceHost(std::string_view host) {
  for (std::string_view domain : {std::string_view("huggingface.co"), std::string_view("hf.co")}) {
    if (host == domain) return true;
    if (host.size() > domain.size() && host.substr(host.size() - domain.size()) == domain &&
        host[host.size() - domain.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

std::string UrlFileName(std::string_view url) {
  const std::string_view path = UrlPath(url);
  const size_t slash = path.rfind('/');
  return PercentDecode(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string ReplaceUrlFileName(std::string_view url, std::string_view file_name) {
  const std::string_view path = UrlPath(url);
  const size_t slash = path.rfind('/');
  return std::string(path.substr(0, slash + 1)) + std::string(file_name);
}

Result<Source> ParseSource(std::string_view text, std::string_view mirror) {
  Source source;
  source.text = std::string(text);
  if (text.empty()) return InvalidArgument("empty model source");
  if (!IsValidUtf8(text)) return InvalidArgument("model source is not valid UTF-8");
  if (StartsWith(text, "hf://")) {
    source.kind = SourceKind::kHuggingFace;
    INGOT_ASSIGN_OR_RETURN(source.url, HuggingFaceUrl(text, mirror));
  } else if (StartsWith(text, "https://") || StartsWith(text, "http://")) {
    source.kind = SourceKind::kHttp;
    if (UrlHost(text).empty()) return InvalidArgument("URL without a host: " + std::string(text));
    source.url = std::string(text);
    if (!mirror.empty() && UrlHost(text) == "huggingface.co") {
      std::string base(mirror);
      while (!base.empty() && base.back() == '/') base.pop_back();
      source.url = base + std::string(text.substr(text.find("huggingface.co") + 14));
    }
  } else if (StartsWith(text, "file://")) {
    source.kind = SourceKind::kLocalFile;
    source.path = PercentDecode(text.substr(7));
    if (source.path.empty() || source.path[0] != '/') {
      return InvalidArgument("file:// URLs need an absolute path (file:///dir/model.gguf): " + std::string(text));
    }
  } else if (text[0] == '/' || StartsWith(text, "./") || StartsWith(text, "../")) {
    source.kind = SourceKind::kLocalFile;
    source.path = std::string(text);
  } else {
    source.kind = SourceKind::kCatalog;
    INGOT_RETURN_IF_ERROR(ValidateModelName(text));
    return source;
  }
  if (source.kind == SourceKind::kLocalFile) {
    const size_t slash = source.path.rfind('/');
    source.file_name = source.path.substr(slash + 1);
  } else {
    source.file_name = UrlFileName(source.url);
  }
  INGOT_RETURN_IF_ERROR(ValidateFileName(source.file_name));
  return source;
}

std::optional<SplitName> ParseSplitName(std::string_view file_name) {
  if (!EndsWithIgnoreCase(file_name, ".gguf")) return std::nullopt;
  std::string_view stem = file_name.substr(0, file_name.size() - 5);
  // <prefix>-NNNNN-of-NNNNN
  constexpr size_t kTail = 1 + 5 + 4 + 5;
  if (stem.size() <= kTail) return std::nullopt;
  const std::string_view tail = stem.substr(stem.size() - kTail);
  if (tail[0] != '-' || tail.substr(6, 4) != "-of-" || !IsDigits(tail.substr(1, 5)) || !IsDigits(tail.substr(10, 5))) {
    return std::nullopt;
  }
  SplitName split;
  split.prefix = std::string(stem.substr(0, stem.size() - kTail));
  split.index = std::stoi(std::string(tail.substr(1, 5)));
  split.count = std::stoi(std::string(tail.substr(10, 5)));
  if (split.count < 1 || split.index < 1 || split.index > split.count) return std::nullopt;
  return split;
}

std::vector<std::string> SplitPartNames(const SplitName& split) {
  std::vector<std::string> names;
  for (int i = 1; i <= split.count; ++i) {
    char tail[32];
    std::snprintf(tail, sizeof(tail), "-%05d-of-%05d.gguf", i, split.count);
    names.push_back(split.prefix + tail);
  }
  return names;
}

}  // namespace ingot::store
