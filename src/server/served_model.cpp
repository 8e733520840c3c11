// MakeServedModel: the chat template (the model's, a file's, or ChatML), the tokenizer codec and the model names.
#include "server/served_model.h"

#include <filesystem>

#include "chat/template.h"
#include "server/engine_text.h"
#include "tokenizer/tokenizer.h"
#include "util/log.h"
#include "util/mapped_file.h"

namespace ingot::server {

Result<std::unique_ptr<ServedModel>> MakeServedModel(const ServedModelSettings& s,
                                                     std::unique_ptr<engine::Engine> engine) {
  auto served = std::make_unique<ServedModel>();
  const engine::ModelSummary& summary = engine->summary();
  const tok::Tokenizer& tokenizer = engine->tokenizer();
  std::string source = summary.chat_template;
  if (!s.chat_template_file.empty()) {
    INGOT_ASSIGN_OR_RETURN(source, ReadFileToString(s.chat_template_file));
  } else if (source.empty()) {
    LogWarn("serve: the model has no chat template; using ChatML");
    source = chat::DefaultChatMlTemplate();
  }
  std::string bos = tokenizer.bos() >= 0 ? tokenizer.TokenText(tokenizer.bos()) : "";
  std::string eos = tokenizer.eos() >= 0 ? tokenizer.TokenText(tokenizer.eos()) : "";
  INGOT_ASSIGN_OR_RETURN(served->renderer, MakeTemplateRenderer(source, bos, eos));
  served->codec = MakeTokenizerCodec(tokenizer);
  std::filesystem::path path(s.model_path);
  served->id = s.alias.empty() ? path.filename().string() : s.alias;
  served->names = {served->id, s.model_path, path.filename().string(), path.stem().string()};
  if (!summary.name.empty()) served->names.push_back(summary.name);
  if (!s.model_arg.empty()) served->names.push_back(s.model_arg);  // the store or catalog name it was given
  served->engine = std::move(engine);
  return served;
}

}  // namespace ingot::server
