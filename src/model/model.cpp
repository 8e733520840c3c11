// LoadModel: dispatch on general.architecture to the family that implements it.
#include "model/model.h"

#include "model/families.h"

namespace ingot::model {

std::vector<std::string> SupportedArchitectures() {
  return {"llama", "mistral3", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3", "gemma4", "phi3"};
}

namespace {

// Embedding tables that decode only looks rows up in stay in 4 KiB pages: through 2 MiB pages every token would
// bring 2 MiB of a 100+ MiB table into memory (on the 1B Llama shape, +130 MiB of peak RSS over 256 tokens).
// An untied token embedding is such a table; a tied one is also the output head, read whole every token.
void AdviseLookupTables(const gguf::File& file) {
  const gguf::TensorInfo* embd = file.FindTensor("token_embd.weight");
  if (embd != nullptr && file.FindTensor("output.weight") != nullptr) file.AdviseSparse(*embd);
  if (const gguf::TensorInfo* ple = file.FindTensor("per_layer_token_embd.weight")) file.AdviseSparse(*ple);
}

}  // namespace

Result<std::unique_ptr<Model>> LoadModel(std::shared_ptr<const gguf::File> file, ThreadPool& pool) {
  AdviseLookupTables(*file);
  INGOT_ASSIGN_OR_RETURN(auto arch, file->GetString("general.architecture"));
  if (!arch) return Corrupt(file->path() + ": missing metadata key 'general.architecture'");
  if (*arch == "llama" || *arch == "mistral3") return LoadLlama(std::move(file), pool);
  if (*arch == "qwen2" || *arch == "qwen3" || *arch == "qwen3moe") return LoadQwen(std::move(file), pool);
  if (*arch == "gemma2" || *arch == "gemma3") return LoadGemma(std::move(file), pool);
  if (*arch == "gemma4") return LoadGemma4(std::move(file), pool);
  if (*arch == "phi3") return LoadPhi3(std::move(file), pool);
  std::string list;
  for (const auto& a : SupportedArchitectures()) list += (list.empty() ? "" : ", ") + a;
  return Unsupported("unsupported model architecture '" + *arch + "' (supported: " + list + ")");
}

}  // namespace ingot::model
