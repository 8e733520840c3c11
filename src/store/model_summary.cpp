// GGUF header summaries for the store index (see model_summary.h).
#include "store/model_summary.h"

#include <map>
#include <memory>

namespace ingot::store {

ModelSummary SummarizeGguf(const std::vector<const gguf::File*>& parts) {
  ModelSummary s;
  if (parts.empty()) return s;
  const gguf::File& first = *parts.front();
  auto arch = first.GetString("general.architecture");
  if (arch.ok() && arch->has_value()) s.architecture = **arch;
  if (!s.architecture.empty()) {
    auto ctx = first.GetInt(s.architecture + ".context_length");
    if (ctx.ok() && ctx->has_value()) s.context = **ctx;
  }
  std::map<std::string, uint64_t> bytes_by_type;
  for (const gguf::File* part : parts) {
    for (const auto& t : part->tensors()) {
      s.parameters += t.n_elements;
      if (t.dims.size() >= 2) bytes_by_type[std::string(DTypeName(t.type))] += t.n_bytes;
    }
  }
  uint64_t best = 0;
  for (const auto& [type, bytes] : bytes_by_type) {
    if (bytes > best) {
      best = bytes;
      s.quantization = type;
    }
  }
  return s;
}

Result<ModelSummary> SummarizeFiles(const std::vector<std::string>& paths) {
  std::vector<std::unique_ptr<gguf::File>> files;
  std::vector<const gguf::File*> parts;
  for (const auto& path : paths) {
    INGOT_ASSIGN_OR_RETURN(std::unique_ptr<gguf::File> file, gguf::File::Open(path));
    parts.push_back(file.get());
    files.push_back(std::move(file));
  }
  return SummarizeGguf(parts);
}

}  // namespace ingot::store
