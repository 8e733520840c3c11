// Summaries shown in the server banner, /v1/models and `ingot inspect`.
#include "engine/summary.h"

#include <filesystem>

namespace ingot::engine {

std::map<std::string, uint64_t> WeightBytesByType(const gguf::File& file) {
  std::map<std::string, uint64_t> bytes;
  for (const auto& t : file.tensors()) bytes[std::string(DTypeName(t.type))] += t.n_bytes;
  return bytes;
}

std::string DominantType(const gguf::File& file) {
  std::map<std::string, uint64_t> bytes;
  for (const auto& t : file.tensors()) {
    if (t.dims.size() >= 2) bytes[std::string(DTypeName(t.type))] += t.n_bytes;
  }
  std::string best;
  uint64_t most = 0;
  for (const auto& [type, n] : bytes) {
    if (n > most) {
      most = n;
      best = type;
    }
  }
  return best;
}

ModelSummary Summarize(const gguf::File& file, const model::ModelInfo& info) {
  ModelSummary s;
  s.name = info.name.empty() ? std::filesystem::path(file.path()).stem().string() : info.name;
  s.path = file.path();
  s.architecture = info.architecture;
  s.quantization = DominantType(file);
  s.n_params = info.n_params;
  s.n_ctx_train = info.n_ctx_train;
  s.n_vocab = info.n_vocab;
  s.n_embd = info.n_embd;
  s.weight_bytes = info.weight_bytes;
  auto tmpl = file.GetString("tokenizer.chat_template");
  if (tmpl.ok() && tmpl->has_value()) s.chat_template = **tmpl;
  return s;
}

}  // namespace ingot::engine
