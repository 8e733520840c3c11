// Loaders of the architecture families (llama.cpp naming); LoadModel (model.cpp) dispatches to them.
#pragma once

#include <memory>

#include "model/model.h"

namespace ingot::model {

// "llama": Llama 2/3, Mistral-style GQA, TinyLlama, SmolLM, stories; Mixtral-style experts when present.
// "mistral3": the llama graph with YaRN extras and the Llama 4 attention temperature.
Result<std::unique_ptr<Model>> LoadLlama(std::shared_ptr<const gguf::File> file, ThreadPool& pool);
// "qwen2" (QKV bias), "qwen3" (Q/K norm), "qwen3moe" (Q/K norm, routed experts).
Result<std::unique_ptr<Model>> LoadQwen(std::shared_ptr<const gguf::File> file, ThreadPool& pool);
// "gemma2" (alternating sliding/global layers, attention and logit soft-caps) and "gemma3" (5 sliding + 1 global
// layers, Q/K norm): sandwich norms, GeGLU, scaled embeddings.
Result<std::unique_ptr<Model>> LoadGemma(std::shared_ptr<const gguf::File> file, ThreadPool& pool);
// "gemma4": per-layer attention geometry, V norm, shared-KV layers, per-layer embeddings, MoE layers.
Result<std::unique_ptr<Model>> LoadGemma4(std::shared_ptr<const gguf::File> file, ThreadPool& pool);

// "phi3": fused QKV and gate/up projections, LongRoPE short factors.
Result<std::unique_ptr<Model>> LoadPhi3(std::shared_ptr<const gguf::File> file, ThreadPool& pool);

}  // namespace ingot::model
