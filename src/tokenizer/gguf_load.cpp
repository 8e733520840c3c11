// Tokenizer::FromGguf: reads the tokenizer.ggml.* metadata into a VocabSpec.
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace ingot::tok {
namespace {

Status ReadId(const gguf::File& file, const char* key, std::optional<int64_t>* out) {
  INGOT_ASSIGN_OR_RETURN(*out, file.GetInt(key));
  return Status::Ok();
}

Status ReadFlag(const gguf::File& file, const char* key, std::optional<bool>* out) {
  INGOT_ASSIGN_OR_RETURN(*out, file.GetBool(key));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(const gguf::File& file) {
  VocabSpec spec;
  INGOT_ASSIGN_OR_RETURN(std::optional<std::string> model, file.GetString("tokenizer.ggml.model"));
  if (!model) return Corrupt(file.path() + ": tokenizer.ggml.model is missing");
  spec.model = *model;
  INGOT_ASSIGN_OR_RETURN(spec.pre, file.GetString("tokenizer.ggml.pre"));
  INGOT_ASSIGN_OR_RETURN(std::optional<std::string> name, file.GetString("general.name"));
  spec.name = name.value_or("");

  INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> tokens, file.GetStringArray("tokenizer.ggml.tokens"));
  if (!tokens) return Corrupt(file.path() + ": tokenizer.ggml.tokens is missing");
  spec.tokens = std::move(*tokens);

  // Scores are float32, or int32 in a few old conversions.
  auto scores = file.GetFloatArray("tokenizer.ggml.scores");
  if (scores.ok()) {
    if (*scores) spec.scores = std::move(**scores);
  } else {
    INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> iscores, file.GetIntArray("tokenizer.ggml.scores"));
    if (iscores) {
      for (const int64_t s : *iscores) spec.scores.push_back(static_cast<float>(s));
    }
  }
  INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> types, file.GetIntArray("tokenizer.ggml.token_type"));
  if (types) {
    spec.types.reserve(types->size());
    for (const int64_t t : *types) spec.types.push_back(static_cast<int32_t>(t));
  }
  INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> merges, file.GetStringArray("tokenizer.ggml.merges"));
  if (merges) spec.merges = std::move(*merges);

  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.bos_token_id", &spec.bos));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.eos_token_id", &spec.eos));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.eot_token_id", &spec.eot));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.eom_token_id", &spec.eom));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.unknown_token_id", &spec.unk));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.seperator_token_id", &spec.sep));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.padding_token_id", &spec.pad));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.mask_token_id", &spec.mask));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.fim_pre_token_id", &spec.fim_pre));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.fim_suf_token_id", &spec.fim_suf));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.fim_mid_token_id", &spec.fim_mid));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.fim_pad_token_id", &spec.fim_pad));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.fim_rep_token_id", &spec.fim_rep));
  INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.fim_sep_token_id", &spec.fim_sep));
  // Older files name the FIM tokens prefix/suffix/middle.
  if (!spec.fim_pre) INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.prefix_token_id", &spec.fim_pre));
  if (!spec.fim_suf) INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.suffix_token_id", &spec.fim_suf));
  if (!spec.fim_mid) INGOT_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.middle_token_id", &spec.fim_mid));

  INGOT_RETURN_IF_ERROR(ReadFlag(file, "tokenizer.ggml.add_bos_token", &spec.add_bos));
  INGOT_RETURN_IF_ERROR(ReadFlag(file, "tokenizer.ggml.add_eos_token", &spec.add_eos));
  INGOT_RETURN_IF_ERROR(ReadFlag(file, "tokenizer.ggml.add_space_prefix", &spec.add_space_prefix));

  auto tokenizer = FromSpec(std::move(spec));
  if (!tokenizer.ok()) return Status(tokenizer.status().code(), file.path() + ": " + tokenizer.status().message());
  return tokenizer;
}

}  // namespace ingot::tok
