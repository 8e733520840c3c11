// Tokenizer and Jinja template adapters behind the server's TextCodec / PromptRenderer seams.
#include "server/engine_text.h"

#include "chat/template.h"
#include "tokenizer/tokenizer.h"

namespace ingot::server {
namespace {

class TokenizerCodec : public TextCodec {
 public:
  explicit TokenizerCodec(const tok::Tokenizer& tokenizer) : tok_(tokenizer) {}
  std::vector<int32_t> Encode(std::string_view text, bool add_special, bool parse_special) const override {
    return tok_.Encode(text, add_special, parse_special);
  }
  std::string Decode(const std::vector<int32_t>& tokens) const override { return tok_.Decode(tokens); }
  std::string TokenPiece(int32_t token) const override { return tok_.TokenToPiece(token); }
  int32_t vocab_size() const override { return tok_.n_vocab(); }
  int32_t bos() const override { return tok_.add_bos() ? tok_.bos() : -1; }

 private:
  const tok::Tokenizer& tok_;
};

class TemplateRenderer : public PromptRenderer {
 public:
  TemplateRenderer(std::string source, chat::ChatTemplate tmpl, std::string bos, std::string eos)
      : source_(std::move(source)), tmpl_(std::move(tmpl)), bos_(std::move(bos)), eos_(std::move(eos)) {}

  Result<std::string> Render(const RenderInput& input) const override {
    chat::RenderOptions options;
    options.messages = input.messages;
    options.tools = input.tools;
    options.add_generation_prompt = input.add_generation_prompt;
    options.bos_token = bos_;
    options.eos_token = eos_;
    options.extra_context = input.extra_context;
    options.date_override = input.date_override;
    return tmpl_.Render(options);
  }
  const std::string& source() const override { return source_; }

 private:
  std::string source_;
  chat::ChatTemplate tmpl_;
  std::string bos_;
  std::string eos_;
};

}  // namespace

std::unique_ptr<TextCodec> MakeTokenizerCodec(const tok::Tokenizer& tokenizer) {
  return std::make_unique<TokenizerCodec>(tokenizer);
}

Result<std::unique_ptr<PromptRenderer>> MakeTemplateRenderer(const std::string& source, const std::string& bos_token,
                                                             const std::string& eos_token) {
  INGOT_ASSIGN_OR_RETURN(chat::ChatTemplate tmpl, chat::ChatTemplate::Parse(source));
  return std::unique_ptr<PromptRenderer>(
      std::make_unique<TemplateRenderer>(source, std::move(tmpl), bos_token, eos_token));
}

}  // namespace ingot::server
