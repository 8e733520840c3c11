// The Llama family (llama.cpp architecture "llama": Llama 2/3, Mistral-style GQA, TinyLlama, SmolLM, stories).
#pragma once

#include <memory>

#include "model/model.h"

namespace ingot::model {

Result<std::unique_ptr<Model>> LoadLlama(std::shared_ptr<const gguf::File> file, ThreadPool& pool);

}  // namespace ingot::model
