// `ingot template render`: prints exactly the prompt text the server would tokenize for a chat request (same
// request parsing, same template rendering), or with --tokens the token ids and pieces. Errors go to stderr.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "chat/template.h"
#include "cli/commands.h"
#include "cli/store_commands.h"
#include "gguf/gguf.h"
#include "server/chat_prompt.h"
#include "server/engine_text.h"
#include "server/openai_request.h"
#include "tokenizer/tokenizer.h"
#include "util/mapped_file.h"

namespace ingot::cli {

namespace {

struct TemplateOptions {
  std::string model;
  std::string template_file;
  std::string messages;
  std::string tools;
  std::string kwargs;
  bool no_generation_prompt = false;
  std::string bos;
  std::string eos;
  bool tokens = false;
  std::string date;
};

nlohmann::ordered_json ReadJsonArg(const std::string& path, const char* what) {
  Result<std::string> text = path == "-" ? Result<std::string>(std::string(std::istreambuf_iterator<char>(std::cin), {}))
                                         : ReadFileToString(path);
  if (!text.ok()) Fail(text.status());
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(*text, nullptr, false);
  if (j.is_discarded()) Fail(InvalidArgument(std::string(what) + ": " + path + " is not valid JSON"));
  return j;
}

void Render(const TemplateOptions& o) {
  if (o.model.empty() == o.template_file.empty()) Fail(InvalidArgument("give exactly one of --model or --template"));
  if (o.tokens && o.model.empty()) Fail(InvalidArgument("--tokens needs --model (the tokenizer comes from it)"));

  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  body["messages"] = ReadJsonArg(o.messages, "--messages");
  if (!o.tools.empty()) body["tools"] = ReadJsonArg(o.tools, "--tools");
  if (!o.kwargs.empty()) {
    nlohmann::ordered_json kw = nlohmann::ordered_json::parse(o.kwargs, nullptr, false);
    if (kw.is_discarded() || !kw.is_object()) Fail(InvalidArgument("--kwargs must be a JSON object"));
    body["chat_template_kwargs"] = kw;
  }
  body["add_generation_prompt"] = !o.no_generation_prompt;
  server::ChatRequest request;
  if (auto err = server::ParseTemplateRequest(body, &request)) Fail(InvalidArgument(err->message));
  if (!o.date.empty()) request.render.date_override = o.date;

  std::string source;
  std::string bos = o.bos, eos = o.eos;
  std::unique_ptr<gguf::File> file;
  std::unique_ptr<tok::Tokenizer> tokenizer;
  if (!o.model.empty()) {
    auto path = ResolveModelArgument(o.model, false);
    if (!path.ok()) Fail(path.status());
    auto opened = gguf::File::Open(*path);
    if (!opened.ok()) Fail(opened.status());
    file = std::move(opened).value();
    auto tk = tok::Tokenizer::FromGguf(*file);
    if (!tk.ok()) Fail(tk.status());
    tokenizer = std::move(tk).value();
    auto tmpl = file->GetString("tokenizer.chat_template");
    source = tmpl.ok() && tmpl->has_value() ? **tmpl : chat::DefaultChatMlTemplate();
    if (bos.empty() && tokenizer->bos() >= 0) bos = tokenizer->TokenText(tokenizer->bos());
    if (eos.empty() && tokenizer->eos() >= 0) eos = tokenizer->TokenText(tokenizer->eos());
  } else {
    auto text = ReadFileToString(o.template_file);
    if (!text.ok()) Fail(text.status());
    source = *text;
  }
  auto renderer = server::MakeTemplateRenderer(source, bos, eos);
  if (!renderer.ok()) Fail(renderer.status());
  auto prompt = server::RenderChatPrompt(request.render, **renderer);
  if (!prompt.ok()) throw CommandError{prompt.status().message()};
  if (!o.tokens) {
    std::fwrite(prompt->data(), 1, prompt->size(), stdout);
    return;
  }
  auto codec = server::MakeTokenizerCodec(*tokenizer);
  for (int32_t id : server::TokenizePrompt(*prompt, *codec)) {
    std::printf("%d\t%s\n", id, nlohmann::json(tokenizer->TokenText(id)).dump().c_str());
  }
}

}  // namespace

void AddTemplateCommand(CLI::App& app) {
  auto* tmpl = app.add_subcommand("template", "Chat templates: see the exact prompt a model is given");
  tmpl->require_subcommand(1);
  auto o = std::make_shared<TemplateOptions>();
  auto* cmd = tmpl->add_subcommand("render", "Render chat messages with a model's (or a file's) chat template");
  cmd->add_option("--model", o->model, "GGUF model whose tokenizer.chat_template to use");
  cmd->add_option("--template", o->template_file, "Jinja template file instead of a model's");
  cmd->add_option("--messages", o->messages, "JSON file with an OpenAI messages array ('-': standard input)")
      ->required();
  cmd->add_option("--tools", o->tools, "JSON file with an OpenAI tools array");
  cmd->add_option("--kwargs", o->kwargs, "chat_template_kwargs as JSON, e.g. '{\"enable_thinking\": false}'");
  cmd->add_flag("--no-generation-prompt", o->no_generation_prompt, "Do not open the assistant turn");
  cmd->add_option("--bos", o->bos, "bos_token text (default: the model's)");
  cmd->add_option("--eos", o->eos, "eos_token text (default: the model's)");
  cmd->add_option("--date", o->date, "Date strftime_now() returns, YYYY-MM-DD (default: today)");
  cmd->add_flag("--tokens", o->tokens, "Print token ids and pieces instead of text (needs --model)");
  cmd->callback([o] { Render(*o); });
}

}  // namespace ingot::cli
